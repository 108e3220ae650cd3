import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { toApiRequest } from '../../../lambdas/handlers/api.handler';

function event(overrides: Partial<APIGatewayProxyEventV2>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/api/v1/publish',
    rawQueryString: 'a=1&id[]=x',
    headers: { Authorization: 'Bearer k', 'Content-Type': 'application/json' },
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: '/api/v1/publish' },
    } as APIGatewayProxyEventV2['requestContext'],
    ...overrides,
  };
}

describe('toApiRequest (API Gateway payload 2.0)', () => {
  test('method, path, raw query and lower-case headers carry over', () => {
    expect(toApiRequest(event({ body: '{"a":1}' }))).toEqual({
      method: 'POST',
      path: '/api/v1/publish',
      rawQuery: 'a=1&id[]=x',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
  });

  test('a base64 body is decoded as UTF-8', () => {
    const body = JSON.stringify({ data: { name: 'Zoë ✓' } });
    expect(
      toApiRequest(event({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true })).body,
    ).toBe(body);
  });

  test('no body and no query', () => {
    const request = toApiRequest(event({ body: undefined, rawQueryString: '' }));
    expect(request.body).toBeUndefined();
    expect(request.rawQuery).toBe('');
  });
});
