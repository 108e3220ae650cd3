import { Webhook } from 'standardwebhooks';
import { generateSecret } from '../../lambdas/core/signing';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { apiClient, eventually, type ApiClient } from '../support/api-client';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/**
 * Destination health end to end: a receiver that fails on command, alerts received by an operator HTTP
 * sink and verified with `standardwebhooks`, each threshold crossed exactly once, auto-disable at 100 %.
 */

interface ReceivedAlert {
  topic: string;
  tenant_id: string;
  data: {
    destination: { id: string; disabled_at: string | null; credentials?: unknown };
    consecutive_failures: { current: number; max: number; threshold: number };
    attempt?: { code: string };
  };
}

const THRESHOLD = 10;
const sinkSecret = generateSecret();
let runtime: LocalRuntime;
let api: ApiClient;
let target: WebhookReceiver;
let sink: WebhookReceiver;

beforeAll(async () => {
  target = await startWebhookReceiver({ respond: { status: 500 } });
  sink = await startWebhookReceiver();
  runtime = await startLocalRuntime({
    inMemory: true,
    apiPort: 0,
    env: {
      MAX_RETRY_LIMIT: '0',
      ALERT_CONSECUTIVE_FAILURE_COUNT: String(THRESHOLD),
      OPERATOR_EVENTS_HTTP_URL: sink.url,
      OPERATOR_EVENTS_HTTP_SIGNING_SECRET: sinkSecret,
    },
  });
  api = apiClient(runtime.apiUrl, runtime.adminKey);
  await api.put('/tenants/health');
}, 120000);

afterAll(async () => {
  await runtime?.stop();
  await target?.close();
  await sink?.close();
});

function alerts(): ReceivedAlert[] {
  return sink.requests.map((request) => {
    // Every alert must carry a valid Standard Webhooks signature from the operator secret.
    return new Webhook(sinkSecret).verify(request.body, request.headers) as ReceivedAlert;
  });
}

it('alerts once per threshold crossing, auto-disables at 100 % and reports the destination disabled', async () => {
  const created = await api.post<{ id: string }>('/tenants/health/destinations', {
    type: 'webhook',
    topics: '*',
    config: { url: target.url },
  });
  const destinationId = created.body.id;
  for (let n = 0; n < THRESHOLD; n += 1) {
    const published = await api.post('/publish', { tenant_id: 'health', topic: 'fail.me', data: { n } });
    expect(published.status).toBe(202);
  }
  await target.waitFor(THRESHOLD, 30000);
  await eventually('the disabled alert', async () =>
    alerts().some((a) => a.topic === 'alert.destination.disabled') ? true : undefined,
  );

  const received = alerts();
  const crossings = received
    .filter((a) => a.topic === 'alert.destination.consecutive_failure')
    .map((a) => a.data.consecutive_failures)
    .sort((a, b) => a.threshold - b.threshold);
  // Each level once. The failures run concurrently, so a level may be reported by the failure just
  // after the one that reached it: `current` is the count when the alert went out.
  expect(crossings.map((failures) => failures.threshold)).toEqual([50, 70, 90, 100]);
  crossings.forEach((failures, index) => {
    expect(failures.current).toBeGreaterThanOrEqual([5, 7, 9, 10][index]!);
    expect(failures.current).toBeLessThanOrEqual(THRESHOLD);
  });
  const disabledAlerts = received.filter((a) => a.topic === 'alert.destination.disabled');
  expect(disabledAlerts).toHaveLength(1);
  expect(disabledAlerts[0]!.data.destination).toMatchObject({ id: destinationId });
  expect(disabledAlerts[0]!.data.destination.disabled_at).toEqual(expect.any(String));
  // Exhausted retries (the limit is 0 here) alert at most once per destination per hour.
  expect(received.filter((a) => a.topic === 'alert.attempt.exhausted_retries')).toHaveLength(1);
  // No alert ever carries credentials.
  expect(received.every((a) => a.data.destination.credentials === undefined)).toBe(true);
  expect(received.every((a) => a.tenant_id === 'health')).toBe(true);

  const destination = await api.get<{ disabled_at: string | null }>(
    `/tenants/health/destinations/${destinationId}`,
  );
  expect(destination.body.disabled_at).toEqual(expect.any(String));

  // While disabled, matching events are not delivered.
  target.clear();
  const whileDisabled = await api.post<{ destination_ids: string[] }>('/publish', {
    tenant_id: 'health',
    topic: 'fail.me',
    data: { n: 'disabled' },
  });
  expect(whileDisabled.body.destination_ids).toEqual([]);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(target.requests).toHaveLength(0);
});

it('sends a recovered alert on the first success after an alert, and a later failure counts from one', async () => {
  sink.clear();
  target.respondWith({ status: 500 });
  const created = await api.post<{ id: string }>('/tenants/health/destinations', {
    type: 'webhook',
    topics: ['recover.*'],
    config: { url: target.url },
  });
  for (let n = 0; n < THRESHOLD / 2; n += 1) {
    await api.post('/publish', { tenant_id: 'health', topic: 'recover.test', data: { n } });
  }
  await eventually('the 50 % alert', async () =>
    alerts().some((a) => a.data.consecutive_failures.threshold === 50) ? true : undefined,
  );
  target.respondWith({ status: 200 });
  await api.post('/publish', { tenant_id: 'health', topic: 'recover.test', data: { ok: true } });
  const recovered = await eventually('the recovered alert', async () =>
    alerts().find((a) => a.topic === 'alert.destination.recovered'),
  );
  expect(recovered.data.destination.id).toBe(created.body.id);
  expect(recovered.data.consecutive_failures.current).toBe(0);

  // Counting starts again from zero: four more failures cross nothing.
  sink.clear();
  target.respondWith({ status: 500 });
  for (let n = 0; n < THRESHOLD / 2 - 1; n += 1) {
    await api.post('/publish', { tenant_id: 'health', topic: 'recover.test', data: { n } });
  }
  await eventually('four more failed attempts', async () => {
    const page = await api.get<{ models: { status: string }[] }>(
      `/attempts?tenant_id=health&destination_id=${created.body.id}&status=failed&limit=100`,
    );
    return page.body.models.length >= THRESHOLD / 2 + THRESHOLD / 2 - 1 ? true : undefined;
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(alerts().filter((a) => a.topic === 'alert.destination.consecutive_failure')).toEqual([]);
});

it("uses a destination's own failure threshold and retry schedule when it has them", async () => {
  sink.clear();
  target.clear();
  target.respondWith({ status: 500 });
  const created = await api.post<{
    id: string;
    alert_consecutive_failure_count: number;
    retry_schedule: number[];
  }>('/tenants/health/destinations', {
    type: 'webhook',
    topics: ['own.policy'],
    config: { url: target.url },
    alert_consecutive_failure_count: 2,
    retry_schedule: [1],
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ alert_consecutive_failure_count: 2, retry_schedule: [1] });
  // The deployment allows no retries; this destination's own schedule retries once, after 1 s.
  await api.post('/publish', { tenant_id: 'health', topic: 'own.policy', data: {} });
  await target.waitFor(2, 15000);
  const disabled = await eventually('the disabled alert at 2 failures', async () =>
    alerts().find(
      (a) => a.topic === 'alert.destination.disabled' && a.data.destination.id === created.body.id,
    ),
  );
  expect(disabled.data.consecutive_failures).toEqual({ current: 2, max: 2, threshold: 100 });

  const cleared = await api.patch<{ alert_consecutive_failure_count?: number }>(
    `/tenants/health/destinations/${created.body.id}`,
    { type: 'webhook', alert_consecutive_failure_count: null },
  );
  expect(cleared.status).toBe(200);
  expect(cleared.body.alert_consecutive_failure_count).toBeUndefined();
  expect(
    (await api.patch(`/tenants/health/destinations/${created.body.id}`, { retry_schedule: [0] })).status,
  ).toBe(422);
});

async function failingWebhook(
  topic: string,
  own: { alert_consecutive_failure_count?: number; retry_schedule?: number[] } = {},
): Promise<string> {
  const created = await api.post<{ id: string }>('/tenants/health/destinations', {
    type: 'webhook',
    topics: [topic],
    config: { url: target.url },
    ...own,
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

const alertsFor = (destinationId: string, topic: string) =>
  alerts().filter((a) => a.topic === topic && a.data.destination.id === destinationId);

async function failedAttempts(destinationId: string, count: number): Promise<void> {
  await eventually(`${count} failed attempts`, async () => {
    const page = await api.get<{ models: unknown[] }>(
      `/attempts?tenant_id=health&destination_id=${destinationId}&status=failed&limit=100`,
    );
    return page.body.models.length >= count ? true : undefined;
  });
}

it('alerts every level a standing count has reached when the threshold is lowered below it', async () => {
  sink.clear();
  target.respondWith({ status: 500 });
  const destinationId = await failingWebhook('lowered.threshold', { alert_consecutive_failure_count: 100 });
  // Four failures: far below 50 % of this destination's threshold of 100, so no level alert yet.
  for (let n = 0; n < 4; n += 1) {
    await api.post('/publish', { tenant_id: 'health', topic: 'lowered.threshold', data: { n } });
  }
  await failedAttempts(destinationId, 4);
  expect(alertsFor(destinationId, 'alert.destination.consecutive_failure')).toEqual([]);

  // Now 4 is the whole threshold: the count already stands at 100 %.
  const patched = await api.patch(`/tenants/health/destinations/${destinationId}`, {
    alert_consecutive_failure_count: 4,
  });
  expect(patched.status).toBe(200);
  // The next failure alerts every level reached and auto-disables. The deliverer may hold the
  // destination with its old threshold for its cache's few seconds, so failures go on until it does.
  const disabled = await eventually(
    'the destination disabled',
    async () => {
      const found = alertsFor(destinationId, 'alert.destination.disabled')[0];
      if (found) return found;
      await api.post('/publish', { tenant_id: 'health', topic: 'lowered.threshold', data: {} });
      await new Promise((resolve) => setTimeout(resolve, 500));
      return undefined;
    },
    30000,
  );
  const levels = alertsFor(destinationId, 'alert.destination.consecutive_failure').map(
    (a) => a.data.consecutive_failures,
  );
  expect(levels.map((failures) => failures.threshold).sort((a, b) => a - b)).toEqual([50, 70, 90, 100]);
  // All come once the count stands past the lowered threshold, none while the old one applied.
  expect(levels.every((failures) => failures.current > 4 && failures.max === 4)).toBe(true);
  expect(disabled.data.consecutive_failures).toMatchObject({ max: 4, threshold: 100 });
});

it('sends a recovered alert after an exhausted-retries alert alone', async () => {
  sink.clear();
  target.respondWith({ status: 500 });
  const destinationId = await failingWebhook('exhausted.only');
  // The deployment allows no retries: one failure exhausts them, far below any level.
  await api.post('/publish', { tenant_id: 'health', topic: 'exhausted.only', data: {} });
  await eventually(
    'the exhausted-retries alert',
    async () => alertsFor(destinationId, 'alert.attempt.exhausted_retries')[0],
  );
  expect(alertsFor(destinationId, 'alert.destination.consecutive_failure')).toEqual([]);

  target.respondWith({ status: 200 });
  await api.post('/publish', { tenant_id: 'health', topic: 'exhausted.only', data: { ok: true } });
  const recovered = await eventually(
    'the recovered alert',
    async () => alertsFor(destinationId, 'alert.destination.recovered')[0],
  );
  expect(recovered.data.consecutive_failures).toEqual({ current: 0, max: THRESHOLD, threshold: 0 });
});

it('sends a recovered alert on the first success after an auto-disable and a re-enable', async () => {
  sink.clear();
  target.respondWith({ status: 500 });
  const destinationId = await failingWebhook('disabled.then.enabled', { alert_consecutive_failure_count: 2 });
  for (let n = 0; n < 2; n += 1) {
    await api.post('/publish', { tenant_id: 'health', topic: 'disabled.then.enabled', data: { n } });
  }
  await eventually(
    'the disabled alert',
    async () => alertsFor(destinationId, 'alert.destination.disabled')[0],
  );

  expect((await api.put(`/tenants/health/destinations/${destinationId}/enable`)).status).toBe(200);
  target.respondWith({ status: 200 });
  const published = await api.post<{ destination_ids: string[] }>('/publish', {
    tenant_id: 'health',
    topic: 'disabled.then.enabled',
    data: { ok: true },
  });
  expect(published.body.destination_ids).toEqual([destinationId]);
  const recovered = await eventually(
    'the recovered alert',
    async () => alertsFor(destinationId, 'alert.destination.recovered')[0],
  );
  expect(recovered.data.consecutive_failures).toEqual({ current: 0, max: 2, threshold: 0 });
  expect(alertsFor(destinationId, 'alert.destination.recovered')).toHaveLength(1);
});

it('tries an event not eligible for retry once, without calling it retries exhausted', async () => {
  sink.clear();
  target.respondWith({ status: 503 });
  // This destination has a retry of its own, so only the event's flag keeps it from retrying.
  const destinationId = await failingWebhook('not.eligible', { retry_schedule: [1] });
  const published = await api.post<{ id: string }>('/publish', {
    tenant_id: 'health',
    topic: 'not.eligible',
    eligible_for_retry: false,
    data: {},
  });
  const failed = await eventually('the delivery failed', async () => {
    const page = await api.get<{ models: { event_id: string; status: string; reason: string }[] }>(
      `/tenants/health/destinations/${destinationId}/deliveries`,
    );
    return page.body.models.find((d) => d.event_id === published.body.id && d.status === 'failed');
  });
  expect(failed.reason).toBe('not_eligible_for_retry');
  // A retry would come after 1 s; an exhausted-retries alert would follow the attempt at once.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const attempts = await api.get<{ models: { attempt_number: number; code: string }[] }>(
    `/attempts?tenant_id=health&event_id=${published.body.id}`,
  );
  expect(attempts.body.models.map((a) => [a.attempt_number, a.code])).toEqual([[1, '503']]);
  expect(alertsFor(destinationId, 'alert.attempt.exhausted_retries')).toEqual([]);
});
