import { Outpost } from '@hookdeck/outpost-sdk';
import { startLocalRuntime, type LocalRuntime } from '../../../local/runtime';
import { apiClient } from '../../support/api-client';

/**
 * aws_sqs, aws_kinesis and aws_s3 (the AWS types Outpost also has) through Outpost's own SDK (1.6.0):
 * create, get, list and update run the SDK's request and response validation, so a field with a
 * wrong name or type fails here. Outpost's schema knows only static keys for these types; a
 * role-only destination (this system's recommended way) is created over plain HTTP and then read
 * and updated through the SDK. aws_sns and aws_eventbridge are not Outpost types: the test pins down
 * the workaround for a tenant that has one (docs/destinations.md, "Outpost SDK").
 * No delivery happens: nothing is published.
 */

const TENANT = 'sdk-aws';
const KEYS = { key: 'AKIAIOSFODNN7EXAMPLE', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const MASKED_KEYS = { key: '********MPLE', secret: '********' };
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';

let runtime: LocalRuntime;
let admin: Outpost;

beforeAll(async () => {
  runtime = await startLocalRuntime({ inMemory: true, apiPort: 0 });
  admin = new Outpost({
    serverURL: runtime.apiUrl,
    apiKey: runtime.adminKey,
    retryConfig: { strategy: 'none' },
  });
  await admin.tenants.upsert(TENANT);
}, 120000);

afterAll(async () => {
  await runtime?.stop();
});

it('creates, gets, lists and updates aws_sqs, aws_kinesis and aws_s3 destinations with the Outpost SDK', async () => {
  const sqs = await admin.destinations.create(TENANT, {
    type: 'aws_sqs',
    topics: ['user.created'],
    config: { queueUrl: QUEUE_URL },
    credentials: { ...KEYS, session: 'temporary-token' },
  });
  const kinesis = await admin.destinations.create(TENANT, {
    type: 'aws_kinesis',
    topics: '*',
    config: { streamName: 'events', region: 'eu-west-1', partitionKeyTemplate: 'data.user_id' },
    credentials: KEYS,
  });
  const s3 = await admin.destinations.create(TENANT, {
    type: 'aws_s3',
    topics: ['user.created'],
    config: { bucket: 'events-bucket', region: 'eu-west-1', keyTemplate: 'id', storageClass: 'STANDARD_IA' },
    credentials: KEYS,
  });
  expect(sqs).toMatchObject({
    type: 'aws_sqs',
    config: { queueUrl: QUEUE_URL },
    credentials: { ...MASKED_KEYS, session: '********' },
  });
  expect(kinesis).toMatchObject({
    type: 'aws_kinesis',
    config: { streamName: 'events', region: 'eu-west-1', partitionKeyTemplate: 'data.user_id' },
    credentials: MASKED_KEYS,
  });
  expect(s3).toMatchObject({
    type: 'aws_s3',
    config: { bucket: 'events-bucket', region: 'eu-west-1', keyTemplate: 'id', storageClass: 'STANDARD_IA' },
    credentials: MASKED_KEYS,
  });

  const listed = await admin.destinations.list(TENANT);
  expect(listed.map((d) => d.type).sort()).toEqual(['aws_kinesis', 'aws_s3', 'aws_sqs']);
  expect(await admin.destinations.get(TENANT, kinesis.id!)).toMatchObject({
    type: 'aws_kinesis',
    config: { streamName: 'events' },
  });

  // A read-modify-write client sends the masked values back: the stored keys are kept.
  await admin.destinations.update(TENANT, s3.id!, {
    type: 'aws_s3',
    topics: ['user.deleted'],
    config: { keyTemplate: "join('/', [topic, id])" },
    credentials: MASKED_KEYS,
  });
  expect(await admin.destinations.get(TENANT, s3.id!)).toMatchObject({
    topics: ['user.deleted'],
    config: { bucket: 'events-bucket', keyTemplate: "join('/', [topic, id])" },
    credentials: MASKED_KEYS,
  });
});

it('reads, lists and updates a role-only aws_sqs destination through the SDK, which sees an empty key and secret', async () => {
  const tenant = 'sdk-aws-role';
  await admin.tenants.upsert(tenant);
  const http = apiClient(runtime.apiUrl, runtime.adminKey);
  const roleArn = 'arn:aws:iam::123456789012:role/event-delivery';
  const created = await http.post<{ id: string; credentials: Record<string, string> }>(
    `/tenants/${tenant}/destinations`,
    { type: 'aws_sqs', topics: '*', config: { queue_url: QUEUE_URL }, credentials: { role_arn: roleArn } },
  );
  expect(created.status).toBe(201);
  const externalId = created.body.credentials.external_id!;
  expect(created.body.credentials).toEqual({
    key: '',
    secret: '',
    role_arn: roleArn,
    external_id: externalId,
  });

  const [listed] = await admin.destinations.list(tenant);
  expect(listed).toMatchObject({ type: 'aws_sqs', credentials: { key: '', secret: '' } });
  expect(await admin.destinations.get(tenant, created.body.id)).toMatchObject({
    config: { queueUrl: QUEUE_URL },
  });

  // Read-modify-write through the SDK: the empty key and secret go back and mean "not given".
  await admin.destinations.update(tenant, created.body.id, {
    type: 'aws_sqs',
    topics: ['user.deleted'],
    config: { queueUrl: QUEUE_URL },
    credentials: { key: '', secret: '' },
  });
  const after = await http.get<{ topics: string[]; credentials: Record<string, string> }>(
    `/tenants/${tenant}/destinations/${created.body.id}`,
  );
  expect(after.body).toMatchObject({
    topics: ['user.deleted'],
    credentials: { key: '', secret: '', role_arn: roleArn, external_id: externalId },
  });
});

it("an aws_sns or aws_eventbridge destination (not Outpost types) makes the SDK refuse its tenant's list; listing by type works", async () => {
  const tenant = 'sdk-aws-beyond';
  await admin.tenants.upsert(tenant);
  const http = apiClient(runtime.apiUrl, runtime.adminKey);
  for (const body of [
    { type: 'aws_sns', config: { topic_arn: 'arn:aws:sns:eu-west-1:123456789012:orders' } },
    {
      type: 'aws_eventbridge',
      config: { event_bus_name: 'default', region: 'eu-west-1', source: 'com.example' },
    },
  ]) {
    const created = await http.post(`/tenants/${tenant}/destinations`, {
      ...body,
      topics: '*',
      credentials: KEYS,
    });
    expect(created.status).toBe(201);
  }
  const sqs = await admin.destinations.create(tenant, {
    type: 'aws_sqs',
    topics: '*',
    config: { queueUrl: QUEUE_URL },
    credentials: KEYS,
  });

  await expect(admin.destinations.list(tenant)).rejects.toMatchObject({ name: 'ResponseValidationError' });
  const outpostTypes = await admin.destinations.list(tenant, ['aws_sqs', 'aws_kinesis', 'aws_s3', 'webhook']);
  expect(outpostTypes.map((destination) => destination.id)).toEqual([sqs.id]);
  expect(await admin.destinations.get(tenant, sqs.id!)).toMatchObject({ type: 'aws_sqs' });
});
