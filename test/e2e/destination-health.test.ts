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
    .map((a) => [a.data.consecutive_failures.threshold, a.data.consecutive_failures.current]);
  expect(crossings.sort((a, b) => a[0]! - b[0]!)).toEqual([
    [50, 5],
    [70, 7],
    [90, 9],
    [100, 10],
  ]);
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
