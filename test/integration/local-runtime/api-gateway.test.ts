import { request } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MAX_PAYLOAD_BYTES, startApiGateway, type ApiGateway } from '../../../local/api-gateway';
import { createHandler as createFixtureApi } from '../../support/fixture-handlers/api.handler';

let gateway: ApiGateway;
const healthEvents: APIGatewayProxyEventV2[] = [];

beforeAll(async () => {
  const fixtureApi = createFixtureApi({ FIXTURE_GREETING: 'hi' });
  gateway = await startApiGateway({
    port: 0,
    routes: [
      { routeKey: 'ANY /api/v1/{proxy+}', handler: fixtureApi },
      {
        routeKey: 'GET /api/v1/healthz',
        handler: async (event): Promise<APIGatewayProxyStructuredResultV2> => {
          healthEvents.push(event);
          return {
            statusCode: 200,
            body: '{"status":"ok"}',
            headers: { 'content-type': 'application/json' },
          };
        },
      },
      {
        routeKey: 'GET /api/v1/tenants/{tenant_id}',
        handler: async (event) => ({ statusCode: 200, body: JSON.stringify(event.pathParameters) }),
      },
    ],
  });
});

afterAll(() => gateway.stop());

async function echo(path: string, init?: RequestInit): Promise<APIGatewayProxyEventV2> {
  const response = await fetch(`${gateway.baseUrl}${path}`, init);
  expect(response.status).toBe(200);
  return ((await response.json()) as { event: APIGatewayProxyEventV2 }).event;
}

describe('startApiGateway', () => {
  it('sends the handler a payload format 2.0 event', async () => {
    const before = Date.now();
    const event = await echo('/api/v1/echo?topic=a&topic=b&limit=5&empty=', {
      headers: { 'X-Custom': 'One', Cookie: 'session=abc; theme=dark', 'User-Agent': 'jest' },
    });
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'ANY /api/v1/{proxy+}',
      rawPath: '/api/v1/echo',
      rawQueryString: 'topic=a&topic=b&limit=5&empty=',
      cookies: ['session=abc', 'theme=dark'],
      headers: expect.objectContaining({ 'x-custom': 'One', 'user-agent': 'jest', host: expect.any(String) }),
      queryStringParameters: { topic: 'a,b', limit: '5', empty: '' },
      pathParameters: { proxy: 'echo' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: expect.stringMatching(/^localhost:\d+$/),
        domainPrefix: 'localhost',
        http: {
          method: 'GET',
          path: '/api/v1/echo',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'jest',
        },
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        routeKey: 'ANY /api/v1/{proxy+}',
        stage: '$default',
        time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        timeEpoch: expect.any(Number),
      },
      isBase64Encoded: false,
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.timeEpoch).toBeGreaterThanOrEqual(before);
  });

  it('passes text bodies as text and other bodies base64-encoded', async () => {
    const json = await echo('/api/v1/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"data":"ünïcode"}',
    });
    expect(json).toMatchObject({ body: '{"data":"ünïcode"}', isBase64Encoded: false });
    expect(json.requestContext.http.method).toBe('POST');

    const bytes = Buffer.from([0, 159, 146, 150, 255]);
    const binary = await echo('/api/v1/echo', {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(binary).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });

    const empty = await echo('/api/v1/echo', { method: 'DELETE' });
    expect(empty.body).toBeUndefined();
    expect(empty.isBase64Encoded).toBe(false);
  });

  it('prefers the most specific route and fills path parameters', async () => {
    const health = await fetch(`${gateway.baseUrl}/api/v1/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(healthEvents.at(-1)?.routeKey).toBe('GET /api/v1/healthz');

    const tenant = await fetch(`${gateway.baseUrl}/api/v1/tenants/acme%20inc`);
    expect(await tenant.json()).toEqual({ tenant_id: 'acme inc' });
    // Another method on the same path falls through to the greedy ANY route.
    const proxied = await echo('/api/v1/echo');
    expect(proxied.routeKey).toBe('ANY /api/v1/{proxy+}');
    const posted = await fetch(`${gateway.baseUrl}/api/v1/healthz`, { method: 'POST' });
    expect(posted.status).toBe(404);
    expect(await posted.json()).toEqual({ status: 404, message: 'fixture: no such path' });
  });

  it('writes the structured result: status, headers, base64 body and cookies', async () => {
    const response = await fetch(`${gateway.baseUrl}/api/v1/binary`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('x-fixture')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2; Path=/']);
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([0, 1, 2, 254, 255]);
  });

  it('answers 404 JSON when no route matches', async () => {
    for (const path of ['/', '/api/v2/tenants', '/api/v1']) {
      const response = await fetch(`${gateway.baseUrl}${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.json()).toEqual({ status: 404, message: 'route not found' });
    }
  });

  it('answers 500 like API Gateway when the handler throws', async () => {
    const response = await fetch(`${gateway.baseUrl}/api/v1/throw`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('answers 413 JSON beyond the 10 MB payload limit, declared or streamed', async () => {
    const declared = await fetch(`${gateway.baseUrl}/api/v1/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 'a'),
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({
      status: 413,
      message: `request payload exceeds ${MAX_PAYLOAD_BYTES} bytes`,
    });

    // Chunked, so the server only learns the size while reading.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = request(
        `${gateway.baseUrl}/api/v1/echo`,
        { method: 'POST', headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' } },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      outgoing.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 'b');
      for (let written = 0; written <= MAX_PAYLOAD_BYTES; written += chunk.length) outgoing.write(chunk);
      outgoing.end();
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toEqual({
      status: 413,
      message: `request payload exceeds ${MAX_PAYLOAD_BYTES} bytes`,
    });

    const atLimit = await echo('/api/v1/echo', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'c'.repeat(1024),
    });
    expect(atLimit.body).toHaveLength(1024);
  });
});
