import type { Options } from 'amqplib';
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

/** What `format` builds: one AMQP basic.publish. */
export interface RabbitMqRequest {
  exchange: string;
  routingKey: string;
  body: Buffer;
  options: Options.Publish & { headers: StringMap; messageId: string };
}

const configSchema = z
  .object({
    server_url: z.string().refine(isHostPort, 'must be host:port, e.g. rabbitmq.example.com:5672'),
    exchange: z.string().min(1, 'must name an exchange'),
    tls: z.enum(['true', 'false']).optional(),
    routing_key_template: templateSchema.optional(),
  })
  .transform(definedOnly);

const credentialsSchema = z
  .object({
    username: z.string().min(1, 'is required'),
    password: z.string().min(1, 'is required'),
  })
  .transform(definedOnly);

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="currentColor"><path d="M22.2 9.6h-7.1a.9.9 0 0 1-.9-.9V1.5A1.5 1.5 0 0 0 12.7 0h-2.6a1.5 1.5 0 0 0-1.5 1.5v7a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-7A1.5 1.5 0 0 0 3.5 0H1.5A1.5 1.5 0 0 0 0 1.5v21A1.5 1.5 0 0 0 1.5 24h20.7a1.5 1.5 0 0 0 1.5-1.5v-11.4a1.5 1.5 0 0 0-1.5-1.5Zm-3.5 8.3a1.3 1.3 0 0 1-1.3 1.3h-1.9a1.3 1.3 0 0 1-1.3-1.3V16a1.3 1.3 0 0 1 1.3-1.3h1.9a1.3 1.3 0 0 1 1.3 1.3Z"/></svg>`;

const INSTRUCTIONS = `Events are published to an exchange on your RabbitMQ broker (AMQP 0-9-1), one message per event.

## Setup

1. Declare the exchange (any type) and bind your queues to it. The routing key is the event's
   topic (\`user.created\`), or the value of \`routing_key_template\` (\`data.region\`,
   \`metadata.<key>\`), so a \`topic\` exchange can route by topic patterns.
2. Create a user that may write to that exchange and enter its username and password.
3. Enter the broker's \`host:port\` (5672, or 5671 with TLS enabled).

## What you receive

- Body: the event's data as JSON, byte for byte; \`content-type: application/json\`, persistent
  (delivery mode 2), \`message-id\` = the event id (stable across retries: deduplicate on it), and
  the message's \`timestamp\` property = the event's time in unix seconds (AMQP's format).
- AMQP headers: \`event-id\`, \`topic\`, \`timestamp\` (the event's time, RFC 3339, e.g.
  \`2025-01-02T03:04:05.000Z\`), the event's metadata and the destination's delivery metadata.

## Delivery guarantees

Messages are published with publisher confirms: a delivery counts as successful only after the
broker acknowledged it. Messages are published as *mandatory*: a message that no queue is bound
to receive is returned by the broker and recorded as a failed attempt (\`unroutable\`) instead of
being silently dropped. A missing exchange fails with \`exchange_not_found\`. Both are retried on
the destination's schedule, since they usually mean the consumer's topology is not declared yet.
`;

const metadata: DestinationTypeMetadata = {
  type: 'rabbitmq',
  label: 'RabbitMQ',
  description: 'Publish events to a RabbitMQ exchange with publisher confirms.',
  icon: ICON,
  instructions: INSTRUCTIONS,
  config_fields: [
    {
      key: 'server_url',
      type: 'text',
      label: 'Server URL',
      description: 'The broker address as host:port, e.g. rabbitmq.example.com:5672.',
      required: true,
      pattern: '^[^\\s:]+:[0-9]{1,5}$',
    },
    {
      key: 'exchange',
      type: 'text',
      label: 'Exchange',
      description: 'The exchange messages are published to. It must exist.',
      required: true,
    },
    tlsField('Connect with TLS (amqps).', 'false'),
    {
      key: 'routing_key_template',
      type: 'text',
      label: 'Routing key template',
      description: 'Dotted path picking the routing key, e.g. data.region. Defaults to the event topic.',
      required: false,
    },
  ],
  credential_fields: usernamePasswordFields({ username: 'Username', password: 'Password' }, true),
};

export const rabbitmqAdapter: DestinationDefinition<RabbitMqRequest> = {
  type: 'rabbitmq',
  configSchema,
  credentialsSchema,
  metadata,
  ...plainCredentials(credentialsSchema, ['password']),

  targetProblems(config, ctx) {
    if (ctx.allowPrivateTargets || config.server_url === undefined) return [];
    const problem = hostTargetProblem(hostOf(config.server_url));
    return problem === undefined ? [] : [`config.server_url: ${problem}`];
  },

  describeTarget: (config) => ({ target: config.exchange ?? '', target_url: null }),

  format(event, destination) {
    return {
      exchange: destination.config.exchange ?? '',
      routingKey: keyFromTemplate(destination.config.routing_key_template, event, event.topic),
      body: messageBody(event),
      options: {
        headers: messageMetadata(event, destination),
        messageId: event.id,
        timestamp: Math.floor(Date.parse(event.time) / 1000),
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        persistent: true,
        mandatory: true,
      },
    };
  },
};
