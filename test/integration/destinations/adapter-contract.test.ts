import type { DestinationAdapter, DestinationField } from '../../../lambdas/core/destination-adapter';
import type { Destination, Event, StringMap } from '../../../lambdas/core/model';
import { DESTINATION_ADAPTERS } from '../../../lambdas/destinations/registry';

/**
 * The contract every registered destination type keeps, checked for each entry of the registry: a
 * new type joins these tests by its registry line plus a sample below.
 */

const AWS_KEYS = {
  key: 'AKIAIOSFODNN7EXAMPLE',
  secret: 'sample-secret-value',
  session: 'sample-session-token',
};

/** A valid destination of each type. A registered type without one fails the "has a sample" test. */
const SAMPLES: Record<string, { config: StringMap; credentials: StringMap }> = {
  webhook: {
    config: { url: 'https://example.com/hook' },
    credentials: { secret: 'whsec_c2FtcGxlLXNlY3JldC1zYW1wbGUtc2VjcmV0' },
  },
  aws_sqs: {
    config: { queue_url: 'https://sqs.us-east-1.amazonaws.com/123456789012/q' },
    credentials: AWS_KEYS,
  },
  aws_sns: { config: { topic_arn: 'arn:aws:sns:us-east-1:123456789012:t' }, credentials: AWS_KEYS },
  aws_eventbridge: {
    config: { event_bus_name: 'default', region: 'us-east-1', source: 'com.example' },
    credentials: AWS_KEYS,
  },
  aws_kinesis: { config: { stream_name: 's', region: 'us-east-1' }, credentials: AWS_KEYS },
  aws_s3: { config: { bucket: 'my-bucket', region: 'us-east-1' }, credentials: AWS_KEYS },
  rabbitmq: {
    config: { server_url: 'localhost:5672', exchange: 'events' },
    credentials: { username: 'guest', password: 'sample-password' },
  },
  kafka: {
    config: { brokers: 'localhost:9092', topic: 'events', sasl_mechanism: 'plain' },
    credentials: { username: 'user', password: 'sample-password' },
  },
  gcp_pubsub: {
    config: { project_id: 'my-project', topic: 'events', endpoint: 'localhost:8085' },
    credentials: {},
  },
};

/** Sensitive fields a type deliberately shows (Outpost shows the webhook secret: tenants verify with it). */
const SHOWN_BY_DESIGN: Record<string, string[]> = { webhook: ['secret'] };

const FIELD_TYPES = ['text', 'checkbox', 'key_value_map', 'select'];

const event: Event = {
  id: 'evt_contract_1',
  tenant_id: 't1',
  topic: 'user.created',
  time: '2025-01-02T03:04:05.000Z',
  eligible_for_retry: true,
  metadata: { source: 'crm' },
  data: { user_id: 'u_1', name: 'Zoë', list: [1, 2.5] },
  matched_destination_ids: ['des_1'],
};

function destinationOf(adapter: DestinationAdapter): Destination {
  const sample = SAMPLES[adapter.type]!;
  return {
    id: 'des_1',
    tenant_id: 't1',
    type: adapter.type,
    topics: '*',
    filter: null,
    config: sample.config,
    credentials: sample.credentials,
    delivery_metadata: null,
    metadata: null,
    disabled_at: null,
    created_at: event.time,
    updated_at: event.time,
  };
}

/** A request as text: Buffers and byte arrays read as UTF-8 so their content can be searched. */
function asText(request: unknown): string {
  return JSON.stringify(request, (_key, value: unknown) =>
    value instanceof Uint8Array ||
    (typeof value === 'object' && value !== null && (value as { type?: string }).type === 'Buffer')
      ? Buffer.from(value instanceof Uint8Array ? value : (value as { data: number[] }).data).toString('utf8')
      : value,
  );
}

function expectValidField(field: DestinationField): void {
  expect(typeof field.key).toBe('string');
  expect(field.key).not.toBe('');
  expect(FIELD_TYPES).toContain(field.type);
  expect(typeof field.required).toBe('boolean');
  expect(typeof field.label).toBe('string');
  if (field.sensitive !== undefined) expect(typeof field.sensitive).toBe('boolean');
  if (field.type === 'select') expect(field.options?.length).toBeGreaterThan(0);
}

describe.each(DESTINATION_ADAPTERS.map((adapter) => [adapter.type, adapter] as const))(
  '%s',
  (type, adapter) => {
    it('has a sample destination in this suite', () => {
      expect(SAMPLES[type]).toBeDefined();
    });

    it('describes itself per Outpost DestinationSchemaField', () => {
      const { metadata } = adapter;
      expect(metadata.type).toBe(type);
      for (const text of [metadata.label, metadata.description, metadata.instructions]) {
        expect(text.trim()).not.toBe('');
      }
      expect(metadata.icon).toMatch(/^<svg[\s\S]*<\/svg>$/);
      const fields = [...metadata.config_fields, ...metadata.credential_fields];
      fields.forEach(expectValidField);
      expect(new Set(metadata.config_fields.map((f) => f.key)).size).toBe(metadata.config_fields.length);
      expect(new Set(metadata.credential_fields.map((f) => f.key)).size).toBe(
        metadata.credential_fields.length,
      );
    });

    it('accepts its sample and rejects empty input naming the fields', () => {
      const sample = SAMPLES[type]!;
      expect(adapter.configSchema.safeParse(sample.config).success).toBe(true);
      expect(adapter.credentialsSchema.safeParse(sample.credentials).success).toBe(true);
      for (const [schema, fields] of [
        [adapter.configSchema, adapter.metadata.config_fields],
        [adapter.credentialsSchema, adapter.metadata.credential_fields],
      ] as const) {
        const required = fields.filter((field) => field.required).map((field) => field.key);
        const parsed = schema.safeParse({});
        if (parsed.success) {
          expect(required).toEqual([]);
          continue;
        }
        for (const issue of parsed.error.issues) expect(issue.path.length).toBeGreaterThan(0);
        const named = parsed.error.issues.map((issue) => String(issue.path[0]));
        for (const key of required) expect(named).toContain(key);
      }
    });

    it('accepts its sample config and credentials together', () => {
      const { config, credentials } = SAMPLES[type]!;
      expect(adapter.validate?.(config, credentials) ?? []).toEqual([]);
    });

    it('formats deterministically, with the data byte for byte and the event id or topic', () => {
      const destination = destinationOf(adapter);
      const ctx = { now: new Date('2025-01-02T03:04:06Z'), secretRotationGraceMs: 0 };
      const first = asText(adapter.format(event, destination, ctx));
      expect(asText(adapter.format(event, destination, ctx))).toBe(first);
      expect(first).toContain(JSON.stringify(JSON.stringify(event.data)).slice(1, -1));
      expect(first.includes(event.id) || first.includes(event.topic)).toBe(true);
    });

    it('masks every sensitive credential', () => {
      const credentials = SAMPLES[type]!.credentials;
      const masked = adapter.maskCredentials(credentials);
      const shown = SHOWN_BY_DESIGN[type] ?? [];
      for (const field of adapter.metadata.credential_fields) {
        if (!field.sensitive || shown.includes(field.key) || credentials[field.key] === undefined) continue;
        expect(masked[field.key]).not.toBe(credentials[field.key]);
        expect(JSON.stringify(masked)).not.toContain(credentials[field.key]!);
      }
    });
  },
);
