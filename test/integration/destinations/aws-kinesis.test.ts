import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { eventually } from '../../support/api-client';
import {
  atLeast,
  emulatorClientConfig,
  STATIC_AWS_KEYS,
  startGatedServerRuntime,
  type DestinationTestRuntime,
} from '../../support/destination-test-runtime';
import { startKinesisTestServer, type KinesisTestServer } from '../../support/kinesis-test-server';
import type { TcpFaultGate } from '../../support/tcp-fault-gate';

/**
 * aws_kinesis destinations through the local runtime's API, put by the real @aws-sdk/client-kinesis
 * on kinesalite, read back with GetRecords.
 */

let harness: DestinationTestRuntime;
let kinesisServer: KinesisTestServer;
let gate: TcpFaultGate;
let stopAll: (() => Promise<void>) | undefined;
let kinesis: KinesisClient;

beforeAll(async () => {
  ({
    harness,
    server: kinesisServer,
    gate,
    stop: stopAll,
  } = await startGatedServerRuntime(startKinesisTestServer, (server) => server.close()));
  kinesis = new KinesisClient({
    ...emulatorClientConfig(kinesisServer.endpoint),
    // kinesalite speaks HTTP/1.1 only; the Kinesis client defaults to HTTP/2.
    requestHandler: new NodeHttpHandler(),
  });
}, 120000);

afterAll(async () => {
  kinesis?.destroy();
  await stopAll?.();
});

async function createStream(name: string): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
}

async function recordsOf(stream: string, count: number): Promise<_Record[]> {
  const shards = await eventually('the stream to be active', async () => {
    const listed = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
    return listed.Shards?.length ? listed.Shards : undefined;
  });
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: shards[0]!.ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  return atLeast(`${count} records in ${stream}`, count, async () => {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    return page.Records ?? [];
  });
}

it('puts one record with the data byte for byte and the templated partition key', async () => {
  await createStream('users');
  await harness.createDestination({
    type: 'aws_kinesis',
    topics: ['user.created'],
    config: {
      stream_name: 'users',
      region: 'us-east-1',
      partition_key_template: 'data."user_id"',
      endpoint: kinesisServer.endpoint,
    },
    credentials: STATIC_AWS_KEYS,
  });
  const data = { user_id: 'u_42', name: 'Zoë', nested: { list: [1, 2.5, 'três'] } };
  const eventId = await harness.publish({ topic: 'user.created', data });

  const [record] = await recordsOf('users', 1);
  expect(Buffer.from(record!.Data!).toString('utf8')).toBe(JSON.stringify(data));
  expect(record!.PartitionKey).toBe('u_42');
  const [attempt] = await harness.attemptsReach(eventId, 1);
  expect(attempt).toMatchObject({ status: 'success', code: 'OK' });
  expect(JSON.parse(attempt!.response_data!.body!)).toMatchObject({
    sequence_number: record!.SequenceNumber,
  });
});

it('uses the event id as partition key by default', async () => {
  await createStream('defaults');
  await harness.createDestination({
    type: 'aws_kinesis',
    topics: ['order.paid'],
    config: { stream_name: 'defaults', region: 'us-east-1', endpoint: kinesisServer.endpoint },
    credentials: STATIC_AWS_KEYS,
  });
  const eventId = await harness.publish({ topic: 'order.paid', data: { n: 1 } });
  const [record] = await recordsOf('defaults', 1);
  expect(record!.PartitionKey).toBe(eventId);
});

it('fails with ResourceNotFoundException for a missing stream, and retries network failures until delivered', async () => {
  const missingStream = await harness.createDestination({
    type: 'aws_kinesis',
    topics: ['stream.missing'],
    config: { stream_name: 'nope', region: 'us-east-1', endpoint: kinesisServer.endpoint },
    credentials: STATIC_AWS_KEYS,
  });
  const missing = await harness.publish({ topic: 'stream.missing', data: { n: 2 } });
  // Not retryable: the delivery settles as failed after this one attempt, with nothing due.
  expect(await harness.settledDelivery(missingStream.id, missing)).toMatchObject({
    status: 'failed',
    attempts: 1,
    due_at: null,
    last_code: 'ResourceNotFoundException',
  });
  const refused = await harness.attemptsReach(missing, 1);
  expect(refused.map((a) => [a.attempt_number, a.status, a.code])).toEqual([
    [1, 'failed', 'ResourceNotFoundException'],
  ]);

  await createStream('flaky');
  await harness.createDestination({
    type: 'aws_kinesis',
    topics: ['flaky.topic'],
    config: { stream_name: 'flaky', region: 'us-east-1', endpoint: gate.endpoint },
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
  const records = await recordsOf('flaky', 1);
  expect(records.map((r) => Buffer.from(r.Data!).toString('utf8'))).toEqual(['{"n":3}']);
});

it('with metadata_in_payload, puts {"metadata": …, "data": <data byte for byte>} (Outpost\'s record format)', async () => {
  await createStream('enveloped');
  await harness.createDestination({
    type: 'aws_kinesis',
    topics: ['user.updated'],
    config: {
      stream_name: 'enveloped',
      region: 'us-east-1',
      metadata_in_payload: 'true',
      endpoint: kinesisServer.endpoint,
    },
    credentials: STATIC_AWS_KEYS,
    delivery_metadata: { team: 'billing' },
  });
  const data = { user_id: 'u_7', name: 'Zoë', spacing: [1, 2.5] };
  const eventId = await harness.publish({
    topic: 'user.updated',
    time: '2025-01-02T03:04:05Z',
    metadata: { source: 'crm' },
    data,
  });

  const [record] = await recordsOf('enveloped', 1);
  const text = Buffer.from(record!.Data!).toString('utf8');
  expect(JSON.parse(text)).toEqual({
    metadata: {
      'event-id': eventId,
      topic: 'user.updated',
      timestamp: '2025-01-02T03:04:05.000Z',
      source: 'crm',
      team: 'billing',
    },
    data,
  });
  expect(text.endsWith(`"data":${JSON.stringify(data)}}`)).toBe(true);
});
