import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { apiClient, eventually, type ApiClient } from '../support/api-client';
import { runtimeStore, type RuntimeStore } from '../support/runtime-store';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/**
 * Taking over lost tasks, through the local runtime. The scheduled sweeper (`lost` mode): a delivery
 * whose task never reached the queue, overdue by more than the grace, is taken over and delivered once,
 * and a sweep that runs again while that delivery is still in flight (a backlog) does not send it a
 * second time. A repeated publish: it takes over a delivery whose enqueue failed at once, and leaves
 * alone one whose first task is still sending.
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

const requestsFor = (eventId: string) =>
  receiver.requests.filter((request) => request.headers['webhook-id'] === eventId);

async function webhookDestination(topic: string): Promise<string> {
  const created = await api.post<{ id: string }>('/tenants/sweep/destinations', {
    type: 'webhook',
    topics: [topic],
    config: { url: receiver.url },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

function recorded(eventId: string, destinationId: string) {
  return eventually('the delivery is recorded', async () => {
    const stored = await store.deliveries.get('sweep', eventId, destinationId);
    return stored?.status === 'success' ? stored : undefined;
  });
}

async function attemptNumbers(eventId: string): Promise<number[]> {
  const page = await api.get<{ models: { attempt_number: number }[] }>(
    `/attempts?tenant_id=sweep&event_id=${eventId}`,
  );
  return page.body.models.map((attempt) => attempt.attempt_number);
}

it('takes over a delivery whose task was lost, once, even when sweeps overlap it in flight', async () => {
  const destinationId = await webhookDestination('order.created');
  // What a publish leaves when it dies after its writes and before its enqueue.
  const { event, delivery } = await store.storeUnsentDelivery({
    tenantId: 'sweep',
    eventId: 'evt-lost-task',
    destinationId,
    data: { lost: true },
  });

  // The receiver holds the request, so the second sweep runs while the delivery is in flight.
  receiver.respondWith({ status: 200, delayMs: 2000 });
  expect(await runtime.runSweeper()).toBe(1);
  await receiver.waitFor(1, 15000);
  expect(await runtime.runSweeper()).toBe(0);

  const done = await recorded(event.id, destinationId);
  expect(done.attempts).toBe(1);
  expect(done.task_id).not.toBe(delivery.task_id);
  expect(receiver.requests.map((request) => JSON.parse(request.body) as unknown)).toEqual([{ lost: true }]);
  expect(await runtime.runSweeper()).toBe(0);
});

it('leaves alone a first delivery that is still sending when the producer repeats the publish', async () => {
  const destinationId = await webhookDestination('order.repeated');
  receiver.respondWith({ status: 200, delayMs: 2000 });
  const publish = () =>
    api.post<{ id: string; duplicate: boolean }>('/publish', {
      id: 'evt-repeated-in-flight',
      tenant_id: 'sweep',
      topic: 'order.repeated',
      data: { repeated: true },
    });
  expect((await publish()).body.duplicate).toBe(false);
  await receiver.waitFor(1, 15000);
  // The first attempt is being sent (the receiver holds it): the repeat must not send a second copy.
  expect((await publish()).body).toMatchObject({ duplicate: true, destination_ids: [destinationId] });

  const done = await recorded('evt-repeated-in-flight', destinationId);
  expect(done.attempts).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(requestsFor('evt-repeated-in-flight')).toHaveLength(1);
  expect(await attemptNumbers('evt-repeated-in-flight')).toEqual([1]);
});

it('takes over at once, under a new task id, a delivery whose enqueue the queue refused', async () => {
  const destinationId = await webhookDestination('order.refused');
  receiver.respondWith({ status: 200 });
  // What a publish answered 503 leaves: the event, its delivery marked, no task in the queue.
  const { event, delivery: refused } = await store.storeUnsentDelivery({
    tenantId: 'sweep',
    eventId: 'evt-enqueue-refused',
    destinationId,
    topic: 'order.refused',
    time: new Date().toISOString(),
    data: { refused: true },
    reason: 'enqueue_failed',
  });

  const repeated = await api.post<{ duplicate: boolean }>('/publish', {
    id: event.id,
    tenant_id: 'sweep',
    topic: 'order.refused',
    data: { refused: true },
  });
  expect(repeated.body.duplicate).toBe(true);
  const done = await recorded(event.id, destinationId);
  expect(done).toMatchObject({ attempts: 1, reason: null });
  expect(done.task_id).not.toBe(refused.task_id);
  expect(requestsFor(event.id).map((request) => JSON.parse(request.body) as unknown)).toEqual([
    { refused: true },
  ]);
  expect(await attemptNumbers(event.id)).toEqual([1]);
});
