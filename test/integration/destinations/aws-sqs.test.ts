import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs-emulator';
import {
  emulatorClientConfig,
  sqsAttributesOf,
  sqsMessages,
  STATIC_AWS_KEYS,
  startGatedServerRuntime,
  type DestinationTestRuntime,
} from '../../support/destination-test-runtime';
import type { TcpFaultGate } from '../../support/tcp-fault-gate';

/**
 * aws_sqs destinations through the local runtime's API, delivered by the real @aws-sdk/client-sqs to a
 * second fauxqs emulator (the tenant's "account"), read back with ReceiveMessage.
 */

let harness: DestinationTestRuntime;
let tenantSqs: SqsEmulator;
let gate: TcpFaultGate;
let stopAll: (() => Promise<void>) | undefined;
let sqs: SQSClient;

beforeAll(async () => {
  ({
    harness,
    server: tenantSqs,
    gate,
    stop: stopAll,
  } = await startGatedServerRuntime(startSqsEmulator, (server) => server.stop()));
  sqs = new SQSClient({ ...emulatorClientConfig(tenantSqs.endpoint), useQueueUrlAsEndpoint: false });
}, 120000);

afterAll(async () => {
  sqs?.destroy();
  await stopAll?.();
});

async function createQueue(name: string): Promise<string> {
  const created = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      ...(name.endsWith('.fifo') ? { Attributes: { FifoQueue: 'true' } } : {}),
    }),
  );
  return created.QueueUrl!;
}

const messagesOf = (queueUrl: string, count: number) => sqsMessages(sqs, queueUrl, count);

it('delivers the data byte for byte with every metadata attribute', async () => {
  const queueUrl = await createQueue('orders');
  const destination = await harness.createDestination({
    type: 'aws_sqs',
    topics: ['user.created'],
    config: { queue_url: queueUrl, endpoint: tenantSqs.endpoint },
    credentials: STATIC_AWS_KEYS,
    delivery_metadata: { team: 'billing' },
  });
  const data = { user_id: 'u_1', name: 'Zoë', nested: { list: [1, 2.5, 'três'], flag: true } };
  const eventId = await harness.publish({
    topic: 'user.created',
    time: '2025-01-02T03:04:05Z',
    metadata: { source: 'crm' },
    data,
  });

  const [message] = await messagesOf(queueUrl, 1);
  expect(message!.Body).toBe(JSON.stringify(data));
  expect(sqsAttributesOf(message!)).toEqual({
    'event-id': eventId,
    topic: 'user.created',
    timestamp: '2025-01-02T03:04:05.000Z',
    source: 'crm',
    team: 'billing',
  });
  const [attempt] = await harness.attemptsReach(eventId, 1);
  expect(attempt).toMatchObject({ status: 'success', code: 'OK' });
  expect(JSON.parse(attempt!.response_data!.body!)).toEqual({ message_id: message!.MessageId });
  await harness.api.delete(`/tenants/${harness.tenantId}/destinations/${destination.id}`);
});

it('gives FIFO queues the topic as group id and the event id as deduplication id', async () => {
  const queueUrl = await createQueue('orders.fifo');
  await harness.createDestination({
    type: 'aws_sqs',
    topics: ['order.paid'],
    config: { queue_url: queueUrl, endpoint: tenantSqs.endpoint },
    credentials: STATIC_AWS_KEYS,
  });
  const eventId = await harness.publish({ topic: 'order.paid', data: { n: 1 } });
  const [message] = await messagesOf(queueUrl, 1);
  expect(message!.Body).toBe('{"n":1}');
  expect(message!.Attributes).toMatchObject({
    MessageGroupId: 'order.paid',
    MessageDeduplicationId: eventId,
  });
});

it('records one failed attempt named QueueDoesNotExist when the queue is missing, and no retry', async () => {
  const destination = await harness.createDestination({
    type: 'aws_sqs',
    topics: ['queue.missing'],
    config: { queue_url: tenantSqs.queueUrl('no-such-queue'), endpoint: tenantSqs.endpoint },
    credentials: STATIC_AWS_KEYS,
  });
  const eventId = await harness.publish({ topic: 'queue.missing', data: { n: 2 } });
  // Not retryable: the delivery settles as failed after this one attempt, with nothing due.
  expect(await harness.settledDelivery(destination.id, eventId)).toMatchObject({
    status: 'failed',
    attempts: 1,
    due_at: null,
    last_code: 'QueueDoesNotExist',
  });
  const attempts = await harness.attemptsReach(eventId, 1);
  expect(attempts.map((a) => [a.attempt_number, a.status, a.code])).toEqual([
    [1, 'failed', 'QueueDoesNotExist'],
  ]);
});

it('retries while the queue service is unreachable and delivers once it is back', async () => {
  const queueUrl = await createQueue('flaky');
  await harness.createDestination({
    type: 'aws_sqs',
    topics: ['flaky.topic'],
    config: { queue_url: queueUrl, endpoint: gate.endpoint },
    credentials: STATIC_AWS_KEYS,
  });
  gate.dropNextConnections(2);
  const eventId = await harness.publish({ topic: 'flaky.topic', data: { n: 3 } });

  const attempts = await harness.attemptsReach(eventId, 3, (attempt) => attempt.status === 'success');
  expect(attempts.map((a) => [a.attempt_number, a.status, a.code])).toEqual([
    [1, 'failed', 'network_error'],
    [2, 'failed', 'network_error'],
    [3, 'success', 'OK'],
  ]);
  expect(attempts[0]!.response_data?.error).toContain('socket hang up');
  expect(gate.dropped).toBe(2);
  const messages = await messagesOf(queueUrl, 1);
  expect(messages.map((m) => m.Body)).toEqual(['{"n":3}']);
});
