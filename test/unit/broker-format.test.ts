import type { Destination, Event } from '../../lambdas/core/model';
import { gcpPubSubAdapter } from '../../lambdas/destinations/gcp-pubsub.adapter';
import { kafkaAdapter } from '../../lambdas/destinations/kafka.adapter';
import { MASKED } from '../../lambdas/destinations/message-fields';
import { rabbitmqAdapter } from '../../lambdas/destinations/rabbitmq.adapter';

/** The broker adapters' pure parts: format, config/credential schemas, masking. */

const event: Event = {
  id: 'evt_1',
  tenant_id: 't',
  topic: 'user.created',
  time: '2025-01-02T03:04:05.000Z',
  eligible_for_retry: true,
  metadata: { source: 'crm', topic: 'spoofed' },
  data: { customer_id: 'c_9', name: 'Zoë' },
  matched_destination_ids: [],
};

function destination(type: string, config: Record<string, string>): Destination {
  return {
    id: 'des_1',
    tenant_id: 't',
    type,
    topics: '*',
    filter: null,
    config,
    credentials: {},
    delivery_metadata: { region: 'eu' },
    metadata: null,
    disabled_at: null,
    created_at: event.time,
    updated_at: event.time,
  };
}

const expectedMetadata = {
  source: 'crm',
  region: 'eu',
  'event-id': 'evt_1',
  topic: 'user.created',
  timestamp: '2025-01-02T03:04:05.000Z',
};
const ctx = { now: new Date(), secretRotationGraceMs: 0 };

it.each([
  ['rabbitmq', {}, 'user.created'],
  ['rabbitmq', { routing_key_template: 'data.customer_id' }, 'c_9'],
  ['rabbitmq', { routing_key_template: 'data.missing' }, 'user.created'],
])('rabbitmq format %#: routing key, body, headers', (type, extra, routingKey) => {
  const request = rabbitmqAdapter.format(event, destination(type, { exchange: 'x', ...extra }), ctx);
  expect(request.routingKey).toBe(routingKey);
  expect(request.body.toString()).toBe(JSON.stringify(event.data));
  expect(request.options).toMatchObject({
    headers: expectedMetadata,
    messageId: 'evt_1',
    persistent: true,
    mandatory: true,
  });
});

it.each([
  [{}, 'evt_1'],
  [{ partition_key_template: 'data.customer_id' }, 'c_9'],
])('kafka format %#: key, value, headers', (extra, key) => {
  const request = kafkaAdapter.format(event, destination('kafka', { topic: 'events', ...extra }), ctx);
  expect(request).toEqual({
    topic: 'events',
    key,
    value: Buffer.from(JSON.stringify(event.data)),
    headers: expectedMetadata,
  });
});

it('gcp_pubsub format: data and attributes', () => {
  const request = gcpPubSubAdapter.format(event, destination('gcp_pubsub', { topic: 'events' }), ctx);
  expect(request).toEqual({
    topic: 'events',
    data: Buffer.from(JSON.stringify(event.data)),
    attributes: expectedMetadata,
  });
});

it.each([
  [rabbitmqAdapter, { server_url: 'mq:5672', exchange: 'x' }, true],
  [rabbitmqAdapter, { server_url: 'amqp://mq', exchange: 'x' }, false],
  [rabbitmqAdapter, { server_url: 'mq:5672', exchange: 'x', routing_key_template: 'data.' }, false],
  [kafkaAdapter, { brokers: 'a:9092, b:9092', topic: 'events', sasl_mechanism: 'plain' }, true],
  [kafkaAdapter, { brokers: 'a', topic: 'events', sasl_mechanism: 'plain' }, false],
  [kafkaAdapter, { brokers: 'a:9092', topic: 'events', sasl_mechanism: 'gssapi' }, false],
  [gcpPubSubAdapter, { project_id: 'demo-project', topic: 'events' }, true],
  [gcpPubSubAdapter, { project_id: 'demo-project', topic: 'projects/p/topics/events' }, false],
])('config schema %#', (adapter, config, valid) => {
  expect(adapter.configSchema.safeParse(config).success).toBe(valid);
});

it('keeps the stored password when the masked value comes back, and masks it on read', () => {
  const stored = rabbitmqAdapter.prepareCredentials({ username: 'u', password: 'p' }, null, {
    now: new Date(),
    isAdmin: true,
  });
  expect(rabbitmqAdapter.maskCredentials(stored)).toEqual({ username: 'u', password: MASKED });
  const again = rabbitmqAdapter.prepareCredentials({ username: 'u', password: MASKED }, stored, {
    now: new Date(),
    isAdmin: true,
  });
  expect(again).toEqual({ username: 'u', password: 'p' });
  expect(() =>
    gcpPubSubAdapter.prepareCredentials({ service_account_json: '{}' }, null, {
      now: new Date(),
      isAdmin: true,
    }),
  ).toThrow();
});

it('deployed mode refuses loopback broker hosts; local mode allows them', () => {
  const config = { server_url: '127.0.0.1:5672', exchange: 'x' };
  expect(rabbitmqAdapter.targetProblems!(config, { allowPrivateTargets: false })).toHaveLength(1);
  expect(rabbitmqAdapter.targetProblems!(config, { allowPrivateTargets: true })).toEqual([]);
  expect(
    kafkaAdapter.targetProblems!(
      { brokers: 'kafka.example.com:9092,localhost:9092' },
      { allowPrivateTargets: false },
    ),
  ).toHaveLength(1);
});

it('deployed mode refuses a Pub/Sub endpoint (the emulator mode) whatever its host; local mode takes it', () => {
  for (const endpoint of ['localhost:8085', 'pubsub.example.com:443', 'https://169.254.169.254']) {
    expect(gcpPubSubAdapter.targetProblems!({ endpoint }, { allowPrivateTargets: false })).toEqual([
      expect.stringMatching(/^config\.endpoint: is for the Pub\/Sub emulator/),
    ]);
    expect(gcpPubSubAdapter.targetProblems!({ endpoint }, { allowPrivateTargets: true })).toEqual([]);
  }
  expect(gcpPubSubAdapter.targetProblems!({ topic: 't' }, { allowPrivateTargets: false })).toEqual([]);
});

describe('config and credentials checked together', () => {
  const kafka = { brokers: 'a:9092', topic: 'events' };
  it.each([
    [
      'kafka: SASL with both',
      kafkaAdapter,
      { ...kafka, sasl_mechanism: 'plain' },
      { username: 'u', password: 'p' },
      [],
    ],
    [
      'kafka: SASL without credentials',
      kafkaAdapter,
      { ...kafka, sasl_mechanism: 'plain' },
      {},
      [
        'credentials.username: required when sasl_mechanism is plain',
        'credentials.password: required when sasl_mechanism is plain',
      ],
    ],
    [
      'kafka: SCRAM without a password',
      kafkaAdapter,
      { ...kafka, sasl_mechanism: 'scram-sha-512' },
      { username: 'u' },
      ['credentials.password: required when sasl_mechanism is scram-sha-512'],
    ],
    ['kafka: no SASL, no credentials', kafkaAdapter, { ...kafka, sasl_mechanism: 'none' }, {}, []],
    [
      'pubsub: neither key nor endpoint',
      gcpPubSubAdapter,
      { project_id: 'demo-project', topic: 'events' },
      {},
      ['credentials.service_account_json: required unless config.endpoint (an emulator) is set'],
    ],
    [
      'pubsub: emulator endpoint, no key',
      gcpPubSubAdapter,
      { project_id: 'demo-project', topic: 'events', endpoint: 'localhost:8085' },
      {},
      [],
    ],
  ])('%s', (_name, adapter, config, credentials, problems) => {
    expect(adapter.validate!(config, credentials)).toEqual(problems);
  });
});

it('shows an absent Pub/Sub key as empty (the SDK requires the field), and takes an empty one back as not given', () => {
  const ctx = { now: new Date(), isAdmin: false };
  expect(gcpPubSubAdapter.maskCredentials({})).toEqual({ service_account_json: '' });
  expect(gcpPubSubAdapter.prepareCredentials({ service_account_json: '' }, {}, ctx)).toEqual({});
});

it('the RabbitMQ instructions state the timestamp header and property as format sends them', () => {
  const request = rabbitmqAdapter.format(
    event,
    destination('rabbitmq', { server_url: 'h:5672', exchange: 'x' }),
    { now: new Date(), secretRotationGraceMs: 0 },
  );
  expect(request.options.headers.timestamp).toBe('2025-01-02T03:04:05.000Z');
  expect(request.options.timestamp).toBe(Date.parse('2025-01-02T03:04:05.000Z') / 1000);
  const { instructions } = rabbitmqAdapter.metadata;
  expect(instructions).toContain("`timestamp` (the event's time, RFC 3339");
  expect(instructions).toContain("the message's `timestamp` property = the event's time in unix seconds");
});
