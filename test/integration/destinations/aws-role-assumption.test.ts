import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clearAwsClients } from '../../../lambdas/destinations/aws-client';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs-emulator';
import {
  emulatorClientConfig,
  sqsMessages,
  startDestinationTestRuntime,
  type DestinationTestRuntime,
} from '../../support/destination-test-runtime';
import { startRecordingHttpProxy, type RecordingHttpProxy } from '../../support/recording-http-proxy';
import { startStsTestServer, type StsTestServer } from '../../support/sts-test-server';

/**
 * Role assumption, the recommended credentials of every AWS type, end to end: an aws_sqs destination
 * with role_arn + external_id, delivered by the local runtime whose STS is the STS test server
 * (AWS_ENDPOINT_URL_STS, operator configuration), into a second fauxqs (the tenant's account) behind
 * a proxy that records which access key signed each SendMessage.
 */

let harness: DestinationTestRuntime;
let sts: StsTestServer;
let tenantSqs: SqsEmulator;
let proxy: RecordingHttpProxy;
let sqs: SQSClient;

beforeAll(async () => {
  sts = await startStsTestServer();
  [harness, tenantSqs] = await Promise.all([
    startDestinationTestRuntime('acme', { AWS_ENDPOINT_URL_STS: sts.endpoint }),
    startSqsEmulator(),
  ]);
  proxy = await startRecordingHttpProxy(tenantSqs.endpoint);
  sqs = new SQSClient({ ...emulatorClientConfig(tenantSqs.endpoint), useQueueUrlAsEndpoint: false });
}, 120000);

afterAll(async () => {
  sqs?.destroy();
  await clearAwsClients();
  await proxy?.close();
  await harness?.stop();
  await tenantSqs?.stop();
  await sts?.close();
});

function role(name: string): { role_arn: string; external_id: string } {
  return { role_arn: `arn:aws:iam::123456789012:role/${name}`, external_id: `ext-${name}` };
}

async function roleDestination(name: string, topic: string): Promise<{ id: string; queueUrl: string }> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const destination = await harness.createDestination({
    type: 'aws_sqs',
    topics: [topic],
    config: { queue_url: created.QueueUrl!, endpoint: proxy.endpoint },
    credentials: role(name),
  });
  return { id: destination.id, queueUrl: created.QueueUrl! };
}

/** Publishes one event and waits for its successful attempt, so deliveries happen one after the other. */
async function deliverOne(topic: string, data: Record<string, unknown>): Promise<void> {
  const eventId = await harness.publish({ topic, data });
  const [attempt] = await harness.attemptsReach(eventId, 1);
  expect(attempt).toMatchObject({ status: 'success', code: 'OK' });
}

const messagesOf = (queueUrl: string, count: number) => sqsMessages(sqs, queueUrl, count);

const callsFor = (name: string) => sts.calls.filter((call) => call.roleArn === role(name).role_arn);
const issuedKeysFor = (name: string) =>
  sts.calls
    .map((call, index) => ({ call, credentials: sts.issued[index] }))
    .filter(({ call }) => call.roleArn === role(name).role_arn)
    .map(({ credentials }) => credentials!);

it('assumes the role with its external id and delivers with the temporary credentials, assuming once while they last', async () => {
  const destination = await roleDestination('orders-role', 'role.orders');
  const before = proxy.requests.length;
  await deliverOne('role.orders', { n: 1 });
  await deliverOne('role.orders', { n: 2 });

  expect(callsFor('orders-role')).toEqual([
    {
      roleArn: role('orders-role').role_arn,
      externalId: 'ext-orders-role',
      roleSessionName: `event-destinations-${destination.id}`,
      durationSeconds: 3600,
    },
  ]);
  const [issued] = issuedKeysFor('orders-role');
  const signed = proxy.requests.slice(before);
  expect(signed).toEqual([
    { accessKeyId: issued!.accessKeyId, sessionToken: issued!.sessionToken },
    { accessKeyId: issued!.accessKeyId, sessionToken: issued!.sessionToken },
  ]);
  expect((await messagesOf(destination.queueUrl, 2)).map((m) => m.Body).sort()).toEqual([
    '{"n":1}',
    '{"n":2}',
  ]);
});

it('assumes the role again for each delivery when the credentials are near expiry', async () => {
  // Within the 5-minute refresh margin from the moment they are issued.
  sts.setLifetimeSeconds(240);
  const destination = await roleDestination('short-role', 'role.short');
  const before = proxy.requests.length;
  await deliverOne('role.short', { n: 1 });
  await deliverOne('role.short', { n: 2 });
  sts.setLifetimeSeconds(3600);

  // Credentials already within the margin are never reused: each SendMessage is signed with a key
  // STS issued for this role, and the two deliveries with different ones. (The SDK may ask the
  // provider more than once per request, so the count of STS calls is at least the deliveries'.)
  const issued = new Set(issuedKeysFor('short-role').map((credentials) => credentials.accessKeyId));
  const signedWith = proxy.requests.slice(before).map((request) => request.accessKeyId!);
  expect(signedWith).toHaveLength(2);
  expect(signedWith.every((key) => issued.has(key))).toBe(true);
  expect(new Set(signedWith).size).toBe(2);
  expect(await messagesOf(destination.queueUrl, 2)).toHaveLength(2);
});

it('records one failed attempt AssumeRole.AccessDenied, not retried, when STS refuses the role', async () => {
  sts.denyRole(role('denied-role').role_arn);
  const destination = await roleDestination('denied-role', 'role.denied');
  const before = proxy.requests.length;
  const eventId = await harness.publish({ topic: 'role.denied', data: { n: 1 } });

  expect(await harness.settledDelivery(destination.id, eventId)).toMatchObject({
    status: 'failed',
    attempts: 1,
    due_at: null,
    last_code: 'AssumeRole.AccessDenied',
  });
  const attempts = await harness.attemptsReach(eventId, 1);
  expect(attempts.map((a) => [a.attempt_number, a.status, a.code])).toEqual([
    [1, 'failed', 'AssumeRole.AccessDenied'],
  ]);
  expect(attempts[0]!.response_data?.error).toContain(`STS AssumeRole of ${role('denied-role').role_arn}`);
  expect(callsFor('denied-role')).toEqual([expect.objectContaining({ externalId: 'ext-denied-role' })]);
  // Nothing reached the queue service without credentials.
  expect(proxy.requests.length).toBe(before);
});
