import { Outpost } from '@hookdeck/outpost-sdk';
import { startLocalRuntime, type LocalRuntime } from '../../../local/runtime';
import { apiClient } from '../../support/api-client';

/**
 * aws_sqs, aws_kinesis and aws_s3 (the AWS types Outpost also has) through Outpost's own SDK (1.6.0):
 * create, get, list and update run the SDK's request and response validation, so a field with a
 * wrong name or type fails here. Outpost's schema knows only static keys for these types; a
 * role-only destination (role_arn + external_id, this system's recommended way) is created over plain
 * HTTP and the test pins down what the SDK then does with it (docs/destinations.md, "Outpost SDK").
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

it('role-only aws_sqs destinations work over plain HTTP; the SDK refuses them, as its schema requires key and secret', async () => {
  const http = apiClient(runtime.apiUrl, runtime.adminKey);
  const role = { role_arn: 'arn:aws:iam::123456789012:role/event-delivery', external_id: 'ext-1234' };
  const created = await http.post<{ id: string; credentials: Record<string, string> }>(
    `/tenants/${TENANT}/destinations`,
    { type: 'aws_sqs', topics: '*', config: { queue_url: QUEUE_URL }, credentials: role },
  );
  expect(created.status).toBe(201);
  expect(created.body.credentials).toEqual(role);

  await expect(admin.destinations.get(TENANT, created.body.id)).rejects.toMatchObject({
    name: 'ResponseValidationError',
  });
  await expect(admin.destinations.list(TENANT)).rejects.toMatchObject({ name: 'ResponseValidationError' });
  await http.delete(`/tenants/${TENANT}/destinations/${created.body.id}`);
  expect((await admin.destinations.list(TENANT)).length).toBeGreaterThan(0);
});
