import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { SendContext } from '../../../lambdas/core/destination-adapter';
import type { Destination, Event, StringMap } from '../../../lambdas/core/model';
import { generateSecret } from '../../../lambdas/core/signing';
import { destroyHttpAgents, httpPost } from '../../../lambdas/destinations/http-delivery';
import { webhookAdapter } from '../../../lambdas/destinations/webhook.adapter';
import { transport } from '../../../lambdas/destinations/webhook.transport';
import { closedPort } from '../../support/closed-port';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';

const localSend: SendContext = { timeoutMs: 2000, responseCapBytes: 64 * 1024, allowPrivateTargets: true };
const deployedSend: SendContext = { ...localSend, allowPrivateTargets: false };

function event(id = 'evt_1'): Event {
  return {
    id,
    tenant_id: 't1',
    topic: 'order.paid',
    time: new Date().toISOString(),
    eligible_for_retry: true,
    metadata: { source: 'checkout' },
    data: { order_id: 'o_42', total: 19.99, items: [{ sku: 'a', qty: 2 }], note: 'naïve ✓' },
    matched_destination_ids: ['d1'],
  };
}

function destination(
  url: string,
  overrides: { config?: StringMap; credentials?: StringMap } = {},
): Destination {
  return {
    id: 'd1',
    tenant_id: 't1',
    type: 'webhook',
    topics: '*',
    filter: null,
    config: { url, ...overrides.config },
    credentials: overrides.credentials ?? { secret: generateSecret() },
    delivery_metadata: null,
    metadata: null,
    disabled_at: null,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
  };
}

async function deliver(dest: Destination, ctx: SendContext = localSend, evt: Event = event()) {
  const request = webhookAdapter.format(evt, dest, {
    now: new Date(),
    secretRotationGraceMs: 24 * 3600 * 1000,
  });
  return transport.send(request, dest, ctx);
}

describe('webhook adapter over real HTTP', () => {
  let receiver: WebhookReceiver;

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });
  afterAll(() => destroyHttpAgents());

  it('delivers a signed request the standardwebhooks library verifies', async () => {
    const secret = generateSecret();
    const evt = event();
    const result = await deliver(destination(receiver.url, { credentials: { secret } }), localSend, evt);

    expect(result).toMatchObject({ ok: true, code: '200', retryable: false });
    const [received] = await receiver.waitFor(1);
    expect(received?.method).toBe('POST');
    expect(received?.body).toBe(JSON.stringify(evt.data));
    expect(received?.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'evt_1',
      'x-outpost-event-id': 'evt_1',
      'x-outpost-topic': 'order.paid',
      'x-outpost-source': 'checkout',
    });
    expect(new Webhook(secret).verify(received?.body ?? '', received?.headers ?? {})).toEqual(evt.data);
  });

  it('during rotation both the old and the new secret verify the same delivery', async () => {
    const oldSecret = generateSecret();
    const credentials = webhookAdapter.prepareCredentials(
      { rotate_secret: 'true' },
      { secret: oldSecret },
      { now: new Date(), isAdmin: false, secretRotationGraceMs: 3600 * 1000 },
    );
    const newSecret = credentials.secret ?? '';
    expect(newSecret).not.toBe(oldSecret);

    await deliver(destination(receiver.url, { credentials }));
    const [received] = await receiver.waitFor(1);
    const headers = received?.headers ?? {};
    expect(() => new Webhook(oldSecret).verify(received?.body ?? '', headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(received?.body ?? '', headers)).not.toThrow();
    expect(() => new Webhook(generateSecret()).verify(received?.body ?? '', headers)).toThrow();
  });

  it('sends the custom headers', async () => {
    await deliver(
      destination(receiver.url, {
        config: { custom_headers: '{"x-api-key":"k-123","X-Tenant-Id":"customer-456"}' },
      }),
    );
    const [received] = await receiver.waitFor(1);
    expect(received?.headers['x-api-key']).toBe('k-123');
    expect(received?.headers['x-tenant-id']).toBe('customer-456');
  });

  it('a 500 is a retryable failure with code "500" and the response recorded', async () => {
    receiver.respondWith({ status: 500, body: 'database down', headers: { 'content-type': 'text/plain' } });
    const result = await deliver(destination(receiver.url));
    expect(result).toEqual({
      ok: false,
      code: '500',
      retryable: true,
      response: {
        status_code: 500,
        headers: expect.objectContaining({
          'content-type': 'text/plain',
          'content-length': '13',
        }) as StringMap,
        body: 'database down',
        truncated: false,
      },
    });
  });

  it.each([
    [404, true],
    [401, true],
    [302, false],
    [204, false],
  ])('status %i: retryable %p (every status >= 400 is retried)', async (status, retryable) => {
    receiver.respondWith({ status });
    const result = await deliver(destination(receiver.url));
    expect(result.code).toBe(String(status));
    expect(result.ok).toBe(status < 300);
    expect(result.retryable).toBe(retryable);
  });

  it('a 429 with Retry-After asks for that pause', async () => {
    receiver.respondWith({ status: 429, headers: { 'retry-after': '120' } });
    const result = await deliver(destination(receiver.url));
    expect(result).toMatchObject({ ok: false, code: '429', retryable: true, retryAfterMs: 120_000 });
  });

  it('a 503 with an HTTP-date Retry-After is honoured too', async () => {
    const inTenMinutes = new Date(Date.now() + 600_000).toUTCString();
    receiver.respondWith({ status: 503, headers: { 'retry-after': inTenMinutes } });
    const result = await deliver(destination(receiver.url));
    expect(result.code).toBe('503');
    expect(result.retryAfterMs).toBeGreaterThan(500_000);
    expect(result.retryAfterMs).toBeLessThanOrEqual(600_000);
  });

  it('Retry-After on other statuses is not a pause request', async () => {
    receiver.respondWith({ status: 500, headers: { 'retry-after': '120' } });
    const result = await deliver(destination(receiver.url));
    expect(result.retryAfterMs).toBeUndefined();
  });

  it('a receiver slower than the timeout is a retryable "timeout"', async () => {
    receiver.respondWith({ status: 200, delayMs: 5_000 });
    const result = await deliver(destination(receiver.url), { ...localSend, timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, code: 'timeout', retryable: true });
    expect(result.response?.error).toContain('200 ms');
    expect(receiver.requests).toHaveLength(1);
  });

  it('a closed port is a retryable "connection_refused"', async () => {
    const port = await closedPort();
    const result = await deliver(destination(`http://127.0.0.1:${port}/webhook`));
    expect(result).toMatchObject({ ok: false, code: 'connection_refused', retryable: true });
  });

  it('a connection dropped without an answer is "connection_reset"', async () => {
    const server = http.createServer((request) => request.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await deliver(destination(`http://127.0.0.1:${port}/`));
      expect(result).toMatchObject({ ok: false, code: 'connection_reset', retryable: true });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('an unresolvable host is a retryable "dns_error"', async () => {
    const result = await deliver(destination('http://no-such-host.invalid/webhook'));
    expect(result).toMatchObject({ ok: false, code: 'dns_error', retryable: true });
  });

  it('caps a huge response body and marks it truncated', async () => {
    receiver.respondWith({ status: 200, body: Buffer.alloc(4 * 1024 * 1024, 'x') });
    const result = await deliver(destination(receiver.url), { ...localSend, responseCapBytes: 1024 });
    expect(result.ok).toBe(true);
    expect(result.response?.truncated).toBe(true);
    expect(result.response?.body).toBe('x'.repeat(1024));
  });

  it('keeps a response at the cap whole', async () => {
    receiver.respondWith({ status: 200, body: 'y'.repeat(1024) });
    const result = await deliver(destination(receiver.url), { ...localSend, responseCapBytes: 1024 });
    expect(result.response).toMatchObject({ body: 'y'.repeat(1024), truncated: false });
  });

  it('reuses one keep-alive connection for sequential deliveries', async () => {
    const dest = destination(receiver.url);
    for (const id of ['evt_a', 'evt_b', 'evt_c', 'evt_d']) {
      expect((await deliver(dest, localSend, event(id))).ok).toBe(true);
    }
    const requests = await receiver.waitFor(4);
    expect(requests.map((r) => r.headers['webhook-id'])).toEqual(['evt_a', 'evt_b', 'evt_c', 'evt_d']);
    expect(new Set(requests.map((r) => r.connectionId)).size).toBe(1);
    expect(receiver.connectionCount()).toBe(1);
  });

  it('delivers on a fresh connection after the receiver closed the idle pooled one', async () => {
    await receiver.close();
    // A receiver that drops idle keep-alive connections almost at once.
    receiver = await startWebhookReceiver({ keepAliveTimeoutMs: 1 });
    const dest = destination(receiver.url);
    expect((await deliver(dest, localSend, event('evt_x'))).ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await deliver(dest, localSend, event('evt_y'))).ok).toBe(true);
    const requests = await receiver.waitFor(2);
    expect(requests.map((r) => r.headers['webhook-id'])).toEqual(['evt_x', 'evt_y']);
    expect(receiver.connectionCount()).toBe(2);
  });

  it('sends again once on a fresh connection when a reused one is reset before any answer', async () => {
    // Stands in for a receiver that closed the pooled connection just as the request went out.
    const requestsPerSocket = new Map<unknown, number>();
    const server = http.createServer((request, response) => {
      const seen = (requestsPerSocket.get(request.socket) ?? 0) + 1;
      requestsPerSocket.set(request.socket, seen);
      if (seen > 1) request.socket.destroy();
      else response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const dest = destination(`http://127.0.0.1:${port}/`);
      expect((await deliver(dest)).code).toBe('200');
      expect((await deliver(dest)).code).toBe('200');
      expect(requestsPerSocket.size).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  describe('deployed mode (allowPrivateTargets: false)', () => {
    it.each([
      ['http to 127.0.0.1', () => receiver.url, 'target must use https'],
      [
        'https to 127.0.0.1',
        () => `https://127.0.0.1:${receiver.port}/webhook`,
        'forbidden address (loopback)',
      ],
      [
        'https to localhost',
        () => `https://localhost:${receiver.port}/webhook`,
        'must not point at localhost',
      ],
    ])('refuses %s without connecting', async (_label, url, message) => {
      const result = await deliver(destination(url()), deployedSend);
      expect(result).toMatchObject({ ok: false, code: 'target_forbidden', retryable: false });
      expect(result.response?.error).toContain(message);
      expect(receiver.connectionCount()).toBe(0);
    });

    it('refuses a hostname that resolves to loopback at connect time (guarded lookup)', async () => {
      const result = await httpPost(
        { url: `https://receiver.example.test:${receiver.port}/webhook`, headers: {}, body: '{}' },
        {
          timeoutMs: 2000,
          responseCapBytes: 1024,
          guardTargets: true,
          resolver: async () => [{ address: '127.0.0.1', family: 4 }],
        },
      );
      expect(result).toMatchObject({ ok: false, code: 'target_forbidden', retryable: false });
      expect(result.response?.error).toContain('receiver.example.test resolves to 127.0.0.1 (loopback)');
      expect(receiver.connectionCount()).toBe(0);
    });
  });
});
