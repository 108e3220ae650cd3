import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DestinationTypeMetadata } from '../core/destination-adapter';
import { eventDataJson } from '../core/model';
import {
  awsAdapterCommon,
  awsIcon,
  awsInstructions,
  endpointField,
  endpointSchema,
  REGION_FIELD,
  regionSchema,
} from './aws-adapter-common';
import { AWS_CREDENTIAL_FIELDS } from './aws-credentials';
import { metadataInPayloadField, metadataInPayloadSchema, withMetadata } from './aws-message-metadata';
import { evaluateTemplate, templateInput, templateSchema } from './key-template';
import type { DestinationDefinition } from './destination-transport';
import { definedOnly } from './string-maps';

export interface KinesisRequest {
  StreamName: string;
  PartitionKey: string;
  Data: Uint8Array;
}

const MAX_PARTITION_KEY = 256;

const configSchema = z
  .object({
    stream_name: z.string().regex(/^[\w.-]{1,128}$/, 'must be a stream name (1-128 of [A-Za-z0-9_.-])'),
    region: regionSchema,
    partition_key_template: templateSchema.optional(),
    metadata_in_payload: metadataInPayloadSchema,
    endpoint: endpointSchema.optional(),
  })
  .transform(definedOnly);

/** Kinesis caps partition keys at 256 characters; a longer key is replaced by its hash (still stable). */
function fitPartitionKey(key: string): string {
  return key.length <= MAX_PARTITION_KEY ? key : createHash('sha256').update(key).digest('hex');
}

const metadata: DestinationTypeMetadata = {
  type: 'aws_kinesis',
  label: 'Amazon Kinesis Data Streams',
  description: 'Put events as records on an Amazon Kinesis data stream.',
  icon: awsIcon('KDS', '#8C4FFF'),
  instructions: awsInstructions({
    service: 'Kinesis',
    actions: ['kinesis:PutRecord'],
    resource: 'arn:aws:kinesis:<region>:<account>:stream/<stream name>',
    delivery: `Each event becomes one record (PutRecord) whose data is the event's \`data\` as JSON, exactly as
published. The partition key is the event id, or the value of \`partition_key_template\` (e.g.
\`data."user_id"\` to keep one user's events in order on one shard; the event id when the path is
missing). Records carry no attributes: with \`metadata_in_payload\` on, the record is
\`{"metadata": {"event-id", "topic", "timestamp", ...}, "data": <data>}\` (Outpost's format), the data
inside still byte for byte.`,
  }),
  config_fields: [
    {
      key: 'stream_name',
      type: 'text',
      label: 'Stream name',
      description: 'e.g. my-data-stream',
      required: true,
    },
    REGION_FIELD,
    {
      key: 'partition_key_template',
      type: 'text',
      label: 'Partition key template',
      description:
        'Optional. JMESPath-style path to the partition key, e.g. data."user_id". Default: the event id.',
      required: false,
    },
    metadataInPayloadField('the record'),
    endpointField('Kinesis'),
  ],
  credential_fields: AWS_CREDENTIAL_FIELDS,
};

export const awsKinesisAdapter: DestinationDefinition<KinesisRequest> = {
  type: 'aws_kinesis',
  configSchema,
  metadata,
  ...awsAdapterCommon,

  describeTarget(config) {
    return { target: `${config.stream_name ?? ''} (${config.region ?? ''})`, target_url: null };
  },

  format(event, destination) {
    const template = destination.config.partition_key_template;
    const key =
      (template !== undefined ? evaluateTemplate(template, templateInput(event)) : undefined) ?? event.id;
    const record = {
      StreamName: destination.config.stream_name ?? '',
      PartitionKey: fitPartitionKey(key),
      Data: Buffer.from(eventDataJson(event), 'utf8'),
    };
    if (destination.config.metadata_in_payload !== 'true') return record;
    return { ...record, Data: withMetadata(Buffer.from(record.Data), event, destination) };
  },
};
