import { z } from 'zod';
import type { DestinationTypeMetadata } from '../core/destination-adapter';
import type { StringMap } from '../core/model';
import type { DestinationDefinition } from './destination-transport';
import { templateSchema } from './key-template';
import {
  hostOf,
  hostTargetProblem,
  isHostPort,
  keyFromTemplate,
  messageBody,
  messageMetadata,
  plainCredentials,
  tlsField,
  usernamePasswordFields,
} from './message-fields';
import { definedOnly } from './string-maps';

/** What `format` builds: one record for one topic. */
export interface KafkaRequest {
  topic: string;
  key: string;
  value: Buffer;
  headers: StringMap;
}

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'none'] as const;

export function brokerList(value: string): string[] {
  return value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
}

const configSchema = z
  .object({
    brokers: z
      .string()
      .refine(
        (value) => brokerList(value).length > 0 && brokerList(value).every(isHostPort),
        'must be a comma-separated list of host:port',
      ),
    topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name ([A-Za-z0-9._-], 1-249)'),
    sasl_mechanism: z.enum(SASL_MECHANISMS),
    tls: z.enum(['true', 'false']).optional(),
    partition_key_template: templateSchema.optional(),
  })
  .transform(definedOnly);

// Optional in the schema because `sasl_mechanism: none` needs none; `validate` requires them with SASL.
const credentialsSchema = z
  .object({
    username: z.string().min(1, 'is required').optional(),
    password: z.string().min(1, 'is required').optional(),
  })
  .transform(definedOnly);

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"><circle cx="12" cy="4" r="2"/><circle cx="12" cy="12" r="2.5"/><circle cx="12" cy="20" r="2"/><circle cx="19" cy="8" r="2"/><circle cx="19" cy="16" r="2"/><path d="M12 6v3.5M12 14.5V18M14.2 10.8l3-1.7M14.2 13.2l3 1.7"/></svg>`;

const INSTRUCTIONS = `Events are produced to a topic on your Apache Kafka cluster (or a Kafka-compatible service such as
Confluent Cloud, Amazon MSK or Redpanda), one record per event.

## Setup

1. Create the topic (records are not sent to topics that do not exist).
2. Create a user allowed to write to it (and, for idempotent writes on Kafka < 2.8, \`IDEMPOTENT_WRITE\`
   on the cluster) and choose its SASL mechanism: \`plain\`, \`scram-sha-256\` or \`scram-sha-512\`
   (\`none\` for an unauthenticated cluster).
3. Enter the bootstrap brokers as a comma-separated \`host:port\` list. TLS is on unless you turn it off.

## What you receive

- Value: the event's data as JSON, byte for byte.
- Key: the event id, or the value of \`partition_key_template\` (\`data.customer_id\`), so that
  records with the same key land on the same partition in order.
- Headers: \`event-id\`, \`topic\`, \`timestamp\`, the event's metadata and the destination's delivery metadata.

## Delivery guarantees

Records are written with \`acks=all\` by an idempotent producer: a delivery succeeds only once every
in-sync replica has the record. Failures are retried on the destination's schedule; a record the
broker can never accept (too large, invalid) is not. \`event-id\` stays the same across retries:
deduplicate on it.
`;

const metadata: DestinationTypeMetadata = {
  type: 'kafka',
  label: 'Apache Kafka',
  description: 'Produce events to a Kafka topic (acks=all, idempotent producer).',
  icon: ICON,
  instructions: INSTRUCTIONS,
  config_fields: [
    {
      key: 'brokers',
      type: 'text',
      label: 'Brokers',
      description: 'Comma-separated bootstrap brokers, e.g. broker1:9092,broker2:9092.',
      required: true,
    },
    {
      key: 'topic',
      type: 'text',
      label: 'Topic',
      description: 'The topic records are produced to.',
      required: true,
    },
    {
      key: 'sasl_mechanism',
      type: 'select',
      label: 'SASL mechanism',
      required: true,
      options: [
        { label: 'PLAIN', value: 'plain' },
        { label: 'SCRAM-SHA-256', value: 'scram-sha-256' },
        { label: 'SCRAM-SHA-512', value: 'scram-sha-512' },
        { label: 'None', value: 'none' },
      ],
    },
    tlsField('Connect with TLS.', 'true'),
    {
      key: 'partition_key_template',
      type: 'text',
      label: 'Partition key template',
      description: 'Path picking the record key, e.g. data.customer_id. Defaults to the event id.',
      required: false,
    },
  ],
  credential_fields: usernamePasswordFields({ username: 'SASL username', password: 'SASL password' }, false),
};

export const kafkaAdapter: DestinationDefinition<KafkaRequest> = {
  type: 'kafka',
  configSchema,
  credentialsSchema,
  metadata,
  ...plainCredentials(credentialsSchema, ['password']),

  validate(config, credentials) {
    const mechanism = config.sasl_mechanism;
    if (mechanism === undefined || mechanism === 'none') return [];
    return (['username', 'password'] as const)
      .filter((field) => credentials[field] === undefined)
      .map((field) => `credentials.${field}: required when sasl_mechanism is ${mechanism}`);
  },

  targetProblems(config, ctx) {
    if (ctx.allowPrivateTargets || config.brokers === undefined) return [];
    return brokerList(config.brokers).flatMap((broker) => {
      const problem = hostTargetProblem(hostOf(broker));
      return problem === undefined ? [] : [`config.brokers: ${broker} ${problem}`];
    });
  },

  describeTarget: (config) => ({ target: config.topic ?? '', target_url: null }),

  format(event, destination) {
    return {
      topic: destination.config.topic ?? '',
      key: keyFromTemplate(destination.config.partition_key_template, event, event.id),
      value: messageBody(event),
      headers: messageMetadata(event, destination),
    };
  },
};
