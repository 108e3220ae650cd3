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
  // What a publish leaves when it dies after its writes and before its enqueue.
  const delivery = await store.storeLostDelivery({
    tenantId: 'sweep',
    eventId: 'evt-lost-task',
    destinationId,
    taskId: 'task-that-never-reached-the-queue',
    data: { lost: true },
  });

  // The receiver holds the request, so the second sweep runs while the delivery is in flight.
  receiver.respondWith({ status: 200, delayMs: 2000 });
  expect(await runtime.runSweeper()).toBe(1);
  await receiver.waitFor(1, 15000);
  expect(await runtime.runSweeper()).toBe(0);

  const done = await eventually('the delivery is recorded', async () => {
    const stored = await store.deliveries.get('sweep', delivery.event_id, destinationId);
    return stored?.status === 'success' ? stored : undefined;
  });
  expect(done.attempts).toBe(1);
  expect(done.task_id).not.toBe(delivery.task_id);
  expect(receiver.requests.map((request) => JSON.parse(request.body) as unknown)).toEqual([{ lost: true }]);
  expect(await runtime.runSweeper()).toBe(0);
});
