import { batchDataTexts, decodePublishRequest, publishDataText } from '../../../lambdas/api/publish-request';
import { ValidationError } from '../../../lambdas/core/errors';

/** The data as a producer might hand-write it: what JSON.parse + JSON.stringify would change. */
const TRICKY_DATA =
  '{ "amount" : 1.0, "big": 12345678901234567890, "name":"Ren\\u00e9e",\n' +
  '  "nested": [ [1, 2.50], {"a": [ ]}, "x}y]z" ], "e": 1E3 }';

describe('publishDataText', () => {
  test.each([
    [
      'spacing, 1.0, a big integer, \\u escapes, nested arrays',
      `{"tenant_id":"t","data":${TRICKY_DATA}}`,
      TRICKY_DATA,
    ],
    ['data first, whitespace around it', `{ "data" :  {"a":1}  , "topic":"x"}`, '{"a":1}'],
    ['an empty object', '{"data":{}}', '{}'],
    ['a repeated data key: the last, as JSON.parse', '{"data":{"a":1},"data":{"b":2}}', '{"b":2}'],
    ['a data key inside another member is not it', '{"metadata":{"data":"x"},"data":{"c":3}}', '{"c":3}'],
    ['an escaped key naming data', '{"d\\u0061ta":{"d":4}}', '{"d":4}'],
    ['braces inside strings', '{"data":{"s":"}{\\"]"},"tail":1}', '{"s":"}{\\"]"}'],
    ['data that is not an object is still its text', '{"data":[1, 2]}', '[1, 2]'],
    ['no data', '{"topic":"x"}', undefined],
    ['not an object', '[{"data":{}}]', undefined],
  ])('%s', (_name, body, expected) => {
    JSON.parse(body); // only texts JSON.parse accepted reach the scan
    expect(publishDataText(body)).toBe(expected);
  });

  test('the text parses to what JSON.parse gives for data', () => {
    const body = `{"tenant_id":"t","data":${TRICKY_DATA}}`;
    expect(JSON.parse(publishDataText(body)!)).toEqual((JSON.parse(body) as { data: unknown }).data);
  });

  test('a truncated text ends the scan instead of hanging it', () => {
    expect(publishDataText('{"data":{"a":[1,2')).toBe('{"a":[1,2');
  });
});

describe('batchDataTexts', () => {
  test('one text per event, in order; events without an object data get undefined', () => {
    const body =
      '{"events":[ {"tenant_id":"t","data": {"n": 1.0} }, "not an event", {"data":{"m":[ 2 ]}}, {"topic":"x"} ]}';
    expect(batchDataTexts(body)).toEqual(['{"n": 1.0}', undefined, '{"m":[ 2 ]}', undefined]);
  });

  test('only the top-level events array counts', () => {
    const body = '{"meta":{"events":[{"data":{"no":1}}]},"events":[{"data":{"yes":1}}]}';
    expect(batchDataTexts(body)).toEqual(['{"yes":1}']);
  });
});

describe('decodePublishRequest', () => {
  test('validates the parsed body and carries the text along', () => {
    const body = `{"tenant_id":"t","topic":"a","data":${TRICKY_DATA}}`;
    const input = decodePublishRequest(JSON.parse(body), publishDataText(body));
    expect(input).toMatchObject({ tenant_id: 't', data_json: TRICKY_DATA });
    expect(input.data).toMatchObject({ amount: 1, name: 'Renée' });
  });

  test('a data that is not an object is refused whatever its text', () => {
    const body = '{"tenant_id":"t","data":[1]}';
    expect(() => decodePublishRequest(JSON.parse(body), publishDataText(body))).toThrow(ValidationError);
  });
});
