import type { Delivery, Event } from '../../lambdas/core/model';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { apiClient, eventually, type ApiClient } from '../support/api-client';
import { runtimeStore, type RuntimeStore } from '../support/runtime-store';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/**
 * The scheduled sweeper (`lost` mode) through the local runtime: a delivery whose task never reached
 * the queue, overdue by more than the grace, is taken over and delivered once, and a sweep that runs
 * again while that delivery is still in flight (a backlog) does not send it a second time.
 */

let runtime: LocalRuntime;
let api: ApiClient;
let receiver: WebhookReceiver;
let store: RuntimeStore;

beforeAll(async () => {
  runtime = await startLocalRuntime({ inMemory: true, apiPort: 0 });
  api = apiClient(runtime.apiUrl, runtime.adminKey);
  receiver = await startWebhookReceiver();
  store = runtimeStore(runtime);
  expect((await api.put('/tenants/sweep', {})).status).toBe(201);
}, 120000);

afterAll(async () => {
  store?.close();
  await receiver?.close();
  await runtime?.stop();
});

it('takes over a delivery whose task was lost, once, even when sweeps overlap it in flight', async () => {
  const created = await api.post<{ id: string }>('/tenants/sweep/destinations', {
    type: 'webhook',
    topics: '*',
    config: { url: receiver.url },
  });
  const destinationId = created.body.id;
  const overdue = new Date(Date.now() - 20 * 60 * 1000).toISOString();
  const event: Event = {
    id: 'evt-lost-task',
    tenant_id: 'sweep',
    topic: 'order.created',
    time: overdue,
    eligible_for_retry: true,
    metadata: null,
    data: { lost: true },
    matched_destination_ids: [destinationId],
  };
  const delivery: Delivery = {
    tenant_id: 'sweep',
    event_id: event.id,
    destination_id: destinationId,
    destination_type: 'webhook',
    event_time: overdue,
    status: 'queued',
    next_attempt_number: 1,
    task_id: 'task-that-never-reached-the-queue',
    due_at: overdue,
    attempts: 0,
    manual_retries: 0,
    last_code: null,
    reason: null,
    updated_at: overdue,
  };
  // What a publish leaves when it dies after its writes and before its enqueue.
  await store.events.createWithDeliveries(event, [delivery]);

  // The receiver holds the request, so the second sweep runs while the delivery is in flight.
  receiver.respondWith({ status: 200, delayMs: 2000 });
  expect(await runtime.runSweeper()).toBe(1);
  await receiver.waitFor(1, 15000);
  expect(await runtime.runSweeper()).toBe(0);

  const done = await eventually('the delivery is recorded', async () => {
    const stored = await store.deliveries.get('sweep', event.id, destinationId);
    return stored?.status === 'success' ? stored : undefined;
  });
  expect(done.attempts).toBe(1);
  expect(done.task_id).not.toBe(delivery.task_id);
  expect(receiver.requests.map((request) => JSON.parse(request.body) as unknown)).toEqual([{ lost: true }]);
  expect(await runtime.runSweeper()).toBe(0);
});
