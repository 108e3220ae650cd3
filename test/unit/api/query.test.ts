import { BadRequestError, PayloadTooLargeError } from '../../../lambdas/core/errors';
import { parseJsonBody, parseQuery, validateQuery } from '../../../lambdas/api/request';
import {
  AttemptListQuerySchema,
  EventListQuerySchema,
  TenantListQuerySchema,
} from '../../../lambdas/api/schemas';

describe('parseQuery', () => {
  test.each([
    ['', {}],
    ['limit=5', { limit: '5' }],
    ['id=a&id=b', { id: ['a', 'b'] }],
    ['id[]=a&id[]=b', { id: ['a', 'b'] }],
    ['id[0]=a&id[1]=b', { id: ['a', 'b'] }],
    ['id[0]=a', { id: ['a'] }],
    ['time[gte]=2024-01-01T00:00:00Z', { 'time[gte]': '2024-01-01T00:00:00Z' }],
    ['topic=user.created%2Cuser.deleted', { topic: 'user.created,user.deleted' }],
    ['tenant_id=t%201', { tenant_id: 't 1' }],
  ])('%s', (raw, expected) => {
    expect(parseQuery(raw)).toEqual(expected);
  });
});

describe('list query schemas', () => {
  test('defaults follow Outpost (events: 100 desc by time; tenants: 20 by created_at)', () => {
    expect(validateQuery(EventListQuerySchema, {})).toMatchObject({
      limit: 100,
      dir: 'desc',
      order_by: 'time',
    });
    expect(validateQuery(TenantListQuerySchema, {})).toMatchObject({
      limit: 20,
      dir: 'desc',
      order_by: 'created_at',
    });
  });

  test('lists accept one value, repeats and commas; times are normalised to UTC ISO', () => {
    const parsed = validateQuery(
      EventListQuerySchema,
      parseQuery(
        'topic=a,b&destination_id[0]=d1&destination_id[1]=d2&time[gte]=2024-01-01T02:00:00%2B02:00&time[lt]=2024-02-01',
      ),
    );
    expect(parsed).toMatchObject({
      topic: ['a', 'b'],
      destination_id: ['d1', 'd2'],
      'time[gte]': '2024-01-01T00:00:00.000Z',
      'time[lt]': '2024-02-01T00:00:00.000Z',
    });
  });

  test('include takes Outpost names', () => {
    expect(
      validateQuery(AttemptListQuerySchema, parseQuery('include=event.data&include=response_data')).include,
    ).toEqual(['event.data', 'response_data']);
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['dir=up', 'dir'],
    ['order_by=topic', 'order_by'],
    ['time[gte]=yesterday', 'time[gte]'],
    ['include=everything', 'include'],
    ['status=pending', 'status'],
  ])('%s is a 400 naming %s', (raw, field) => {
    let thrown: unknown;
    try {
      validateQuery(AttemptListQuerySchema, parseQuery(raw));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BadRequestError);
    expect((thrown as BadRequestError).data).toEqual([
      expect.stringMatching(new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}[.:]`)),
    ]);
  });
});

describe('parseJsonBody', () => {
  test('parses JSON and treats an empty body as absent', () => {
    expect(parseJsonBody('{"a":1}', 100)).toEqual({ a: 1 });
    expect(parseJsonBody('', 100)).toBeUndefined();
    expect(parseJsonBody(undefined, 100)).toBeUndefined();
  });

  test('malformed JSON is a bad request, an oversized body is too large (checked before parsing)', () => {
    expect(() => parseJsonBody('{"a":', 100)).toThrow(BadRequestError);
    expect(() => parseJsonBody(`{"a":"${'x'.repeat(200)}"`, 100)).toThrow(PayloadTooLargeError);
  });
});
