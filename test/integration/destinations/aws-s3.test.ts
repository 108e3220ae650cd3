import { createHash } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs-emulator';
import { eventually } from '../../support/api-client';
import {
  emulatorClientConfig,
  STATIC_AWS_KEYS,
  startGatedServerRuntime,
  type DestinationTestRuntime,
} from '../../support/destination-test-runtime';
import { startRecordingHttpProxy, type RecordingHttpProxy } from '../../support/recording-http-proxy';
import type { TcpFaultGate } from '../../support/tcp-fault-gate';

/**
 * aws_s3 destinations through the local runtime's API, written by the real @aws-sdk/client-s3 to
 * fauxqs's S3, read back with GetObject. The checksum is checked on the wire, through a recording
 * proxy, since the emulator does not verify it.
 */

let harness: DestinationTestRuntime;
let emulator: SqsEmulator;
let gate: TcpFaultGate;
let stopAll: (() => Promise<void>) | undefined;
let s3: S3Client;
let proxy: RecordingHttpProxy;

beforeAll(async () => {
  ({
    harness,
    server: emulator,
    gate,
    stop: stopAll,
  } = await startGatedServerRuntime(startSqsEmulator, (server) => server.stop()));
  s3 = new S3Client({ ...emulatorClientConfig(emulator.endpoint), forcePathStyle: true });
  proxy = await startRecordingHttpProxy(emulator.endpoint);
}, 120000);

afterAll(async () => {
  s3?.destroy();
  await proxy?.close();
  await stopAll?.();
});

function objectAt(bucket: string, key: string) {
  return eventually(`s3://${bucket}/${key}`, async () => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return {
      body: await object.Body!.transformToString('utf8'),
      metadata: object.Metadata,
      type: object.ContentType,
    };
  });
}

it('writes one object with the data byte for byte, at <topic>/<date>/<event id>.json, with metadata', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'tenant-events' }));
  await harness.createDestination({
    type: 'aws_s3',
    topics: ['user.created'],
    config: { bucket: 'tenant-events', region: 'us-east-1', endpoint: emulator.endpoint },
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

  const object = await objectAt('tenant-events', `user.created/2025-01-02/${eventId}.json`);
  expect(object.body).toBe(JSON.stringify(data));
  expect(object.type).toBe('application/json');
  expect(object.metadata).toEqual({
    'event-id': eventId,
    topic: 'user.created',
    timestamp: '2025-01-02T03:04:05.000Z',
    source: 'crm',
    team: 'billing',
  });
  const [attempt] = await harness.attemptsReach(eventId, 1);
  expect(attempt).toMatchObject({ status: 'success', code: 'OK' });
});

it('fails with NoSuchBucket for a missing bucket, and retries network failures until written', async () => {
  const missingBucket = await harness.createDestination({
    type: 'aws_s3',
    topics: ['bucket.missing'],
    config: { bucket: 'no-such-bucket', region: 'us-east-1', endpoint: emulator.endpoint },
    credentials: STATIC_AWS_KEYS,
  });
  const missing = await harness.publish({ topic: 'bucket.missing', data: { n: 2 } });
  // Not retryable: the delivery settles as failed after this one attempt, with nothing due.
  expect(await harness.settledDelivery(missingBucket.id, missing)).toMatchObject({
    status: 'failed',
    attempts: 1,
    due_at: null,
    last_code: 'NoSuchBucket',
  });
  const refused = await harness.attemptsReach(missing, 1);
  expect(refused.map((a) => [a.attempt_number, a.status, a.code])).toEqual([[1, 'failed', 'NoSuchBucket']]);

  await s3.send(new CreateBucketCommand({ Bucket: 'flaky-events' }));
  await harness.createDestination({
    type: 'aws_s3',
    topics: ['flaky.topic'],
    config: {
      bucket: 'flaky-events',
      region: 'us-east-1',
      key_template: "join('/', ['events', metadata.\"event-id\"])",
      endpoint: gate.endpoint,
    },
    credentials: STATIC_AWS_KEYS,
  });
  gate.dropNextConnections(1);
  const eventId = await harness.publish({ topic: 'flaky.topic', data: { n: 3 } });
  const attempts = await harness.attemptsReach(eventId, 2, (attempt) => attempt.status === 'success');
  expect(attempts.map((a) => [a.attempt_number, a.status, a.code])).toEqual([
    [1, 'failed', 'network_error'],
    [2, 'success', 'OK'],
  ]);
  expect((await objectAt('flaky-events', `events/${eventId}`)).body).toBe('{"n":3}');
});

it('sends x-amz-checksum-sha256 equal to the SHA-256 of the body it sends, and the body is the data', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'checked-events' }));
  await harness.createDestination({
    type: 'aws_s3',
    topics: ['checksum.topic'],
    config: { bucket: 'checked-events', region: 'us-east-1', key_template: 'id', endpoint: proxy.endpoint },
    credentials: STATIC_AWS_KEYS,
  });
  const data = { invoice: 'inv_7', lines: [{ sku: 'Zoë-1', qty: 2 }], note: 'três ✓' };
  const eventId = await harness.publish({ topic: 'checksum.topic', data });
  expect((await objectAt('checked-events', eventId)).body).toBe(JSON.stringify(data));

  const [put] = proxy.requests.filter(
    (request) => request.method === 'PUT' && request.path.split('?')[0] === `/checked-events/${eventId}`,
  );
  expect(put).toBeDefined();
  expect(put!.body.equals(Buffer.from(JSON.stringify(data), 'utf8'))).toBe(true);
  expect(put!.headers['x-amz-checksum-sha256']).toBe(createHash('sha256').update(put!.body).digest('base64'));
});
