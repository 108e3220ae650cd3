import http from 'node:http';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalRuntime } from '../local/runtime';
import type { BenchReceiver } from './receiver';
import { bestRate, pool, type MeasuredLimit } from './stats';

/**
 * Step 1, the ceilings of this machine: raw keep-alive HTTP POSTs from this Node process to the
 * bench receiver, and the raw rates of the two emulators (on scratch resources of the bench's own,
 * so that no project table or queue is touched). Each is measured at several numbers of calls in
 * flight and the best is kept, with its concurrency.
 */
export interface Limits {
  httpPosts: MeasuredLimit;
  dynamoPutItems: MeasuredLimit;
  /** Messages per second, sent ten to a SendMessageBatch. */
  sqsSends: MeasuredLimit;
  /** Messages per second, received ten at a time and deleted with DeleteMessageBatch. */
  sqsReceiveDeletes: MeasuredLimit;
}

/** Calls in flight tried for the emulators; the HTTP client also at 32 sockets, its keep-alive pool. */
const EMULATOR_CONCURRENCIES = [1, 4, 16];
const HTTP_CONCURRENCIES = [1, 4, 16, 32];
/** Receive + delete rates are measured up to this many messages per second (fauxqs: ~3 k/s). */
const RECEIVE_RATE_CAP = 5000;

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** @param durationMs measuring time at each concurrency (after a short warm-up). */
export async function measureLimits(
  runtime: LocalRuntime,
  receiver: BenchReceiver,
  durationMs: number,
): Promise<Limits> {
  const payload = Buffer.from(JSON.stringify({ data: 'x'.repeat(1000) }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const target = new URL(`${receiver.url}/raw`);
  const post = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': payload.length,
            'x-outpost-event-id': 'raw',
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(1));
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  const httpPosts = await bestRate(durationMs, HTTP_CONCURRENCIES, post);
  agent.destroy();
  receiver.reset();

  const dynamo = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  });
  const table = 'bench-raw';
  await dynamo.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  let item = 0;
  const dynamoPutItems = await bestRate(durationMs, EMULATOR_CONCURRENCIES, async () => {
    await dynamo.send(
      new PutItemCommand({
        TableName: table,
        Item: { id: { S: `i${item++}` }, data: { S: 'x'.repeat(1000) } },
      }),
    );
    return 1;
  });
  await dynamo.send(new DeleteTableCommand({ TableName: table }));
  dynamo.destroy();

  const sqs = new SQSClient({
    endpoint: runtime.sqsEndpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
    useQueueUrlAsEndpoint: false,
  });
  const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-raw' }));
  const body = 'x'.repeat(1000);
  const sendBatch = async (): Promise<number> => {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: 10 }, (_, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    return 10;
  };
  const sqsSends = await bestRate(durationMs, EMULATOR_CONCURRENCIES, sendBatch);
  // Each receive pass starts with enough messages queued that it cannot run dry below
  // RECEIVE_RATE_CAP (its own warm-up included); an empty queue would measure nothing.
  const depth = Math.ceil(1.25 * (durationMs / 1000) * RECEIVE_RATE_CAP);
  const refill = async (): Promise<void> => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    const missing = depth - Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    if (missing <= 0) return;
    await pool(Math.ceil(missing / 10), 4, async () => {
      await sendBatch();
    });
  };
  const sqsReceiveDeletes = await bestRate(
    durationMs,
    EMULATOR_CONCURRENCIES,
    async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) return 0;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
          })),
        }),
      );
      return Messages.length;
    },
    refill,
  );
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  sqs.destroy();
  return { httpPosts, dynamoPutItems, sqsSends, sqsReceiveDeletes };
}
