import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { Deliverer, MAX_QUEUE_DELAY_SECONDS, type DeliveryOutcome } from '../../../lambdas/core/deliver';
import { createDestination } from '../../../lambdas/core/destinations';
import { retryDelivery } from '../../../lambdas/core/manual-retry';
import type { Delivery, DeliveryTask } from '../../../lambdas/core/model';
import type { ScheduledTask } from '../../../lambdas/core/ports';
import { publishEvent } from '../../../lambdas/core/publish';
import { upsertTenant } from '../../../lambdas/core/tenants';
import { SqsTaskQueue } from '../../../lambdas/queue/sqs-task-queue';
import { startCoreFixture, type CoreFixture } from '../../support/core-fixture';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';

/**
 * The deliverer's retry schedule on the real store, the real delivery queue and a real webhook
 * receiver. The clock is the test's: due times are checked as computed, and "later" is reached by
 * moving the clock, never by waiting.
 */

const TENANT = 't-deliverer';
const SECOND = 1000;

let fixture: CoreFixture;
let receiver: WebhookReceiver;
let deliverer: Deliverer;

beforeAll(async () => {
  fixture = await startCoreFixture();
  receiver = await startWebhookReceiver();
  deliverer = new Deliverer(fixture.deps);
  await upsertTenant(fixture.deps, TENANT, null);
}, 60000);

afterAll(async () => {
  await receiver?.close();
  await fixture?.close();
});

beforeEach(() => {
  receiver.clear();
  receiver.respondWith({ status: 500 });
});

let topics = 0;

/** A webhook destination of its own topic, and a publish of one event to it. */
async function publishedTo(
  options: { retry_schedule?: number[] } = {},
): Promise<{ destinationId: string; eventId: string; task: DeliveryTask }> {
  topics += 1;
  const topic = `retry.case${topics}`;
  const destination = await createDestination(fixture.deps, { isAdmin: true }, TENANT, {
    type: 'webhook',
    topics: [topic],
    config: { url: receiver.url },
    ...options,
  });
  const published = await publishEvent(fixture.deps, { tenant_id: TENANT, topic, data: { topic } });
  return { destinationId: destination.id, eventId: published.id, task: await queuedTask(published.id) };
}

/** The task for an event that is on the delivery queue now, taken off it as a poller would. */
async function queuedTask(eventId: string): Promise<DeliveryTask> {
  for (let tries = 0; tries < 10; tries += 1) {
    const received = await fixture.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: fixture.webhookQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    for (const message of received.Messages ?? []) {
      await fixture.sqs.send(
        new DeleteMessageCommand({
          QueueUrl: fixture.webhookQueueUrl,
          ReceiptHandle: message.ReceiptHandle!,
        }),
      );
      const task = JSON.parse(message.Body!) as DeliveryTask;
      if (task.event_id === eventId) return task;
    }
  }
  throw new Error(`no task for ${eventId} on the delivery queue`);
}

async function deliveryOf(eventId: string, destinationId: string): Promise<Delivery> {
  const delivery = await fixture.deps.deliveries.get(TENANT, eventId, destinationId);
  if (!delivery) throw new Error(`no delivery of ${eventId}`);
  return delivery;
}

/** Seconds from the test clock's now to the delivery's next attempt. */
function secondsUntilDue(delivery: Delivery): number {
  return (Date.parse(delivery.due_at!) - fixture.clock.now().getTime()) / SECOND;
}

async function attemptsOf(eventId: string) {
  const page = await fixture.deps.attempts.list({
    tenantIds: [TENANT],
    eventIds: [eventId],
    limit: 100,
    dir: 'asc',
  });
  return page.models
    .sort((a, b) => a.attempt_number - b.attempt_number)
    .map((attempt) => [attempt.attempt_number, attempt.manual, attempt.status, attempt.code]);
}

/** A failure's retry: its delay, and the next attempt's task it leaves for the queue. */
function expectFailedWithRetry(outcome: DeliveryOutcome): { retryInMs: number; next: ScheduledTask } {
  if (outcome.kind !== 'failed' || outcome.retryInMs === null || !outcome.followUp) {
    throw new Error(`expected a failure with a retry, got ${JSON.stringify(outcome)}`);
  }
  return { retryInMs: outcome.retryInMs, next: outcome.followUp };
}

it('reaches a retry due after more than 900 s by re-delaying its task in hops until it is due', async () => {
  const { destinationId, eventId, task } = await publishedTo({ retry_schedule: [2000] });
  const { retryInMs, next } = expectFailedWithRetry(await deliverer.process(task));
  // 2000 s with the default ±20 % jitter: more than SQS's 900 s cap either way.
  expect(retryInMs).toBeGreaterThanOrEqual(1600 * SECOND);
  expect(retryInMs).toBeLessThanOrEqual(2400 * SECOND);
  const retrying = await deliveryOf(eventId, destinationId);
  expect(secondsUntilDue(retrying)).toBe(retryInMs / SECOND);

  expect(next.task).toMatchObject({ task_id: retrying.task_id, attempt_number: 2, due_at: retrying.due_at });

  receiver.respondWith({ status: 200 });
  const retry = next.task;
  const dueMs = Date.parse(retrying.due_at!);
  // The task first arrives after the longest delay SQS allows, then after each re-delay it asks for.
  expect(next.delaySeconds).toBe(MAX_QUEUE_DELAY_SECONDS);
  let delaySeconds = next.delaySeconds;
  const hops: number[] = [];
  for (;;) {
    fixture.clock.advance(delaySeconds * SECOND);
    const outcome = await deliverer.process(retry);
    if (outcome.kind !== 'redelayed') {
      expect(outcome.kind).toBe('delivered');
      break;
    }
    // Not sent early, and never asked to wait past the due time or beyond the cap.
    expect(receiver.requests).toHaveLength(1);
    const remainingSeconds = Math.ceil((dueMs - fixture.clock.now().getTime()) / SECOND);
    expect(outcome.delaySeconds).toBe(Math.min(MAX_QUEUE_DELAY_SECONDS, remainingSeconds));
    hops.push(outcome.delaySeconds);
    delaySeconds = outcome.delaySeconds;
  }
  expect(fixture.clock.now().getTime()).toBeGreaterThanOrEqual(dueMs - SECOND);
  expect(hops.length).toBe(Math.ceil(retryInMs / (MAX_QUEUE_DELAY_SECONDS * SECOND)) - 1);
  expect(receiver.requests).toHaveLength(2);
  expect(await deliveryOf(eventId, destinationId)).toMatchObject({ status: 'success', attempts: 2 });
  expect(await attemptsOf(eventId)).toEqual([
    [1, false, 'failed', '500'],
    [2, false, 'success', '200'],
  ]);
});

it.each<[string, number, () => Record<string, string>, [number, number]]>([
  ['429 with Retry-After in seconds', 429, () => ({ 'retry-after': '120' }), [120, 120]],
  [
    '503 with Retry-After as an HTTP date',
    503,
    () => ({ 'retry-after': new Date(Date.now() + 600 * SECOND).toUTCString() }),
    [598, 601],
  ],
  ['503 asking for more than the cap (6 h)', 503, () => ({ 'retry-after': '999999' }), [21600, 21600]],
  ['500, whose Retry-After is not a request to pause', 500, () => ({ 'retry-after': '3000' }), [24, 36]],
])('schedules the next attempt after %s', async (_label, status, headers, [lowest, highest]) => {
  const { destinationId, eventId, task } = await publishedTo();
  receiver.respondWith({ status, headers: headers() });
  expectFailedWithRetry(await deliverer.process(task));
  const delivery = await deliveryOf(eventId, destinationId);
  expect(delivery).toMatchObject({ status: 'retrying', next_attempt_number: 2, last_code: String(status) });
  expect(secondsUntilDue(delivery)).toBeGreaterThanOrEqual(lowest);
  expect(secondsUntilDue(delivery)).toBeLessThanOrEqual(highest);
});

it("uses the destination's own retry schedule, and ends when it is used up", async () => {
  const { destinationId, eventId, task } = await publishedTo({ retry_schedule: [7, 11] });
  let current = task;
  for (const seconds of [7, 11]) {
    const { next } = expectFailedWithRetry(await deliverer.process(current));
    const delivery = await deliveryOf(eventId, destinationId);
    expect(secondsUntilDue(delivery)).toBeGreaterThanOrEqual(seconds * 0.8);
    expect(secondsUntilDue(delivery)).toBeLessThanOrEqual(seconds * 1.2);
    expect(next.delaySeconds).toBe(Math.ceil(secondsUntilDue(delivery)));
    fixture.clock.set(delivery.due_at!);
    current = next.task;
  }
  const last = await deliverer.process(current);
  expect(last).toMatchObject({ kind: 'failed', retryInMs: null });
  expect(await deliveryOf(eventId, destinationId)).toMatchObject({
    status: 'failed',
    reason: 'retries_exhausted',
    attempts: 3,
    due_at: null,
  });
  expect(receiver.requests).toHaveLength(3);
});

it('follows the default schedule, 30 s × 2^(n-1) for 10 retries, each within ±20 % jitter', async () => {
  const { destinationId, eventId, task } = await publishedTo();
  let current = task;
  const ratios: number[] = [];
  for (let retry = 1; retry <= 10; retry += 1) {
    const { next } = expectFailedWithRetry(await deliverer.process(current));
    const delivery = await deliveryOf(eventId, destinationId);
    const scheduled = 30 * 2 ** (retry - 1);
    const ratio = secondsUntilDue(delivery) / scheduled;
    expect(ratio).toBeGreaterThanOrEqual(0.8);
    expect(ratio).toBeLessThanOrEqual(1.2);
    ratios.push(ratio);
    fixture.clock.set(delivery.due_at!);
    current = next.task;
  }
  expect(await deliverer.process(current)).toMatchObject({ kind: 'failed', retryInMs: null });
  expect(await deliveryOf(eventId, destinationId)).toMatchObject({ status: 'failed', attempts: 11 });
  expect(receiver.requests).toHaveLength(11);
  // Jittered: deliveries that failed together do not all come back at the same moment.
  expect(new Set(ratios).size).toBeGreaterThan(1);
});

it('puts a failed manual attempt back on the schedule only while attempts remain', async () => {
  const { destinationId, eventId, task } = await publishedTo({ retry_schedule: [60, 60] });
  const retry = () =>
    retryDelivery(fixture.deps, TENANT, { event_id: eventId, destination_id: destinationId });

  expectFailedWithRetry(await deliverer.process(task));
  // Attempt 2 is due in a minute; a manual retry now takes its place and fails too.
  await retry();
  const manual = await queuedTask(eventId);
  expect(manual).toMatchObject({ attempt_number: 2, manual: true });
  const { next } = expectFailedWithRetry(await deliverer.process(manual));
  const rescheduled = await deliveryOf(eventId, destinationId);
  expect(rescheduled).toMatchObject({ status: 'retrying', next_attempt_number: 3, manual_retries: 1 });
  expect(secondsUntilDue(rescheduled)).toBeGreaterThanOrEqual(48);

  // The automatic attempt 3 uses the last retry; a manual attempt after it ends the delivery again.
  fixture.clock.set(rescheduled.due_at!);
  expect(await deliverer.process(next.task)).toMatchObject({ kind: 'failed', retryInMs: null });
  await retry();
  const last = await queuedTask(eventId);
  expect(await deliverer.process(last)).toMatchObject({ kind: 'failed', retryInMs: null });
  expect(await deliveryOf(eventId, destinationId)).toMatchObject({
    status: 'failed',
    reason: 'retries_exhausted',
    attempts: 4,
    manual_retries: 2,
    due_at: null,
  });
  expect(await attemptsOf(eventId)).toEqual([
    [1, false, 'failed', '500'],
    [2, true, 'failed', '500'],
    [3, false, 'failed', '500'],
    [4, true, 'failed', '500'],
  ]);
});

describe('a batch of tasks', () => {
  it('sends the retries it leaves in SendMessageBatch calls of up to ten, each with its own delay', async () => {
    const published = [];
    for (let n = 0; n < 12; n += 1) {
      published.push(await publishedTo({ retry_schedule: [n % 2 === 0 ? 40 : 300] }));
    }
    fixture.sqsRequests.length = 0;
    const results = await deliverer.processBatch(published.map(({ task }) => task));
    expect(results.map((result) => result.ok && result.outcome.kind)).toEqual(Array(12).fill('failed'));

    const sends = fixture.sqsRequests.filter((request) => request.command.startsWith('SendMessage'));
    expect(sends.map((send) => [send.command, (send.input.Entries as unknown[]).length])).toEqual([
      ['SendMessageBatchCommand', 10],
      ['SendMessageBatchCommand', 2],
    ]);
    const entries = sends.flatMap(
      (send) => send.input.Entries as { MessageBody: string; DelaySeconds: number }[],
    );
    for (const { eventId, destinationId } of published) {
      const delivery = await deliveryOf(eventId, destinationId);
      const entry = entries.find(
        (candidate) => JSON.parse(candidate.MessageBody).task_id === delivery.task_id,
      );
      expect(entry?.DelaySeconds).toBe(Math.ceil(secondsUntilDue(delivery)));
    }
  });

  it('reports only the tasks whose follow-up the queue did not take', async () => {
    const missingQueue = fixture.webhookQueueUrl.replace('deliver-webhook', 'no-such-queue');
    const partly = new Deliverer({
      ...fixture.deps,
      queue: new SqsTaskQueue(fixture.sqs, { webhook: fixture.webhookQueueUrl, aws_sqs: missingQueue }),
    });
    // Tasks that arrive early only need re-delaying: a follow-up each, to their type's queue.
    const early = (n: number, type: string): DeliveryTask => ({
      tenant_id: TENANT,
      event_id: `evt-early-${n}`,
      destination_id: 'des-early',
      destination_type: type,
      attempt_number: 2,
      task_id: `task-early-${n}`,
      manual: false,
      due_at: new Date(fixture.clock.now().getTime() + 3600 * SECOND).toISOString(),
    });
    const results = await partly.processBatch([
      early(1, 'webhook'),
      early(2, 'aws_sqs'),
      early(3, 'webhook'),
    ]);
    expect(results.map((result) => result.ok)).toEqual([true, false, true]);
    expect(results[0]).toMatchObject({ ok: true, outcome: { kind: 'redelayed', delaySeconds: 900 } });
  });

  it('sends the next attempt again when a task whose retry was not enqueued is received again', async () => {
    const { destinationId, eventId, task } = await publishedTo({ retry_schedule: [60] });
    const missingQueue = fixture.webhookQueueUrl.replace('deliver-webhook', 'no-such-queue');
    const unqueued = new Deliverer({
      ...fixture.deps,
      queue: new SqsTaskQueue(fixture.sqs, { webhook: missingQueue }),
    });
    const [first] = await unqueued.processBatch([task]);
    // The attempt is recorded, but its retry never reached the queue: the message must come back.
    expect(first).toMatchObject({ ok: false });
    const retrying = await deliveryOf(eventId, destinationId);
    expect(retrying).toMatchObject({ status: 'retrying', attempts: 1, next_attempt_number: 2 });

    fixture.sqsRequests.length = 0;
    const [again] = await deliverer.processBatch([task]);
    expect(again).toMatchObject({ ok: true, outcome: { kind: 'stale' } });
    // Not sent a second time, not recorded again; its retry is on the queue now.
    expect(receiver.requests).toHaveLength(1);
    expect(await attemptsOf(eventId)).toEqual([[1, false, 'failed', '500']]);
    const [send] = fixture.sqsRequests.filter((request) => request.command === 'SendMessageBatchCommand');
    const [entry] = send!.input.Entries as { MessageBody: string; DelaySeconds: number }[];
    const resent = JSON.parse(entry!.MessageBody) as DeliveryTask;
    expect(resent).toMatchObject({ task_id: retrying.task_id, attempt_number: 2, due_at: retrying.due_at });
    expect(entry!.DelaySeconds).toBe(Math.ceil(secondsUntilDue(retrying)));

    receiver.respondWith({ status: 200 });
    fixture.clock.set(retrying.due_at!);
    expect(await deliverer.process(resent)).toMatchObject({ kind: 'delivered' });
    expect(await attemptsOf(eventId)).toEqual([
      [1, false, 'failed', '500'],
      [2, false, 'success', '200'],
    ]);
  });
});
