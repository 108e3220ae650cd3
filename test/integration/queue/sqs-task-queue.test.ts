import { CreateQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { CarriedEvent, DeliveryTask } from '../../../lambdas/core/model';
import { TasksNotEnqueuedError } from '../../../lambdas/core/ports';
import { createSqsClient } from '../../../lambdas/handlers/dependencies';
import { SqsTaskQueue } from '../../../lambdas/queue/sqs-task-queue';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs-emulator';

/** The delivery queue adapter against fauxqs: what reaches the queue, and what it says when not. */

let emulator: SqsEmulator;
let sqs: SQSClient;
let queueUrl: string;

beforeAll(async () => {
  emulator = await startSqsEmulator();
  sqs = createSqsClient({
    DEPLOYMENT_MODE: 'local',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: emulator.endpoint,
  });
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'tasks-webhook' }))).QueueUrl!;
}, 30000);

afterAll(async () => {
  sqs?.destroy();
  await emulator?.stop();
});

function task(n: number, type = 'webhook', event?: CarriedEvent): DeliveryTask {
  return {
    tenant_id: 't-queue',
    event_id: `evt-${n}`,
    destination_id: 'des-1',
    destination_type: type,
    attempt_number: 1,
    task_id: `task-${n}`,
    manual: false,
    due_at: new Date().toISOString(),
    ...(event ? { event } : {}),
  };
}

/** Takes every visible message off the queue. */
async function drain(): Promise<DeliveryTask[]> {
  const tasks: DeliveryTask[] = [];
  for (;;) {
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (!received.Messages?.length) return tasks;
    tasks.push(...received.Messages.map((message) => JSON.parse(message.Body!) as DeliveryTask));
  }
}

it('splits tasks carrying big events into calls that SQS accepts', async () => {
  const event: CarriedEvent = {
    id: 'evt-big',
    tenant_id: 't-queue',
    topic: 'big',
    time: new Date().toISOString(),
    eligible_for_retry: true,
    metadata: null,
    data_json: JSON.stringify({ blob: 'x'.repeat(150 * 1024) }),
    matched_destination_ids: [],
  };
  // Eight tasks of 150 KiB: 1.2 MiB, more than one SendMessageBatch may carry.
  const tasks = Array.from({ length: 8 }, (_, n) => ({ task: task(n, 'webhook', event), delaySeconds: 0 }));
  await new SqsTaskQueue(sqs, { webhook: queueUrl }).enqueue(tasks);
  expect((await drain()).map((received) => received.task_id).sort()).toEqual(
    tasks.map(({ task: sent }) => sent.task_id).sort(),
  );
});

it('sends what it can and names by index the tasks that did not get in', async () => {
  const missing = queueUrl.replace('tasks-webhook', 'no-such-queue');
  const queue = new SqsTaskQueue(sqs, { webhook: queueUrl, aws_sqs: missing });
  const tasks = [task(1), task(2, 'aws_sqs'), task(3), task(4, 'kafka')].map((t) => ({
    task: t,
    delaySeconds: 0,
  }));
  const error = await queue.enqueue(tasks).then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(TasksNotEnqueuedError);
  expect((error as TasksNotEnqueuedError).failed).toEqual([1, 3]);
  expect((await drain()).map((received) => received.task_id).sort()).toEqual(['task-1', 'task-3']);
});
