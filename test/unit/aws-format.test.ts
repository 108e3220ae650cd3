import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { describeIssues } from '../../lambdas/core/destinations';
import { ValidationError } from '../../lambdas/core/errors';
import type { Destination, Event, StringMap } from '../../lambdas/core/model';
import {
  issuedExternalId,
  maskAwsCredentials,
  prepareAwsCredentials,
} from '../../lambdas/destinations/aws-credentials';
import { awsEventBridgeAdapter } from '../../lambdas/destinations/aws-eventbridge.adapter';
import { awsKinesisAdapter } from '../../lambdas/destinations/aws-kinesis.adapter';
import { awsS3Adapter } from '../../lambdas/destinations/aws-s3.adapter';
import { awsSnsAdapter } from '../../lambdas/destinations/aws-sns.adapter';
import { awsSqsAdapter } from '../../lambdas/destinations/aws-sqs.adapter';

/**
 * The AWS adapters' pure parts, type by type: `format` (body byte for byte, every metadata
 * attribute, FIFO ids, key and partition templates) and the config/credential schemas with the
 * field each rejection names.
 */

const data = { customer_id: 'c_9', name: 'Zoë', nested: { list: [1, 2.5, 'três'], flag: true } };
const body = JSON.stringify(data);

const event: Event = {
  id: 'evt_1',
  tenant_id: 't',
  topic: 'user.created',
  time: '2025-01-02T03:04:05.000Z',
  eligible_for_retry: true,
  // `topic` is reserved: the event's own topic wins over a metadata entry of that name.
  metadata: { source: 'crm', topic: 'spoofed', 'bad name!': 'dropped' },
  data,
  matched_destination_ids: [],
};

function destination(type: string, config: StringMap): Destination {
  return {
    id: 'des_1',
    tenant_id: 't',
    type,
    topics: '*',
    filter: null,
    config,
    credentials: {},
    delivery_metadata: { region: 'eu', source: 'tenant-wins' },
    metadata: null,
    disabled_at: null,
    created_at: event.time,
    updated_at: event.time,
  };
}

const ctx = { now: new Date(), secretRotationGraceMs: 0 };

/** What every SQS/SNS message and S3 object carries: reserved names first, then metadata by name. */
const metadata = {
  'event-id': 'evt_1',
  topic: 'user.created',
  timestamp: '2025-01-02T03:04:05.000Z',
  region: 'eu',
  source: 'tenant-wins',
};
const attributes = Object.fromEntries(
  Object.entries(metadata).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
);

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:orders';

describe('aws_sqs format', () => {
  it.each([
    ['standard queue', QUEUE, {}],
    [
      'FIFO queue: topic as group id, event id as deduplication id',
      `${QUEUE}.fifo`,
      { MessageGroupId: 'user.created', MessageDeduplicationId: 'evt_1' },
    ],
  ])('%s', (_name, queueUrl, fifo) => {
    const request = awsSqsAdapter.format(event, destination('aws_sqs', { queue_url: queueUrl }), ctx);
    expect(request).toEqual({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageAttributes: attributes,
      ...fifo,
    });
  });

  it.each([
    ['an id SQS accepts is kept', 'evt_ok-1', 'evt_ok-1'],
    ['a non-ASCII id is hashed', 'évt', createHash('sha256').update('évt').digest('hex')],
    [
      'an id over 128 characters is hashed',
      'x'.repeat(129),
      createHash('sha256').update('x'.repeat(129)).digest('hex'),
    ],
  ])('FIFO deduplication id: %s', (_name, id, expected) => {
    const request = awsSqsAdapter.format(
      { ...event, id },
      destination('aws_sqs', { queue_url: `${QUEUE}.fifo` }),
      ctx,
    );
    expect(request.MessageDeduplicationId).toBe(expected);
  });

  it('sends at most 10 attributes: the 3 reserved ones, then the first 7 others by name', () => {
    const many = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`m${String(i).padStart(2, '0')}`, 'v']),
    );
    const request = awsSqsAdapter.format(
      { ...event, metadata: many },
      { ...destination('aws_sqs', { queue_url: QUEUE }), delivery_metadata: {} },
      ctx,
    );
    expect(Object.keys(request.MessageAttributes!)).toEqual([
      'event-id',
      'topic',
      'timestamp',
      ...['m00', 'm01', 'm02', 'm03', 'm04', 'm05', 'm06'],
    ]);
  });
});

describe('aws_sns format', () => {
  it.each([
    ['standard topic', TOPIC, {}],
    ['FIFO topic', `${TOPIC}.fifo`, { MessageGroupId: 'user.created', MessageDeduplicationId: 'evt_1' }],
  ])('%s', (_name, topicArn, fifo) => {
    const request = awsSnsAdapter.format(event, destination('aws_sns', { topic_arn: topicArn }), ctx);
    expect(request).toEqual({ TopicArn: topicArn, Message: body, MessageAttributes: attributes, ...fifo });
  });
});

describe('aws_eventbridge format', () => {
  it.each([
    ['detail-type is the topic by default', {}, 'user.created'],
    ['detail_type_template', { detail_type_template: "join('.', ['app', topic])" }, 'app.user.created'],
    [
      'a template path that is missing falls back to the topic',
      { detail_type_template: 'data.missing' },
      'user.created',
    ],
  ])('%s', (_name, extra, detailType) => {
    const config = { event_bus_name: 'orders-bus', source: 'com.example.app', region: 'eu-west-1', ...extra };
    const request = awsEventBridgeAdapter.format(event, destination('aws_eventbridge', config), ctx);
    expect(request).toEqual({
      entry: {
        EventBusName: 'orders-bus',
        Source: 'com.example.app',
        DetailType: detailType,
        Detail: body,
        Time: new Date('2025-01-02T03:04:05.000Z'),
      },
    });
  });
});

describe('aws_kinesis format', () => {
  it.each([
    ['the event id by default', {}, 'evt_1'],
    ['partition_key_template', { partition_key_template: 'data.customer_id' }, 'c_9'],
    ['a metadata path', { partition_key_template: 'metadata."event-id"' }, 'evt_1'],
    ['a missing path falls back to the event id', { partition_key_template: 'data.missing' }, 'evt_1'],
    [
      'a key over 256 characters is hashed',
      { partition_key_template: 'data.long' },
      createHash('sha256').update('k'.repeat(300)).digest('hex'),
    ],
  ])('partition key: %s', (_name, extra, partitionKey) => {
    const config = { stream_name: 'events', region: 'eu-west-1', ...extra };
    const request = awsKinesisAdapter.format(
      { ...event, data: { ...data, long: 'k'.repeat(300) } },
      destination('aws_kinesis', config),
      ctx,
    );
    expect(request.StreamName).toBe('events');
    expect(request.PartitionKey).toBe(partitionKey);
  });

  it('record data is the event data byte for byte', () => {
    const config = { stream_name: 'events', region: 'eu-west-1' };
    const request = awsKinesisAdapter.format(event, destination('aws_kinesis', config), ctx);
    expect(Buffer.from(request.Data).equals(Buffer.from(body, 'utf8'))).toBe(true);
  });

  it('metadata_in_payload wraps the data bytes, unchanged, with every metadata entry', () => {
    const config = { stream_name: 'events', region: 'eu-west-1', metadata_in_payload: 'true' };
    const request = awsKinesisAdapter.format(event, destination('aws_kinesis', config), ctx);
    expect(Buffer.from(request.Data).toString('utf8')).toBe(
      `{"metadata":${JSON.stringify(envelopeMetadata)},"data":${body}}`,
    );
  });
});

/** What metadata_in_payload carries: no attribute limit, the three reserved names win. */
const envelopeMetadata = {
  source: 'tenant-wins',
  topic: 'user.created',
  'bad name!': 'dropped',
  region: 'eu',
  'event-id': 'evt_1',
  timestamp: '2025-01-02T03:04:05.000Z',
};

describe('metadata_in_payload', () => {
  it('EventBridge: detail wraps the data with every metadata entry', () => {
    const config = {
      event_bus_name: 'orders-bus',
      source: 'com.example.app',
      region: 'eu-west-1',
      metadata_in_payload: 'true',
    };
    const { entry } = awsEventBridgeAdapter.format(event, destination('aws_eventbridge', config), ctx);
    expect(JSON.parse(entry.Detail)).toEqual({ metadata: envelopeMetadata, data });
    expect(entry.Detail.endsWith(`"data":${body}}`)).toBe(true);
  });

  it.each([
    ['aws_kinesis', { stream_name: 'events', region: 'eu-west-1' }],
    ['aws_eventbridge', { event_bus_name: 'b', source: 's', region: 'eu-west-1' }],
  ])('%s: off unless "true"; other values refused', (type, config) => {
    const schema =
      type === 'aws_kinesis' ? awsKinesisAdapter.configSchema : awsEventBridgeAdapter.configSchema;
    expect(schema.safeParse({ ...config, metadata_in_payload: 'false' }).success).toBe(true);
    expect(schema.safeParse({ ...config, metadata_in_payload: 'yes' }).success).toBe(false);
  });
});

describe('aws_s3 format', () => {
  const s3Metadata = { ...metadata };

  it.each([
    ['<topic>/<date>/<event id>.json by default', {}, 'user.created/2025-01-02/evt_1.json'],
    [
      'key_template',
      { key_template: 'join(\'/\', [time.year, time.month, time.day, metadata."event-id"])' },
      '2025/01/02/evt_1',
    ],
    [
      'unsafe characters and dot segments are replaced or dropped',
      { key_template: "join('/', ['..', 'a b', data.name])" },
      'a_b/Zo_',
    ],
    [
      'a missing template path falls back to the default key',
      { key_template: 'data.missing' },
      'user.created/2025-01-02/evt_1.json',
    ],
  ])('key: %s', (_name, extra, key) => {
    const config = { bucket: 'events-bucket', region: 'eu-west-1', ...extra };
    const request = awsS3Adapter.format(event, destination('aws_s3', config), ctx);
    expect(request.Key).toBe(key);
  });

  it.each([
    ['no storage class unless configured', {}, {}],
    ['storage_class', { storage_class: 'STANDARD_IA' }, { StorageClass: 'STANDARD_IA' }],
  ])('object: %s', (_name, extra, storage) => {
    const config = { bucket: 'events-bucket', region: 'eu-west-1', ...extra };
    const request = awsS3Adapter.format(event, destination('aws_s3', config), ctx);
    expect(request).toEqual({
      Bucket: 'events-bucket',
      Key: 'user.created/2025-01-02/evt_1.json',
      Body: body,
      ContentType: 'application/json',
      ChecksumSHA256: createHash('sha256').update(body, 'utf8').digest('base64'),
      Metadata: s3Metadata,
      ...storage,
    });
  });

  it('leaves out metadata values S3 cannot carry as x-amz-meta-* (non-ASCII) and lowercases names', () => {
    const request = awsS3Adapter.format(
      { ...event, metadata: { Owner: 'ops', City: 'Zürich' } },
      { ...destination('aws_s3', { bucket: 'events-bucket', region: 'eu-west-1' }), delivery_metadata: {} },
      ctx,
    );
    expect(request.Metadata).toEqual({
      'event-id': 'evt_1',
      topic: 'user.created',
      timestamp: '2025-01-02T03:04:05.000Z',
      owner: 'ops',
    });
  });
});

function configProblems(schema: z.ZodType<StringMap>, config: StringMap): string[] {
  const parsed = schema.safeParse(config);
  return parsed.success ? [] : describeIssues(parsed.error.issues, ['config']);
}

const CONFIG_SCHEMAS: Record<string, z.ZodType<StringMap>> = Object.fromEntries(
  [awsSqsAdapter, awsSnsAdapter, awsEventBridgeAdapter, awsKinesisAdapter, awsS3Adapter].map((adapter) => [
    adapter.type,
    adapter.configSchema,
  ]),
);

describe('config schemas (rejections name their fields)', () => {
  it.each([
    ['aws_sqs', { queue_url: QUEUE }, []],
    ['aws_sqs', { queue_url: `${QUEUE}.fifo`, endpoint: 'http://127.0.0.1:4566' }, []],
    ['aws_sqs', { queue_url: 'https://example.com/q' }, ['config.queue_url']],
    ['aws_sqs', { queue_url: QUEUE, endpoint: 'ftp://x' }, ['config.endpoint']],
    ['aws_sns', { topic_arn: TOPIC }, []],
    ['aws_sns', { topic_arn: 'arn:aws:sqs:eu-west-1:123456789012:orders' }, ['config.topic_arn']],
    [
      'aws_eventbridge',
      { event_bus_name: 'arn:aws:events:eu-west-1:123456789012:event-bus/b', source: 'app' },
      [],
    ],
    ['aws_eventbridge', { event_bus_name: 'b', source: 'app' }, ['config.region']],
    ['aws_eventbridge', { event_bus_name: 'b', source: 'aws.s3', region: 'eu-west-1' }, ['config.source']],
    [
      'aws_eventbridge',
      { event_bus_name: 'b', source: 'app', region: 'eu-west-1', detail_type_template: 'join(' },
      ['config.detail_type_template'],
    ],
    ['aws_kinesis', { stream_name: 'events', region: 'eu-west-1' }, []],
    ['aws_kinesis', { stream_name: 'bad/name', region: 'eu-west-1' }, ['config.stream_name']],
    ['aws_kinesis', { stream_name: 'events', region: 'europe' }, ['config.region']],
    [
      'aws_kinesis',
      { stream_name: 'events', region: 'eu-west-1', partition_key_template: 'data.' },
      ['config.partition_key_template'],
    ],
    ['aws_s3', { bucket: 'events-bucket', region: 'eu-west-1', storage_class: 'GLACIER_IR' }, []],
    ['aws_s3', { bucket: 'Events_Bucket', region: 'eu-west-1' }, ['config.bucket']],
    [
      'aws_s3',
      { bucket: 'events-bucket', region: 'eu-west-1', storage_class: 'COLD' },
      ['config.storage_class'],
    ],
    ['aws_s3', { bucket: 'events-bucket' }, ['config.region']],
  ])('%s %#', (type, config, fields) => {
    const problems = configProblems(CONFIG_SCHEMAS[type]!, config);
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(fields);
  });

  it('drops optional fields that were not given, so what is stored has no undefined values', () => {
    const parsed = awsSqsAdapter.configSchema.parse({
      queue_url: QUEUE,
      endpoint: undefined,
    } as unknown as StringMap);
    expect(parsed).toEqual({ queue_url: QUEUE });
  });
});

const TENANT = { tenantId: 'acme', deploymentId: 'destinations-table' };
const ISSUED = issuedExternalId(TENANT.tenantId, TENANT.deploymentId);
const ROLE = { role_arn: 'arn:aws:iam::123456789012:role/event-delivery' };
const KEYS = { key: 'AKIAIOSFODNN7EXAMPLE', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

function credentialProblems(input: StringMap, existing: StringMap | null = null): string[] {
  try {
    prepareAwsCredentials(input, existing, TENANT);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).data as string[];
  }
}

describe('credential schema', () => {
  it.each([
    ['role (the external id is filled in)', ROLE, []],
    ['role with the issued external id', { ...ROLE, external_id: ISSUED }, []],
    ['static keys', KEYS, []],
    ['static keys with a session token', { ...KEYS, session: 'token' }, []],
    ['nothing', {}, ['credentials.role_arn', 'credentials.key']],
    [
      'role with an external id of its own choosing',
      { ...ROLE, external_id: 'ext-1234' },
      ['credentials.external_id'],
    ],
    ['external id without role', { external_id: ISSUED }, ['credentials.role_arn']],
    ['key without secret', { key: KEYS.key }, ['credentials.secret']],
    ['secret without key', { secret: KEYS.secret }, ['credentials.key']],
    ['both ways at once', { ...ROLE, ...KEYS }, ['credentials.role_arn']],
    ['not a role ARN', { role_arn: 'arn:aws:iam::123456789012:user/bob' }, ['credentials.role_arn']],
    ['not an access key id', { ...KEYS, key: 'not a key!' }, ['credentials.key']],
  ])('%s', (_name, input, fields) => {
    expect(credentialProblems(input).map((problem) => problem.split(':')[0])).toEqual(fields);
  });

  it('names the issued external id when another one is given', () => {
    expect(credentialProblems({ ...ROLE, external_id: 'ext-1234' })).toEqual([
      expect.stringMatching(new RegExp(`^credentials\\.external_id: must be ${ISSUED}, `)),
    ]);
  });

  it('issues one external id per tenant and per deployment, stable across calls', () => {
    expect(ISSUED).toMatch(/^ed-[0-9a-f]{32}$/);
    expect(issuedExternalId('acme', 'destinations-table')).toBe(ISSUED);
    expect(issuedExternalId('globex', 'destinations-table')).not.toBe(ISSUED);
    expect(issuedExternalId('acme', 'another-deployment')).not.toBe(ISSUED);
  });

  it('stores the issued external id with the role and shows it, with an empty key and secret for the SDK', () => {
    const stored = prepareAwsCredentials(ROLE, null, TENANT);
    expect(stored).toEqual({ ...ROLE, external_id: ISSUED });
    expect(maskAwsCredentials(stored)).toEqual({ key: '', secret: '', ...ROLE, external_id: ISSUED });
    expect(maskAwsCredentials({ ...KEYS, session: 'token' })).toEqual({
      key: '********MPLE',
      secret: '********',
      session: '********',
    });
  });

  it('keeps the stored values when the shown ones come back (read-modify-write), and takes new ones', () => {
    const stored = prepareAwsCredentials({ ...KEYS, session: 'token' }, null, TENANT);
    const shown = maskAwsCredentials(stored);
    expect(prepareAwsCredentials(shown, stored, TENANT)).toEqual(stored);
    expect(prepareAwsCredentials({ ...shown, session: 'new-token' }, stored, TENANT)).toEqual({
      ...stored,
      session: 'new-token',
    });
    // A masked value means nothing without a stored one: it is validated as given.
    expect(credentialProblems(shown)).toContain('credentials.key: must be an AWS access key id');

    const role = prepareAwsCredentials(ROLE, null, TENANT);
    expect(prepareAwsCredentials(maskAwsCredentials(role), role, TENANT)).toEqual(role);
  });

  it('switches between a role and keys with a merge patch that removes the other fields', () => {
    const role = prepareAwsCredentials(ROLE, null, TENANT);
    // What the API merge-patches: the stored role, role_arn removed, keys added.
    const { role_arn: _removed, ...withoutRole } = role;
    expect(prepareAwsCredentials({ ...withoutRole, ...KEYS }, role, TENANT)).toEqual(KEYS);
    expect(prepareAwsCredentials(ROLE, KEYS, TENANT)).toEqual(role);
  });
});
