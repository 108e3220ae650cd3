import { createApiApp } from '../../lambdas/api/app';
import { createDependencies } from '../../lambdas/handlers/dependencies';
import { LOST_TASK_GRACE_MS } from '../../lambdas/core/sweep';
import { eventually } from '../support/api-client';
import { closedPort } from '../support/closed-port';
import { startE2eFixture, type E2eFixture } from '../support/e2e-fixture';
import { runtimeStore } from '../support/runtime-store';

/**
 * The delivery queue is unreachable when an event is published: the API answers 503 (not 202), the
 * event and its delivery record stay stored, and the scheduled sweeper delivers it later (the outbox
 * of DESIGN.md §1). The failing API is the real one on the runtime's tables, with its SQS endpoint
 * pointing at a closed port; it publishes "a while ago" so that the sweeper's grace has passed.
 */

let fixture: E2eFixture;

beforeAll(async () => {
  fixture = await startE2eFixture('outage');
}, 120000);

afterAll(async () => {
  await fixture?.stop();
});

it('answers 503 when the queue is unreachable, keeps the event, and the sweeper delivers it later', async () => {
  const { runtime, api, receiver } = fixture;
  const destination = await api.post<{ id: string }>('/tenants/outage/destinations', {
    type: 'webhook',
    topics: '*',
    config: { url: receiver.url },
  });
  expect(destination.status).toBe(201);

  const publishedAt = Date.now() - LOST_TASK_GRACE_MS - 60_000;
  const cutOff = createApiApp({
    ...createDependencies({ ...runtime.env, AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${await closedPort()}` }),
    clock: { now: () => new Date(publishedAt) },
  });
  const response = await cutOff({
    method: 'POST',
    path: '/api/v1/publish',
    rawQuery: '',
    headers: { authorization: `Bearer ${runtime.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'evt-outage', tenant_id: 'outage', topic: 'order.created', data: { n: 1 } }),
  });
  expect(response.status).toBe(503);
  expect(JSON.parse(response.body)).toMatchObject({ status: 503, message: expect.stringMatching(/same id/) });

  const stored = await api.get<{ id: string; data: unknown }>('/events/evt-outage?tenant_id=outage');
  expect(stored.status).toBe(200);
  expect(stored.body.data).toEqual({ n: 1 });
  // A queued delivery is in the ledger, not in the destination's delivery listing (failed/skipped ones).
  const store = runtimeStore(runtime);
  expect(await store.deliveries.get('outage', 'evt-outage', destination.body.id)).toMatchObject({
    status: 'queued',
    reason: 'enqueue_failed',
  });
  store.close();
  expect(receiver.requests).toEqual([]);

  // The scheduled sweeper's run (lost mode): the delivery is overdue by more than the grace.
  expect(await runtime.runSweeper()).toBe(1);
  const [request] = await receiver.waitFor(1, 15000);
  expect(JSON.parse(request!.body)).toEqual({ n: 1 });
  expect(request!.headers['webhook-id']).toBe('evt-outage');
  await eventually('the delivery is recorded as a success', async () => {
    const page = await api.get<{ models: Array<{ status: string }> }>(
      '/attempts?tenant_id=outage&event_id=evt-outage',
    );
    return page.body.models[0]?.status === 'success' ? true : undefined;
  });
});
