import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clearAwsClients } from '../../../lambdas/destinations/aws-client';
import { awsCredentialProvider } from '../../../lambdas/destinations/aws-credential-provider';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs-emulator';
import { eventually } from '../../support/api-client';
import {
  emulatorClientConfig,
  type AttemptView,
  sqsMessages,
  startDestinationTestRuntime,
  type DestinationTestRuntime,
} from '../../support/destination-test-runtime';
import { startRecordingHttpProxy, type RecordingHttpProxy } from '../../support/recording-http-proxy';
import { startStsTestServer, type StsTestServer } from '../../support/sts-test-server';

/**
 * Role assumption, the recommended credentials of every AWS type, end to end: an aws_sqs destination
 * with a role_arn and the external id this service issues per tenant, delivered by the local runtime
 * whose STS is the STS test server (AWS_ENDPOINT_URL_STS, operator configuration; it enforces each
 * role's trusted external id like a trust policy), into a second fauxqs (the tenant's account)
 * behind a proxy that records which access key signed each SendMessage.
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

const roleArn = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

interface RoleDestination {
  id: string;
  queueUrl: string;
  externalId: string;
}

async function roleDestination(name: string, topic: string): Promise<RoleDestination> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const destination = await harness.createDestination({
    type: 'aws_sqs',
    topics: [topic],
    config: { queue_url: created.QueueUrl!, endpoint: proxy.endpoint },
    credentials: { role_arn: roleArn(name) },
  });
  const credentials = destination.credentials as Record<string, string>;
  return { id: destination.id, queueUrl: created.QueueUrl!, externalId: credentials.external_id! };
}

/** Publishes one event and waits for its successful attempt, so deliveries happen one after the other. */
async function deliverOne(topic: string, data: Record<string, unknown>): Promise<void> {
  const eventId = await harness.publish({ topic, data });
  const [attempt] = await harness.attemptsReach(eventId, 1);
  expect(attempt).toMatchObject({ status: 'success', code: 'OK' });
}

const messagesOf = (queueUrl: string, count: number) => sqsMessages(sqs, queueUrl, count);

const callsFor = (name: string) => sts.calls.filter((call) => call.roleArn === roleArn(name));
const issuedKeysFor = (name: string) => sts.issued.filter((issued) => issued.roleArn === roleArn(name));

it('issues the external id, shows it unmasked, assumes the role with it and delivers with the temporary credentials, assuming once while they last', async () => {
  const destination = await roleDestination('orders-role', 'role.orders');
  expect(destination.externalId).toMatch(/^ed-[0-9a-f]{32}$/);
  sts.trustExternalId(roleArn('orders-role'), destination.externalId);
  const before = proxy.requests.length;
  await deliverOne('role.orders', { n: 1 });
  await deliverOne('role.orders', { n: 2 });

  expect(callsFor('orders-role')).toEqual([
    {
      roleArn: roleArn('orders-role'),
      externalId: destination.externalId,
      roleSessionName: `event-destinations-${destination.id}`,
      durationSeconds: 3600,
    },
  ]);
  const [issued] = issuedKeysFor('orders-role');
  const signed = proxy.requests.slice(before);
  expect(signed.map(({ accessKeyId, sessionToken }) => ({ accessKeyId, sessionToken }))).toEqual([
    { accessKeyId: issued!.accessKeyId, sessionToken: issued!.sessionToken },
    { accessKeyId: issued!.accessKeyId, sessionToken: issued!.sessionToken },
  ]);
  expect((await messagesOf(destination.queueUrl, 2)).map((m) => m.Body).sort()).toEqual([
    '{"n":1}',
    '{"n":2}',
  ]);
});

it('gives every destination of a tenant the same external id, and another tenant another one it cannot override', async () => {
  const victim = await roleDestination('victim-role', 'role.victim');
  const second = await roleDestination('victim-second', 'role.victim.second');
  expect(second.externalId).toBe(victim.externalId);
  sts.trustExternalId(roleArn('victim-role'), victim.externalId);

  // Another tenant, with its own token, learned the victim's role ARN and external id.
  await harness.api.put('/tenants/mallory', {});
  const { body: mallory } = await harness.api.get<{ token: string }>('/tenants/mallory/token');
  const stolen = { role_arn: roleArn('victim-role'), external_id: victim.externalId };
  const refused = await harness.api.post<{ status: number; data: string[] }>(
    '/tenants/mallory/destinations',
    {
      type: 'aws_sqs',
      topics: ['role.mallory'],
      config: { queue_url: victim.queueUrl, endpoint: proxy.endpoint },
      credentials: stolen,
    },
    mallory.token,
  );
  expect(refused.status).toBe(422);
  expect(refused.body.data).toEqual([
    expect.stringMatching(/^credentials\.external_id: must be ed-[0-9a-f]{32}, /),
  ]);
  expect(refused.body.data[0]).not.toContain(victim.externalId);

  // Naming the role alone gives mallory its own external id, which the victim's role does not trust.
  const created = await harness.api.post<{ id: string; credentials: Record<string, string> }>(
    '/tenants/mallory/destinations',
    {
      type: 'aws_sqs',
      topics: ['role.mallory'],
      config: { queue_url: victim.queueUrl, endpoint: proxy.endpoint },
      credentials: { role_arn: roleArn('victim-role') },
    },
    mallory.token,
  );
  expect(created.status).toBe(201);
  const malloryExternalId = created.body.credentials.external_id!;
  expect(malloryExternalId).toMatch(/^ed-/);
  expect(malloryExternalId).not.toBe(victim.externalId);

  const before = proxy.requests.length;
  const published = await harness.api.post<{ id: string }>('/publish', {
    tenant_id: 'mallory',
    topic: 'role.mallory',
    data: { stolen: true },
  });
  const eventId = published.body.id;
  const [attempt] = await eventually("mallory's first attempt", async () => {
    const page = await harness.api.get<{ models: AttemptView[] }>(
      `/attempts?tenant_id=mallory&event_id=${eventId}&include=response_data`,
    );
    return page.body.models.length > 0 ? page.body.models : undefined;
  });
  expect(attempt).toMatchObject({ status: 'failed', code: 'AssumeRole.AccessDenied' });
  expect(callsFor('victim-role')).toEqual([expect.objectContaining({ externalId: malloryExternalId })]);
  // Nothing reached the victim's queue.
  expect(proxy.requests.length).toBe(before);
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

it('records AssumeRole.AccessDenied while the role does not trust the platform, retries, and delivers once it does', async () => {
  sts.denyRole(roleArn('late-role'));
  const destination = await roleDestination('late-role', 'role.late');
  const before = proxy.requests.length;
  const eventId = await harness.publish({ topic: 'role.late', data: { n: 1 } });

  const [first] = await harness.attemptsReach(eventId, 1);
  sts.allowRole(roleArn('late-role'));
  expect(first).toMatchObject({ status: 'failed', code: 'AssumeRole.AccessDenied' });
  expect(first!.response_data?.error).toContain(`STS AssumeRole of ${roleArn('late-role')}`);
  // Nothing reached the queue service without credentials.
  expect(proxy.requests.length).toBe(before);

  const attempts = await harness.attemptsReach(eventId, 2, (attempt) => attempt.status === 'success');
  expect(attempts.slice(0, -1).every((a) => a.code === 'AssumeRole.AccessDenied')).toBe(true);
  expect((await messagesOf(destination.queueUrl, 1)).map((m) => m.Body)).toEqual(['{"n":1}']);
});

it('bounds an AssumeRole that never answers by the delivery timeout (AssumeRole.timeout, retried)', async () => {
  const destination = await roleDestination('stalled-role', 'role.stalled');
  sts.stallNextCalls(1);
  const eventId = await harness.publish({ topic: 'role.stalled', data: { n: 1 } });
  const attempts = await harness.attemptsReach(eventId, 2, (attempt) => attempt.status === 'success');
  expect(attempts[0]).toMatchObject({ status: 'failed', code: 'AssumeRole.timeout' });
  expect(attempts.at(-1)).toMatchObject({ status: 'success', code: 'OK' });
  expect((await messagesOf(destination.queueUrl, 1)).map((m) => m.Body)).toEqual(['{"n":1}']);
});

it('never shares assumed credentials across tenants, even for the same role and external id', async () => {
  const provider = (tenantId: string) =>
    awsCredentialProvider(
      { role_arn: roleArn('shared-role'), external_id: 'ed-shared' },
      { sessionName: 'event-destinations-des_shared', tenantId, timeoutMs: 3000 },
    );
  const [first, again, other] = [provider('acme'), provider('acme'), provider('globex')];
  const acme = await first();
  expect(await again()).toBe(acme);
  expect((await other()).accessKeyId).not.toBe(acme.accessKeyId);
  expect(callsFor('shared-role')).toHaveLength(2);
});
