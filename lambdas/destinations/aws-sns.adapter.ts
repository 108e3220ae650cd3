import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { z } from 'zod';
import type { DestinationTypeMetadata } from '../core/destination-adapter';
import { eventDataJson } from '../core/model';
import {
  awsAdapterCommon,
  awsIcon,
  awsInstructions,
  endpointField,
  endpointSchema,
} from './aws-adapter-common';
import { AWS_CREDENTIAL_FIELDS } from './aws-credentials';
import { messageMetadata, stringAttributes } from './aws-message-metadata';
import { fifoFields, isFifo } from './aws-sqs.adapter';
import type { DestinationDefinition } from './destination-transport';
import { definedOnly } from './string-maps';

export type SnsRequest = PublishCommandInput & { TopicArn: string; Message: string };

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[\w-]{1,256}(\.fifo)?$/;

const configSchema = z
  .object({
    topic_arn: z
      .string()
      .regex(TOPIC_ARN, 'must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:my-topic'),
    endpoint: endpointSchema.optional(),
  })
  .transform(definedOnly);

/** The region named in the topic ARN. */
export function regionOfTopicArn(arn: string): string | undefined {
  return TOPIC_ARN.exec(arn)?.[1];
}

const metadata: DestinationTypeMetadata = {
  type: 'aws_sns',
  label: 'Amazon SNS',
  description:
    'Publish events to an Amazon SNS topic (standard or FIFO) and fan them out to its subscribers.',
  icon: awsIcon('SNS', '#E7157B'),
  instructions: awsInstructions({
    service: 'SNS',
    actions: ['sns:Publish'],
    resource: 'arn:aws:sns:<region>:<account>:<topic name>',
    delivery: `Each event is published as one SNS message whose \`Message\` is the event's \`data\` as JSON,
exactly as published. Message attributes (String): \`event-id\`, \`topic\`, \`timestamp\`, then the
event's metadata and the destination's delivery metadata (at most 10, so that SQS subscribers
receive them all). Subscribe an SQS queue with raw message delivery to receive the body unchanged.
FIFO topics get the topic as \`MessageGroupId\` and the event id as \`MessageDeduplicationId\`.`,
  }),
  config_fields: [
    {
      key: 'topic_arn',
      type: 'text',
      label: 'Topic ARN',
      description: 'e.g. arn:aws:sns:us-east-1:123456789012:my-topic',
      required: true,
      pattern: TOPIC_ARN.source,
    },
    endpointField('SNS'),
  ],
  credential_fields: AWS_CREDENTIAL_FIELDS,
};

export const awsSnsAdapter: DestinationDefinition<SnsRequest> = {
  type: 'aws_sns',
  configSchema,
  metadata,
  ...awsAdapterCommon,

  describeTarget(config) {
    const arn = config.topic_arn ?? '';
    return { target: arn.split(':').pop() ?? arn, target_url: null };
  },

  format(event, destination) {
    const topicArn = destination.config.topic_arn ?? '';
    return {
      TopicArn: topicArn,
      Message: eventDataJson(event),
      MessageAttributes: stringAttributes(messageMetadata(event, destination)),
      ...(isFifo(topicArn) ? fifoFields(event) : {}),
    };
  },
};
