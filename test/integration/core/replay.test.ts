import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createDestination } from '../../../lambdas/core/destinations';
import type { Delivery, DeliveryTask, Event } from '../../../lambdas/core/model';
import { REPLAY_BATCH, replayDeliveries } from '../../../lambdas/core/replay';
import { upsertTenant } from '../../../lambdas/core/tenants';
import { startCoreFixture, type CoreFixture } from '../../support/core-fixture';
import { minute } from '../store/store-fixture';

/**
 * Bulk replay on the real store and the real delivery queue: a walk by event time that pages with a
 * cursor past what it cannot replay, and a time range that bounds it.
 */

let fixture: CoreFixture;

beforeAll(async () => {
  fixture = await startCoreFixture({ MANUAL_RETRY_LIMIT: '1' });
  await upsertTenant(fixture.deps, 't-replay', null);
}, 60000);

afterAll(async () => {
  await fixture?.close();
});

async function webhookDestination(): Promise<string> {
  const destination = await createDestination(fixture.deps, { isAdmin: true }, 't-replay', {
    type: 'webhook',
    topics: ['order.*'],
    config: { url: 'http://127.0.0.1:9/hook' },
  });
  return destination.id;
}

function failedDelivery(destinationId: string, eventId: string, time: string, manualRetries = 0): Delivery {
  return {
    tenant_id: 't-replay',
    event_id: eventId,
    destination_id: destinationId,
    destination_type: 'webhook',
    event_time: time,
    status: 'failed',
    next_attempt_number: 2,
    task_id: `task-${eventId}`,
    due_at: null,
    attempts: 1,
    manual_retries: manualRetries,
    last_code: '500',
    reason: 'retries_exhausted',
    updated_at: time,
  };
}

/** An event and its failed delivery, as the deliverer leaves them. */
async function failedEvent(destinationId: string, id: string, time: string, topic = 'order.created') {
  const event: Event = {
    id,
    tenant_id: 't-replay',
    topic,
    time,
    eligible_for_retry: true,
    metadata: null,
    data: { id },
    matched_destination_ids: [destinationId],
  };
  await fixture.deps.events.createWithDeliveries(event, [failedDelivery(destinationId, id, time)]);
}

/** Every task on the delivery queue now (receiving takes them off). */
async function queuedTasks(): Promise<DeliveryTask[]> {
  const tasks: DeliveryTask[] = [];
  for (;;) {
    const received = await fixture.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: fixture.webhookQueueUrl, MaxNumberOfMessages: 10 }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return tasks;
    tasks.push(...messages.map((message) => JSON.parse(message.Body!) as DeliveryTask));
  }
}

it('pages with a cursor past deliveries it cannot replay, instead of rescanning them', async () => {
  const destinationId = await webhookDestination();
  // More leading deliveries over the manual-retry limit than one request looks at.
  const overLimit = REPLAY_BATCH + 10;
  await Promise.all(
    Array.from({ length: overLimit }, (_, index) =>
      fixture.deps.deliveries.put(failedDelivery(destinationId, `evt-used-${index}`, minute(index), 1)),
    ),
  );
  await failedEvent(destinationId, 'evt-topic-changed', minute(overLimit), 'user.created');
  for (const n of [1, 2, 3]) await failedEvent(destinationId, `evt-replay-${n}`, minute(overLimit + n));

  const first = await replayDeliveries(fixture.deps, 't-replay', destinationId, {});
  expect(first).toMatchObject({ replayed: 0, over_limit: REPLAY_BATCH, not_matching: 0, remaining: true });
  expect(first.next).toEqual(expect.any(String));
  // Repeating the request without the cursor would look at the same 500 again; the cursor moves on.
  const second = await replayDeliveries(fixture.deps, 't-replay', destinationId, { cursor: first.next! });
  expect(second).toEqual({
    replayed: 3,
    over_limit: 10,
    not_matching: 1,
    remaining: false,
    next: null,
  });

  const tasks = await queuedTasks();
  expect(tasks.map((task) => [task.event_id, task.attempt_number, task.manual]).sort()).toEqual([
    ['evt-replay-1', 2, true],
    ['evt-replay-2', 2, true],
    ['evt-replay-3', 2, true],
  ]);
  const replayed = await fixture.deps.deliveries.get('t-replay', 'evt-replay-1', destinationId);
  expect(replayed).toMatchObject({ status: 'retrying', manual_retries: 1, next_attempt_number: 2 });
  // A walk from the start now finds only what it cannot replay.
  let cursor: string | undefined;
  let replayedAgain = 0;
  do {
    const page = await replayDeliveries(fixture.deps, 't-replay', destinationId, { cursor });
    replayedAgain += page.replayed;
    cursor = page.next ?? undefined;
  } while (cursor);
  expect(replayedAgain).toBe(0);
});

it('replays only the deliveries whose event time is in the range', async () => {
  const destinationId = await webhookDestination();
  for (const n of [10, 20, 30, 40]) await failedEvent(destinationId, `evt-range-${n}`, minute(2000 + n));

  const result = await replayDeliveries(fixture.deps, 't-replay', destinationId, {
    time: { gte: minute(2020), lt: minute(2040) },
  });
  expect(result).toEqual({ replayed: 2, over_limit: 0, not_matching: 0, remaining: false, next: null });
  expect((await queuedTasks()).map((task) => task.event_id).sort()).toEqual(['evt-range-20', 'evt-range-30']);
  const outside = await fixture.deps.deliveries.get('t-replay', 'evt-range-40', destinationId);
  expect(outside?.status).toBe('failed');
});

it('rejects a cursor that is not one', async () => {
  const destinationId = await webhookDestination();
  await expect(
    replayDeliveries(fixture.deps, 't-replay', destinationId, { cursor: 'not-a-cursor' }),
  ).rejects.toMatchObject({ kind: 'bad_request' });
});
