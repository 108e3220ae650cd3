import { createHash } from 'node:crypto';
import type { SendMessageCommandInput } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { DestinationTypeMetadata } from '../core/destination-adapter';
import { eventDataJson, type Event } from '../core/model';
import { AWS_CREDENTIAL_FIELDS } from './aws-credentials';
import {
  awsAdapterCommon,
  awsIcon,
  awsInstructions,
  endpointField,
  endpointSchema,
} from './aws-adapter-common';
import type { DestinationDefinition } from './destination-transport';
import { messageMetadata, stringAttributes } from './aws-message-metadata';
import { definedOnly } from './string-maps';

export type SqsRequest = SendMessageCommandInput & { QueueUrl: string; MessageBody: string };

/** `https://sqs.<region>.amazonaws.com/...`, the legacy `<region>.queue.amazonaws.com`, and emulators alike. */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  try {
    const host = new URL(queueUrl).hostname;
    return /^sqs\.([a-z0-9-]+)\./.exec(host)?.[1] ?? /^([a-z]{2}-[a-z]+-\d+)\.queue\./.exec(host)?.[1];
  } catch {
    return undefined;
  }
}

const configSchema = z
  .object({
    queue_url: z
      .string()
      .refine(
        (value) => regionOfQueueUrl(value) !== undefined && new URL(value).pathname.split('/').length === 3,
        'must be a queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/my-queue',
      ),
    endpoint: endpointSchema.optional(),
  })
  .transform(definedOnly);

/** FIFO queues deduplicate on this id for 5 minutes: a retried event is not stored twice. */
export function deduplicationId(eventId: string): string {
  return /^[\x21-\x7e]{1,128}$/.test(eventId) ? eventId : createHash('sha256').update(eventId).digest('hex');
}

export function isFifo(name: string): boolean {
  return name.endsWith('.fifo');
}

/** Ordering within a FIFO queue or topic is per topic: events of one topic arrive in order. */
export function fifoFields(event: Event): { MessageGroupId: string; MessageDeduplicationId: string } {
  return { MessageGroupId: event.topic.slice(0, 128), MessageDeduplicationId: deduplicationId(event.id) };
}

const metadata: DestinationTypeMetadata = {
  type: 'aws_sqs',
  label: 'Amazon SQS',
  description: 'Send events as messages to an Amazon SQS queue (standard or FIFO).',
  icon: awsIcon('SQS', '#E7157B'),
  instructions: awsInstructions({
    service: 'SQS',
    actions: ['sqs:SendMessage'],
    resource: 'arn:aws:sqs:<region>:<account>:<queue name>',
    delivery: `Each event becomes one SQS message. The message body is the event's \`data\` as JSON, exactly
as published. Message attributes (String): \`event-id\`, \`topic\`, \`timestamp\`, then the event's
metadata and the destination's delivery metadata (at most 10 attributes in all, SQS's limit).
FIFO queues (\`.fifo\`) get the topic as \`MessageGroupId\` and the event id as
\`MessageDeduplicationId\`, so a retried event is stored once. Deliveries are at least once: use
\`event-id\` to ignore duplicates on standard queues. A queue encrypted with a customer managed KMS key
also needs \`kms:GenerateDataKey\` and \`kms:Decrypt\` on that key.`,
  }),
  config_fields: [
    {
      key: 'queue_url',
      type: 'text',
      label: 'Queue URL',
      description: 'e.g. https://sqs.us-east-1.amazonaws.com/123456789012/my-queue',
      required: true,
    },
    endpointField('SQS'),
  ],
  credential_fields: AWS_CREDENTIAL_FIELDS,
};

export const awsSqsAdapter: DestinationDefinition<SqsRequest> = {
  type: 'aws_sqs',
  configSchema,
  metadata,
  ...awsAdapterCommon,

  describeTarget(config) {
    const url = config.queue_url ?? '';
    return { target: url.split('/').pop() ?? url, target_url: url === '' ? null : url };
  },

  format(event, destination) {
    const queueUrl = destination.config.queue_url ?? '';
    return {
      QueueUrl: queueUrl,
      MessageBody: eventDataJson(event),
      MessageAttributes: stringAttributes(messageMetadata(event, destination)),
      ...(isFifo(queueUrl) ? fifoFields(event) : {}),
    };
  },
};
