import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createHandler, REASON_ATTRIBUTE } from '../../../lambdas/handlers/ingest.handler';
import { startLocalRuntime, type LocalRuntime } from '../../../local/runtime';
import { apiClient } from '../../support/api-client';
import { startTcpFaultGate, type TcpFaultGate } from '../../support/tcp-fault-gate';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';

/**
 * The ingest handler's failure paths, against the local runtime's DynamoDB Local and fauxqs: the
 * handler under test reaches fauxqs through a TCP gate that can cut its connections (an SQS outage),
 * and is given batches as the event source mapping would. What it cannot publish for an outage must
 * come back as a batch item failure (SQS redelivers it), never land in the DLQ; what can never be
 * published must reach the DLQ with its reason, however large.
 */

let runtime: LocalRuntime;
let receiver: WebhookReceiver;
let gate: TcpFaultGate;
let sqs: SQSClient;
let deadLetterQueueUrl: string;

beforeAll(async () => {
  runtime = await startLocalRuntime({ inMemory: true, apiPort: 0 });
  receiver = await startWebhookReceiver();
  const api = apiClient(runtime.apiUrl, runtime.adminKey);
  expect((await api.put('/tenants/ingest', {})).status).toBe(201);
  const created = await api.post('/tenants/ingest/destinations', {
    type: 'webhook',
    topics: ['order.created'],
    config: { url: receiver.url },
  });
  expect(created.status).toBe(201);
  gate = await startTcpFaultGate(Number(new URL(runtime.sqsEndpoint).port));
  sqs = new SQSClient({
    endpoint: runtime.sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
  deadLetterQueueUrl = runtime.env.INGEST_DEAD_LETTER_QUEUE_URL!;
}, 120000);

afterAll(async () => {
  sqs?.destroy();
  await gate?.close();
  await receiver?.close();
  await runtime?.stop();
});

beforeEach(async () => {
  receiver.clear();
  gate.dropNextConnections(0);
  await drainDeadLetters();
});

/** A handler of its own per test (fresh SQS connections), whose SQS traffic goes through the gate. */
function gatedHandler(): (
  event: SQSEvent,
) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }> {
  return createHandler({ ...runtime.env, AWS_ENDPOINT_URL_SQS: gate.endpoint });
}

function batchOf(...messages: Array<[messageId: string, body: string]>): SQSEvent {
  return {
    Records: messages.map(([messageId, body]): SQSRecord => ({
      messageId,
      receiptHandle: `receipt-${messageId}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'producer',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:IngestQueue',
      awsRegion: 'us-east-1',
    })),
  };
}

/** Receives and deletes everything in the ingest DLQ (straight from fauxqs, not through the gate). */
async function drainDeadLetters(): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: deadLetterQueueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle!,
        })),
      }),
    );
  }
}

const reasonsByBody = (messages: Message[]): Record<string, string | undefined> =>
  Object.fromEntries(
    messages.map((message) => [message.Body!, message.MessageAttributes?.[REASON_ATTRIBUTE]?.StringValue]),
  );

const order = (id: string, data: unknown = { id }) =>
  JSON.stringify({ id, tenant_id: 'ingest', topic: 'order.created', data });

it('returns a message whose delivery tasks could not be enqueued to the queue, not to the DLQ; its redelivery publishes it', async () => {
  const handler = gatedHandler();
  const batch = batchOf(['m-outage', order('ingest-outage')], ['m-bad', '{"tenant_id":']);
  gate.dropNextConnections(1000);

  const during = await handler(batch);

  // The event is stored (DynamoDB is up), its enqueue failed: SQS must redeliver it. The malformed
  // message beside it could not reach the DLQ either, so it stays on the queue too.
  expect(during.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
    'm-bad',
    'm-outage',
  ]);
  expect(gate.dropped).toBeGreaterThan(0);
  expect(await drainDeadLetters()).toEqual([]);

  gate.dropNextConnections(0);
  const redelivered = await handler(batch);

  expect(redelivered.batchItemFailures).toEqual([]);
  const [delivered] = await receiver.waitFor(1, 20000);
  expect(delivered!.headers['x-outpost-event-id']).toBe('ingest-outage');
  expect(reasonsByBody(await drainDeadLetters())).toEqual({ '{"tenant_id":': 'message body is not JSON' });
});

it('keeps malformed messages on the queue while the DLQ cannot be reached, and moves them with their reasons once it can', async () => {
  const handler = gatedHandler();
  const noData = JSON.stringify({ tenant_id: 'ingest', topic: 'order.created' });
  const batch = batchOf(['m-json', 'not json'], ['m-schema', noData]);
  gate.dropNextConnections(1000);

  const during = await handler(batch);

  expect(during.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
    'm-json',
    'm-schema',
  ]);
  expect(await drainDeadLetters()).toEqual([]);

  gate.dropNextConnections(0);
  expect((await handler(batch)).batchItemFailures).toEqual([]);

  const reasons = reasonsByBody(await drainDeadLetters());
  expect(Object.keys(reasons).sort()).toEqual(['not json', noData].sort());
  expect(reasons['not json']).toBe('message body is not JSON');
  expect(reasons[noData]).toMatch(/data/);
});

it('moves large malformed messages to the DLQ with their reasons even when together they exceed one batch request', async () => {
  const handler = gatedHandler();
  // Each is refused for its size (data over the 256 KiB limit); together they are far beyond what
  // one SendMessageBatch request may carry.
  const large = Array.from({ length: 4 }, (_, n) =>
    order(`ingest-large-${n}`, { pad: 'x'.repeat(300 * 1024) }),
  );
  const batch = batchOf(
    ...large.map((body, n): [string, string] => [`m-large-${n}`, body]),
    ['m-small', '[]'],
    ['m-good', order('ingest-beside-large')],
  );

  const response = await handler(batch);

  expect(response.batchItemFailures).toEqual([]);
  const reasons = reasonsByBody(await drainDeadLetters());
  expect(Object.keys(reasons)).toHaveLength(5);
  for (const body of large) expect(reasons[body]).toMatch(/^data is \d+ bytes; the limit is 262144$/);
  expect(reasons['[]']).toBeDefined();
  const [delivered] = await receiver.waitFor(1, 20000);
  expect(delivered!.headers['x-outpost-event-id']).toBe('ingest-beside-large');
});
