import { Webhook } from 'standardwebhooks';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { apiClient, eventually, type ApiClient } from '../support/api-client';
import { closedPort } from '../support/closed-port';
import { runtimeStore } from '../support/runtime-store';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/**
 * The whole pipeline through the local runtime: API -> DynamoDB Local -> fauxqs -> poller -> deliver
 * handler -> a real webhook receiver on loopback, with a fast retry schedule.
 */

interface Attempt {
  id: string;
  status: 'success' | 'failed';
  code: string;
  attempt_number: number;
  manual: boolean;
  response_data?: { status_code?: number; body?: string; truncated?: boolean } | null;
}

let runtime: LocalRuntime;
let api: ApiClient;
let receiver: WebhookReceiver;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    inMemory: true,
    apiPort: 0,
    env: { RETRY_SCHEDULE: '1,1,1', RETRY_JITTER: '0', DELIVERY_TIMEOUT_SECONDS: '1' },
  });
  api = apiClient(runtime.apiUrl, runtime.adminKey);
  receiver = await startWebhookReceiver();
  expect((await api.put('/tenants/acme', { metadata: { name: 'Acme' } })).status).toBe(201);
}, 120000);

afterAll(async () => {
  await receiver?.close();
  await runtime?.stop();
});

beforeEach(() => {
  receiver.clear();
  receiver.respondWith({ status: 200, body: 'ok' });
});

async function createWebhook(url: string, topics: string[] | '*' = ['user.created']) {
  const created = await api.post<{ id: string; credentials: { secret: string } }>(
    '/tenants/acme/destinations',
    {
      type: 'webhook',
      topics,
      config: { url },
    },
  );
  expect(created.status).toBe(201);
  return created.body;
}

async function attemptsOf(eventId: string): Promise<Attempt[]> {
  const page = await api.get<{ models: Attempt[] }>(
    `/attempts?tenant_id=acme&event_id=${eventId}&include=response_data&dir=asc`,
  );
  expect(page.status).toBe(200);
  return page.body.models.sort((a, b) => a.attempt_number - b.attempt_number);
}

function attemptsReach(eventId: string, count: number, last?: (attempt: Attempt) => boolean) {
  return eventually(`${count} attempts of ${eventId}`, async () => {
    const attempts = await attemptsOf(eventId);
    const tail = attempts[count - 1];
    return attempts.length >= count && tail && (!last || last(tail)) ? attempts : undefined;
  });
}

it('delivers a published event, signed per Standard Webhooks, with the data byte for byte', async () => {
  const destination = await createWebhook(receiver.url);
  // Hand-written as a producer might: JSON.parse + JSON.stringify would change every line of it
  // (spacing, 1.0 -> 1, 12345678901234567890 -> 12345678901234567000, \u00eb -> ë).
  const dataText = [
    '{ "user_id" : "u_1",',
    '  "name": "Zo\\u00eb",',
    '  "amount": 1.0,',
    '  "ledger_id": 12345678901234567890,',
    '  "nested": { "list": [ [1, 2.50], ["tr\\u00eas", true], [] ] }',
    '}',
  ].join('\n');
  const published = await api.post<{ id: string; duplicate: boolean; destination_ids: string[] }>(
    '/publish',
    `{"tenant_id": "acme", "topic": "user.created", "metadata": {"source": "crm"}, "data": ${dataText}}`,
  );
  expect(published.status).toBe(202);
  expect(published.body.duplicate).toBe(false);
  expect(published.body.destination_ids).toEqual([destination.id]);

  const [request] = await receiver.waitFor(1, 15000);
  expect(request!.body).toBe(dataText);
  // The signature covers those bytes: the receiver's own verifier accepts them as they arrived, and
  // would refuse the re-serialised JSON a parsing relay would have sent.
  const webhook = new Webhook(destination.credentials.secret);
  expect(webhook.verify(request!.body, request!.headers)).toMatchObject({ user_id: 'u_1', amount: 1 });
  expect(() => webhook.verify(JSON.stringify(JSON.parse(dataText)), request!.headers)).toThrow();
  expect(request!.headers['webhook-id']).toBeTruthy();

  const [attempt] = await attemptsReach(published.body.id, 1);
  expect(attempt).toMatchObject({ status: 'success', code: '200', attempt_number: 1, manual: false });

  const data = JSON.parse(dataText) as unknown;
  const again = await api.post<{ duplicate: boolean }>('/publish', {
    id: published.body.id,
    tenant_id: 'acme',
    topic: 'user.created',
    data,
  });
  expect(again.status).toBe(202);
  expect(again.body.duplicate).toBe(true);
  await api.delete(`/tenants/acme/destinations/${destination.id}`);
});

it('retries a failing receiver with backoff and delivers once it recovers', async () => {
  const destination = await createWebhook(receiver.url, ['order.paid']);
  let calls = 0;
  receiver.respondWith(() => (++calls <= 2 ? { status: 500, body: 'boom' } : { status: 200, body: 'ok' }));
  const published = await api.post<{ id: string }>('/publish', {
    tenant_id: 'acme',
    topic: 'order.paid',
    data: { n: 1 },
  });
  expect(published.status).toBe(202);

  const attempts = await attemptsReach(published.body.id, 3, (attempt) => attempt.status === 'success');
  expect(attempts.map((a) => [a.attempt_number, a.status, a.code])).toEqual([
    [1, 'failed', '500'],
    [2, 'failed', '500'],
    [3, 'success', '200'],
  ]);
  expect(attempts[0]!.response_data?.body).toBe('boom');
  const arrivals = receiver.requests.map((r) => r.receivedAt.getTime());
  expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(900);
  // Every try carries the same webhook-id: receivers deduplicate on it.
  expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
  await api.delete(`/tenants/acme/destinations/${destination.id}`);
});

it('marks the delivery failed when retries run out, and a manual retry still delivers it', async () => {
  const destination = await createWebhook(receiver.url, ['invoice.due']);
  receiver.respondWith({ status: 503, body: 'down' });
  const published = await api.post<{ id: string }>('/publish', {
    tenant_id: 'acme',
    topic: 'invoice.due',
    data: { n: 2 },
  });

  const attempts = await attemptsReach(published.body.id, 4);
  expect(attempts.every((a) => a.status === 'failed' && a.code === '503')).toBe(true);
  // No fifth automatic attempt: the schedule has three retries.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  expect(await attemptsOf(published.body.id)).toHaveLength(4);

  receiver.respondWith({ status: 200, body: 'back' });
  const retry = await api.post<{ success: boolean }>('/retry', {
    event_id: published.body.id,
    destination_id: destination.id,
  });
  expect(retry.status).toBe(202);
  expect(retry.body).toEqual({ success: true });
  const after = await attemptsReach(published.body.id, 5);
  expect(after[4]).toMatchObject({ attempt_number: 5, status: 'success', code: '200', manual: true });
  await api.delete(`/tenants/acme/destinations/${destination.id}`);
});

it('records a timeout and a refused connection as failed attempts with their error class', async () => {
  const slow = await createWebhook(receiver.url, ['slow.thing']);
  receiver.respondWith({ status: 200, delayMs: 3000 });
  const timedOut = await api.post<{ id: string }>('/publish', {
    tenant_id: 'acme',
    topic: 'slow.thing',
    data: {},
  });
  const [first] = await attemptsReach(timedOut.body.id, 1);
  expect(first).toMatchObject({ status: 'failed', code: 'timeout' });
  await api.delete(`/tenants/acme/destinations/${slow.id}`);

  const refused = await createWebhook(`http://127.0.0.1:${await closedPort()}/hook`, ['closed.port']);
  const published = await api.post<{ id: string }>('/publish', {
    tenant_id: 'acme',
    topic: 'closed.port',
    data: {},
  });
  const [attempt] = await attemptsReach(published.body.id, 1);
  expect(attempt).toMatchObject({ status: 'failed', code: 'connection_refused' });
  await api.delete(`/tenants/acme/destinations/${refused.id}`);
});

it('completes a publish that died after storing the event, when the producer retries with the same id', async () => {
  const destination = await createWebhook(receiver.url, ['order.repaired']);
  const event = {
    id: 'evt-died-mid-publish',
    tenant_id: 'acme',
    topic: 'order.repaired',
    time: new Date().toISOString(),
    eligible_for_retry: true,
    metadata: null,
    data: { n: 1 },
    matched_destination_ids: [destination.id],
  };
  // What the first publish left behind when it stopped between the event's write and its deliveries'.
  const store = runtimeStore(runtime);
  await store.events.createWithDeliveries(event, []);

  const retried = await api.post('/publish', {
    id: event.id,
    tenant_id: 'acme',
    topic: 'order.repaired',
    data: { n: 1 },
  });
  expect(retried.status).toBe(202);
  expect(retried.body).toEqual({ id: event.id, duplicate: true, destination_ids: [destination.id] });
  const [attempt] = await attemptsReach(event.id, 1);
  expect(attempt).toMatchObject({ status: 'success', attempt_number: 1 });

  // The deliverer records an attempt after advancing the delivery: the ledger says it is done.
  expect(await store.deliveries.get('acme', event.id, destination.id)).toMatchObject({ status: 'success' });
  store.close();
  // A further retry finds the delivery done and sends nothing.
  const again = await api.post<{ duplicate: boolean }>('/publish', {
    id: event.id,
    tenant_id: 'acme',
    topic: 'order.repaired',
    data: { n: 1 },
  });
  expect(again.body.duplicate).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // Other tests' retries may still reach this receiver; only this event's deliveries count.
  const mine = receiver.requests.filter((request) => request.headers['webhook-id'] === event.id);
  expect(mine.map((request) => JSON.parse(request.body) as unknown)).toEqual([{ n: 1 }]);
});

it('stores events that match no destination', async () => {
  const published = await api.post<{ id: string; destination_ids: string[] }>('/publish', {
    tenant_id: 'acme',
    topic: 'nobody.listens',
    data: { x: 1 },
  });
  expect(published.status).toBe(202);
  expect(published.body.destination_ids).toEqual([]);
  const event = await api.get<{ id: string; data: unknown }>(`/events/${published.body.id}?tenant_id=acme`);
  expect(event.status).toBe(200);
  expect(event.body).toMatchObject({ id: published.body.id, data: { x: 1 } });
});
