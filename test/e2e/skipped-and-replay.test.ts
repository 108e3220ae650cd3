import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import type { Delivery } from '../../lambdas/core/model';
import { apiClient, eventually, type ApiClient } from '../support/api-client';
import { runtimeStore, type RuntimeStore } from '../support/runtime-store';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/**
 * Issue 5 beyond the alerts: events skipped while a destination is disabled are recorded with a
 * reason, replayed in bulk after it is enabled again; the filter test explains a non-match; manual
 * retries are limited; a manual retry racing an automatic one makes each attempt number once.
 */

interface DeliveryView {
  event_id: string;
  status: string;
  reason: string | null;
  attempts: number;
  manual_retries: number;
  due_at: string | null;
}

interface AttemptView {
  attempt_number: number;
  manual: boolean;
  status: string;
}

let runtime: LocalRuntime;
let api: ApiClient;
let receiver: WebhookReceiver;
let store: RuntimeStore;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  runtime = await startLocalRuntime({
    inMemory: true,
    apiPort: 0,
    env: { RETRY_SCHEDULE: '2,2', RETRY_JITTER: '0', MANUAL_RETRY_LIMIT: '2' },
  });
  api = apiClient(runtime.apiUrl, runtime.adminKey);
  store = runtimeStore(runtime);
  await api.put('/tenants/replay');
}, 120000);

afterAll(async () => {
  store?.close();
  await runtime?.stop();
  await receiver?.close();
});

beforeEach(() => {
  receiver.clear();
  receiver.respondWith({ status: 200 });
});

/**
 * The delivery record of an event to a destination once it satisfies `ready`, read from the ledger:
 * the destination's delivery listing shows only the ones that need attention, not queued or done ones.
 */
function deliveryOf(destinationId: string, eventId: string, ready: (delivery: Delivery) => boolean) {
  return eventually(`delivery of ${eventId}`, async () => {
    const delivery = await store.deliveries.get('replay', eventId, destinationId);
    return delivery && ready(delivery) ? delivery : undefined;
  });
}

const requestsFor = (eventId: string) =>
  receiver.requests.filter((request) => request.headers['webhook-id'] === eventId);

async function attemptsOf(eventId: string): Promise<AttemptView[]> {
  const page = await api.get<{ models: AttemptView[] }>(`/attempts?tenant_id=replay&event_id=${eventId}`);
  return page.body.models.sort((a, b) => a.attempt_number - b.attempt_number);
}

async function webhook(topics: string[] | '*', filter?: object) {
  const created = await api.post<{ id: string }>('/tenants/replay/destinations', {
    type: 'webhook',
    topics,
    config: { url: receiver.url },
    ...(filter ? { filter } : {}),
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

it('records skipped deliveries while disabled and replays them in bulk after enabling', async () => {
  const destinationId = await webhook(['order.*']);
  expect((await api.put(`/tenants/replay/destinations/${destinationId}/disable`)).status).toBe(200);
  const ids: string[] = [];
  for (let n = 0; n < 3; n += 1) {
    const published = await api.post<{ id: string; destination_ids: string[] }>('/publish', {
      tenant_id: 'replay',
      topic: 'order.created',
      data: { n },
    });
    expect(published.body.destination_ids).toEqual([]);
    ids.push(published.body.id);
  }
  const skipped = await api.get<{ models: DeliveryView[] }>(
    `/tenants/replay/destinations/${destinationId}/deliveries?status=skipped`,
  );
  expect(skipped.status).toBe(200);
  expect(skipped.body.models.map((d) => [d.event_id, d.status, d.reason])).toEqual(
    ids.map((id) => [id, 'skipped', 'destination_disabled']),
  );

  // Replay is refused while the destination is still disabled.
  const early = await api.post('/retry/bulk', { tenant_id: 'replay', destination_id: destinationId });
  expect(early.status).toBe(400);

  await api.put(`/tenants/replay/destinations/${destinationId}/enable`);
  const replay = await api.post<{ replayed: number; remaining: boolean }>('/retry/bulk', {
    tenant_id: 'replay',
    destination_id: destinationId,
    status: ['skipped'],
  });
  expect(replay.status).toBe(202);
  expect(replay.body).toEqual({ replayed: 3, not_matching: 0, over_limit: 0, remaining: false, next: null });
  const requests = await receiver.waitFor(3, 15000);
  expect(requests.map((r) => JSON.parse(r.body).n).sort()).toEqual([0, 1, 2]);
  await eventually('all three delivered', async () => {
    const attempts = await Promise.all(ids.map(attemptsOf));
    return attempts.every((of) => of.some((attempt) => attempt.status === 'success')) ? true : undefined;
  });
  // Delivered ones leave the listing, which holds the deliveries that need attention.
  const left = await api.get<{ models: DeliveryView[] }>(
    `/tenants/replay/destinations/${destinationId}/deliveries`,
  );
  expect(left.body.models.filter((d) => ids.includes(d.event_id))).toEqual([]);
  const successes = await api.get<{ message: string; data: string[] }>(
    `/tenants/replay/destinations/${destinationId}/deliveries?status=success`,
  );
  expect(successes.status).toBe(400);
  expect(successes.body.data).toEqual([
    expect.stringMatching(
      /^status: queued and success deliveries are not listed by destination.*\/attempts$/,
    ),
  ]);
  // A second replay finds nothing left to do.
  const again = await api.post<{ replayed: number }>('/retry/bulk', {
    tenant_id: 'replay',
    destination_id: destinationId,
  });
  expect(again.body.replayed).toBe(0);
});

it('replays only the skipped deliveries whose event time is in the range asked for', async () => {
  const destinationId = await webhook(['range.*']);
  await api.put(`/tenants/replay/destinations/${destinationId}/disable`);
  const hour = 3_600_000;
  const base = Date.now() - 10 * hour;
  for (let n = 0; n < 4; n += 1) {
    await api.post('/publish', {
      tenant_id: 'replay',
      topic: 'range.test',
      time: new Date(base + n * hour).toISOString(),
      data: { n },
    });
  }
  await api.put(`/tenants/replay/destinations/${destinationId}/enable`);

  const replay = await api.post<{ replayed: number; next: string | null }>('/retry/bulk', {
    tenant_id: 'replay',
    destination_id: destinationId,
    time: { gte: new Date(base + hour).toISOString(), lt: new Date(base + 3 * hour).toISOString() },
  });
  expect(replay.status).toBe(202);
  expect(replay.body).toMatchObject({ replayed: 2, next: null });
  const requests = await receiver.waitFor(2, 15000);
  expect(requests.map((r) => (JSON.parse(r.body) as { n: number }).n).sort()).toEqual([1, 2]);
  const skipped = await api.get<{ models: { status: string }[] }>(
    `/tenants/replay/destinations/${destinationId}/deliveries?status=skipped`,
  );
  expect(skipped.body.models).toHaveLength(2);
});

it('delivers to a destination enabled a moment after the deliverer saw it disabled', async () => {
  // A retry due after the deliverer's 5 s destination cache has expired, so that the retry is what
  // loads the destination, while it is disabled.
  const created = await api.post<{ id: string }>('/tenants/replay/destinations', {
    type: 'webhook',
    topics: ['cache.*'],
    config: { url: receiver.url },
    retry_schedule: [6],
  });
  const destinationId = created.body.id;
  receiver.respondWith({ status: 500 });
  const first = await api.post<{ id: string }>('/publish', {
    tenant_id: 'replay',
    topic: 'cache.first',
    data: { n: 1 },
  });
  await receiver.waitFor(1, 15000);
  receiver.respondWith({ status: 200 });
  await api.put(`/tenants/replay/destinations/${destinationId}/disable`);
  await eventually('the pending retry is skipped', async () => {
    const page = await api.get<{ models: DeliveryView[] }>(
      `/tenants/replay/destinations/${destinationId}/deliveries?status=skipped`,
    );
    return page.body.models.some((delivery) => delivery.event_id === first.body.id) ? true : undefined;
  });

  await api.put(`/tenants/replay/destinations/${destinationId}/enable`);
  const second = await api.post<{ id: string; destination_ids: string[] }>('/publish', {
    tenant_id: 'replay',
    topic: 'cache.second',
    data: { n: 2 },
  });
  expect(second.body.destination_ids).toEqual([destinationId]);
  await eventually('the event published after enabling is delivered', async () => {
    const attempts = await attemptsOf(second.body.id);
    return attempts.some((attempt) => attempt.status === 'success') ? true : undefined;
  });
  expect(
    receiver.requests.filter((request) => request.headers['webhook-id'] === second.body.id),
  ).toHaveLength(1);
});

it('explains why an event would not reach a destination', async () => {
  const destinationId = await webhook(['user.*'], {
    data: { plan: { $in: ['pro', 'team'] }, seats: { $gte: 5 } },
  });
  const test = (event: object, filter?: object) =>
    api.post<{ matches: boolean; failed_path?: string; reason?: string; topic_matches: boolean }>(
      `/tenants/replay/destinations/${destinationId}/filter/test`,
      { event, ...(filter ? { filter } : {}) },
    );
  expect((await test({ topic: 'user.created', data: { plan: 'pro', seats: 9 } })).body).toMatchObject({
    matches: true,
  });
  const lowSeats = await test({ topic: 'user.created', data: { plan: 'pro', seats: 2 } });
  expect(lowSeats.body).toMatchObject({ matches: false, topic_matches: true, failed_path: 'data.seats' });
  expect(lowSeats.body.reason).toContain('$gte');
  expect((await test({ topic: 'order.created', data: {} })).body).toMatchObject({
    matches: false,
    topic_matches: false,
  });
  // An unsaved filter can be tried too, and a bad one is a 422 naming its path.
  expect(
    (await test({ topic: 'user.created', data: { seats: 1 } }, { data: { seats: { $lt: 2 } } })).body.matches,
  ).toBe(true);
  const bad = await test({ topic: 'user.created', data: {} }, { data: { seats: { $between: 1 } } });
  expect(bad.status).toBe(422);
  expect(JSON.stringify(bad.body)).toContain('filter.data.seats');
});

it('limits manual retries per delivery', async () => {
  const destinationId = await webhook(['limit.test']);
  const published = await api.post<{ id: string }>('/publish', {
    tenant_id: 'replay',
    topic: 'limit.test',
    data: {},
  });
  const retry = () => api.post('/retry', { event_id: published.body.id, destination_id: destinationId });
  for (let n = 1; n <= 3; n += 1) {
    if (n > 1) expect((await retry()).status).toBe(202);
    await deliveryOf(destinationId, published.body.id, (d) => d.status === 'success' && d.attempts === n);
  }
  const refused = await retry();
  expect(refused.status).toBe(422);
  expect(JSON.stringify(refused.body)).toContain('limit');
});

it('makes each attempt number once when a manual retry supersedes a pending automatic one', async () => {
  // Attempt 2 is scheduled automatically 30 s after attempt 1 fails: well ahead, so still waiting.
  const created = await api.post<{ id: string }>('/tenants/replay/destinations', {
    type: 'webhook',
    topics: ['race.test'],
    config: { url: receiver.url },
    retry_schedule: [30],
  });
  const destinationId = created.body.id;
  receiver.respondWith({ status: 500 });
  const published = await api.post<{ id: string }>('/publish', {
    tenant_id: 'replay',
    topic: 'race.test',
    data: {},
  });
  await deliveryOf(destinationId, published.body.id, (d) => d.status === 'retrying');
  receiver.respondWith({ status: 200 });
  expect(
    (await api.post('/retry', { event_id: published.body.id, destination_id: destinationId })).status,
  ).toBe(202);
  const done = await deliveryOf(destinationId, published.body.id, (d) => d.status === 'success');
  expect(done).toMatchObject({ attempts: 2, manual_retries: 1, due_at: null });
  const attempts = await attemptsOf(published.body.id);
  expect(attempts.map((a) => [a.attempt_number, a.manual, a.status])).toEqual([
    [1, false, 'failed'],
    [2, true, 'success'],
  ]);
  expect(requestsFor(published.body.id)).toHaveLength(2);
});

it('refuses a manual retry while an automatic attempt is in flight, and takes it once that is recorded', async () => {
  const destinationId = await webhook(['race.inflight']);
  // The receiver holds attempt 1 for 2 s: the manual retry arrives while it is being sent.
  receiver.respondWith({ status: 200, delayMs: 2000 });
  const published = await api.post<{ id: string }>('/publish', {
    tenant_id: 'replay',
    topic: 'race.inflight',
    data: {},
  });
  await receiver.waitFor(1, 15000);
  const retry = () => api.post('/retry', { event_id: published.body.id, destination_id: destinationId });
  const refused = await retry();
  expect(refused.status).toBe(409);
  expect(refused.body).toMatchObject({ status: 409, data: { attempt_number: 1 } });
  expect(JSON.stringify(refused.body)).toContain('in progress');

  const first = await deliveryOf(destinationId, published.body.id, (d) => d.status === 'success');
  expect(first).toMatchObject({ attempts: 1, manual_retries: 0 });
  expect((await attemptsOf(published.body.id)).map((a) => [a.attempt_number, a.manual, a.status])).toEqual([
    [1, false, 'success'],
  ]);
  expect(requestsFor(published.body.id)).toHaveLength(1);

  // Once attempt 1 is recorded, the same retry is accepted and made as attempt 2, its own.
  receiver.respondWith({ status: 200 });
  expect((await retry()).status).toBe(202);
  const second = await deliveryOf(destinationId, published.body.id, (d) => d.attempts === 2);
  expect(second).toMatchObject({ status: 'success', manual_retries: 1 });
  expect((await attemptsOf(published.body.id)).map((a) => [a.attempt_number, a.manual, a.status])).toEqual([
    [1, false, 'success'],
    [2, true, 'success'],
  ]);
  expect(requestsFor(published.body.id)).toHaveLength(2);
});
