import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
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
 * aws_sns destinations through the local runtime's API, published by the real @aws-sdk/client-sns to
 * fauxqs, read back from an SQS queue subscribed to the topic with raw message delivery.
 */

let harness: DestinationTestRuntime;
let emulator: SqsEmulator;
let gate: TcpFaultGate;
let stopAll: (() => Promise<void>) | undefined;
let sqs: SQSClient;
let sns: SNSClient;

beforeAll(async () => {
  ({
    harness,
    server: emulator,
    gate,
    stop: stopAll,
  } = await startGatedServerRuntime(startSqsEmulator, (server) => server.stop()));
  const client = emulatorClientConfig(emulator.endpoint);
  sqs = new SQSClient({ ...client, useQueueUrlAsEndpoint: false });
  sns = new SNSClient(client);
}, 120000);

afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await stopAll?.();
});

/** A topic with an SQS queue subscribed (raw delivery: the queue gets the SNS message as published). */
async function topicWithQueue(name: string): Promise<{ topicArn: string; queueUrl: string }> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-q` }));
  await sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: `arn:aws:sqs:us-east-1:000000000000:${name}-q`,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return { topicArn: TopicArn!, queueUrl: QueueUrl! };
}

const messagesOf = (queueUrl: string, count: number) => sqsMessages(sqs, queueUrl, count);

it('publishes the data byte for byte with every metadata attribute', async () => {
  const { topicArn, queueUrl } = await topicWithQueue('users');
  await harness.createDestination({
    type: 'aws_sns',
    topics: ['user.created'],
    config: { topic_arn: topicArn, endpoint: emulator.endpoint },
    credentials: STATIC_AWS_KEYS,
    delivery_metadata: { team: 'billing' },
  });
  const data = { user_id: 'u_1', name: 'Zoë', nested: { list: [1, 2.5, 'três'] } };
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
});

it('retries while SNS is unreachable and publishes once it is back', async () => {
  const { topicArn, queueUrl } = await topicWithQueue('flaky');
  await harness.createDestination({
    type: 'aws_sns',
    topics: ['flaky.topic'],
    config: { topic_arn: topicArn, endpoint: gate.endpoint },
    credentials: STATIC_AWS_KEYS,
  });
  gate.dropNextConnections(1);
  const eventId = await harness.publish({ topic: 'flaky.topic', data: { n: 3 } });
  const attempts = await harness.attemptsReach(eventId, 2, (attempt) => attempt.status === 'success');
  expect(attempts.map((a) => [a.attempt_number, a.status, a.code])).toEqual([
    [1, 'failed', 'network_error'],
    [2, 'success', 'OK'],
  ]);
  expect((await messagesOf(queueUrl, 1)).map((m) => m.Body)).toEqual(['{"n":3}']);
});
