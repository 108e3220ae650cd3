import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs-emulator';
import { startSqsPoller, type SqsPoller, type SqsPollerOptions } from '../../../local/sqs-poller';
import { waitUntil } from './wait-until';

let emulator: SqsEmulator;
let sqs: SQSClient;
let queueCount = 0;
const pollers: SqsPoller[] = [];

beforeAll(async () => {
  emulator = await startSqsEmulator();
  sqs = new SQSClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});

afterAll(async () => {
  sqs.destroy();
  await emulator.stop();
});

interface TestQueue {
  url: string;
  arn: string;
  dlqUrl: string;
}

/** A fresh queue with a DLQ; a 1 s visibility timeout by default, so failed records come back quickly. */
async function createQueue(maxReceiveCount = 5, visibilityTimeoutSeconds = 1): Promise<TestQueue> {
  queueCount += 1;
  const name = `poller-test-${queueCount}`;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${name}-dlq`,
          maxReceiveCount,
        }),
      },
    }),
  );
  return { url: queue.QueueUrl!, arn: `arn:aws:sqs:us-east-1:000000000000:${name}`, dlqUrl: dlq.QueueUrl! };
}

async function sendBodies(queueUrl: string, bodies: string[]): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies
          .slice(start, start + 10)
          .map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
  }
}

function poll(
  queue: TestQueue,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>,
  overrides: Partial<SqsPollerOptions> = {},
): void {
  pollers.push(
    startSqsPoller({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      handler,
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      reportBatchItemFailures: true,
      maximumConcurrency: 1,
      ...overrides,
    }),
  );
}

async function messagesLeft(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

describe('startSqsPoller', () => {
  it('builds the SQSEvent Lambda would and deletes handled records', async () => {
    const queue = await createQueue();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"hello":"world"}',
        MessageAttributes: {
          topic: { DataType: 'String', StringValue: 'user.created' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    const events: SQSEvent[] = [];
    poll(queue, async (event) => {
      events.push(event);
      return { batchItemFailures: [] };
    });
    await waitUntil(async () => events[0], 'the first batch');
    await pollers.splice(0)[0]!.stop();

    expect(events).toHaveLength(1);
    const [record] = events[0]!.Records;
    expect(record).toEqual<SQSRecord>({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: '{"hello":"world"}',
      attributes: expect.objectContaining({
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
      }),
      messageAttributes: {
        topic: {
          stringValue: 'user.created',
          stringListValues: [],
          binaryListValues: [],
          dataType: 'String',
        },
        blob: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
      md5OfBody: 'fbc24bcc7a1794758fc1327fcfebdaf6',
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
    });
    expect(await messagesLeft(queue.url)).toBe(0);
  });

  it('never invokes with more records than the batch size, and gathers batches within the window', async () => {
    // Like AWS requires: a visibility timeout longer than the batching window.
    const queue = await createQueue(5, 30);
    const bodies = Array.from({ length: 23 }, (_, index) => `message-${index}`);
    await sendBodies(queue.url, bodies);
    const batchSizes: number[] = [];
    const seen: string[] = [];
    poll(
      queue,
      async (event) => {
        batchSizes.push(event.Records.length);
        seen.push(...event.Records.map((record) => record.body));
      },
      { batchSize: 4, maximumBatchingWindowSeconds: 1 },
    );
    await waitUntil(async () => (seen.length >= bodies.length ? true : undefined), 'every message');
    await pollers.splice(0)[0]!.stop();

    expect(seen.sort()).toEqual([...bodies].sort());
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(4);
    // 23 messages were waiting: the window lets every batch but the last fill up.
    expect(batchSizes.filter((size) => size === 4)).toHaveLength(5);
    expect(await messagesLeft(queue.url)).toBe(0);
  });

  it('returns only the records listed in batchItemFailures to the queue', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['ok-1', 'fail-1', 'ok-2', 'fail-2', 'ok-3']);
    const deliveries: Array<{ body: string; receiveCount: string }> = [];
    poll(queue, async (event) => {
      deliveries.push(
        ...event.Records.map((record) => ({
          body: record.body,
          receiveCount: record.attributes.ApproximateReceiveCount,
        })),
      );
      const failures = event.Records.filter(
        (record) => record.body.startsWith('fail') && record.attributes.ApproximateReceiveCount === '1',
      );
      return { batchItemFailures: failures.map((record) => ({ itemIdentifier: record.messageId })) };
    });
    // The failed records come back after the visibility timeout; had the others not been deleted,
    // they (received in the same batches, with the same timeout) would have come back by then too.
    await waitUntil(
      async () =>
        deliveries.filter((delivery) => delivery.receiveCount === '2').length === 2 ? true : undefined,
      'the failed records to come back',
    );
    await pollers.splice(0)[0]!.stop();

    const secondReceives = deliveries.filter((delivery) => delivery.receiveCount === '2').map((d) => d.body);
    expect(secondReceives.sort()).toEqual(['fail-1', 'fail-2']);
    expect(
      deliveries.filter((delivery) => delivery.body.startsWith('ok')).map((d) => d.receiveCount),
    ).toEqual(['1', '1', '1']);
    expect(await messagesLeft(queue.url)).toBe(0);
  });

  it('returns the whole batch when the handler throws', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['a', 'b', 'c']);
    const invocations: string[][] = [];
    poll(queue, async (event) => {
      invocations.push(
        event.Records.map((record) => `${record.body}:${record.attributes.ApproximateReceiveCount}`),
      );
      if (event.Records.some((record) => record.attributes.ApproximateReceiveCount === '1')) {
        throw new Error('handler crashed');
      }
    });
    await waitUntil(
      async () =>
        invocations.flat().filter((entry) => entry.endsWith(':2')).length === 3 ? true : undefined,
      'the batch to come back',
    );
    await pollers.splice(0)[0]!.stop();

    expect(invocations.flat().sort()).toEqual(['a:1', 'a:2', 'b:1', 'b:2', 'c:1', 'c:2']);
    expect(await messagesLeft(queue.url)).toBe(0);
  });

  it('treats a failure naming a record outside the batch as a failed batch', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['x']);
    const receiveCounts: string[] = [];
    poll(queue, async (event) => {
      receiveCounts.push(...event.Records.map((record) => record.attributes.ApproximateReceiveCount));
      return receiveCounts.length === 1
        ? { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] }
        : undefined;
    });
    await waitUntil(async () => (receiveCounts.length === 2 ? true : undefined), 'the record to come back');
    await pollers.splice(0)[0]!.stop();
    expect(receiveCounts).toEqual(['1', '2']);
  });

  it('ignores batchItemFailures when the mapping does not report them', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['p', 'q']);
    const handled: string[] = [];
    poll(
      queue,
      async (event) => {
        handled.push(...event.Records.map((record) => record.body));
        return { batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })) };
      },
      { reportBatchItemFailures: false },
    );
    await waitUntil(async () => (handled.length === 2 ? true : undefined), 'both records');
    await pollers.splice(0)[0]!.stop();
    expect(await messagesLeft(queue.url)).toBe(0);
  });

  it('moves a record that keeps failing to the DLQ at maxReceiveCount', async () => {
    const queue = await createQueue(2);
    await sendBodies(queue.url, ['poison']);
    const receiveCounts: string[] = [];
    poll(queue, async (event) => {
      receiveCounts.push(...event.Records.map((record) => record.attributes.ApproximateReceiveCount));
      return { batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })) };
    });
    const deadLettered = await waitUntil(async () => {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, WaitTimeSeconds: 1 }),
      );
      return received.Messages?.[0];
    }, 'the record in the DLQ');
    await pollers.splice(0)[0]!.stop();

    expect(deadLettered.Body).toBe('poison');
    expect(receiveCounts).toEqual(['1', '2']);
    expect(await messagesLeft(queue.url)).toBe(0);
  });

  it('stops promptly while idle and after the batch in flight', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['slow']);
    let finished = false;
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    poll(
      queue,
      async () => {
        started();
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished = true;
      },
      { maximumConcurrency: 3 },
    );
    await handlerStarted;
    await pollers.splice(0)[0]!.stop();
    expect(finished).toBe(true);
    expect(await messagesLeft(queue.url)).toBe(0);
  });
});
