import { createHash } from 'node:crypto';
import type { StorageClass } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { DestinationTypeMetadata } from '../core/destination-adapter';
import { eventDataJson, type Event, type StringMap } from '../core/model';
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
import { messageMetadata } from './aws-message-metadata';
import { evaluateTemplate, templateInput, templateSchema } from './key-template';
import type { DestinationDefinition } from './destination-transport';
import { definedOnly } from './string-maps';

export interface S3Request {
  Bucket: string;
  Key: string;
  Body: string;
  ContentType: 'application/json';
  /** Base64 SHA-256 of the body: S3 rejects the upload if the bytes it received differ. */
  ChecksumSHA256: string;
  StorageClass?: StorageClass;
  Metadata: StringMap;
}

const STORAGE_CLASSES = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
] as const;

const MAX_KEY_BYTES = 1024;

const configSchema = z
  .object({
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 of [a-z0-9.-])'),
    region: regionSchema,
    key_template: templateSchema.optional(),
    storage_class: z.enum(STORAGE_CLASSES).optional(),
    endpoint: endpointSchema.optional(),
  })
  .transform(definedOnly);

/**
 * Object keys keep S3's safe characters only (others become `_`), lose empty, `.` and `..`
 * segments (a key must not look like a path escape to tools that sync buckets to disk) and fit
 * S3's 1024 bytes.
 */
export function sanitiseKey(key: string): string {
  const segments = key
    .replace(/[^A-Za-z0-9!_.*'()/-]/g, '_')
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.' && segment !== '..');
  return segments.join('/').slice(0, MAX_KEY_BYTES);
}

function objectKey(event: Event, template: string | undefined): string {
  const input = templateInput(event);
  const templated = template === undefined ? undefined : evaluateTemplate(template, input);
  const key = sanitiseKey(templated ?? `${event.topic}/${input.time.date}/${event.id}.json`);
  return key === '' ? sanitiseKey(`${event.id}.json`) : key;
}

/** S3 user metadata travels in HTTP headers: US-ASCII values only, lower-case names. */
function objectMetadata(metadata: StringMap): StringMap {
  return Object.fromEntries(
    Object.entries(metadata)
      .filter(([, value]) => /^[\x20-\x7e]*$/.test(value))
      .map(([name, value]) => [name.toLowerCase(), value]),
  );
}

const metadata: DestinationTypeMetadata = {
  type: 'aws_s3',
  label: 'Amazon S3',
  description: 'Store each event as a JSON object in an Amazon S3 bucket.',
  icon: awsIcon('S3', '#7AA116'),
  instructions: awsInstructions({
    service: 'S3',
    actions: ['s3:PutObject'],
    resource: 'arn:aws:s3:::<bucket>/*',
    delivery: `Each event is written as one object (PutObject, \`application/json\`, with a SHA-256 checksum S3
verifies) whose content is the event's \`data\` exactly as published. The key is
\`<topic>/<YYYY-MM-DD>/<event id>.json\`, or the value of \`key_template\`, e.g.
\`join('/', [time.year, time.month, time.day, metadata."event-id"])\`. The object's user metadata
(\`x-amz-meta-*\`) carries \`event-id\`, \`topic\`, \`timestamp\` and the event's metadata. A retried
event overwrites its own object, so deliveries are idempotent per key.`,
  }),
  config_fields: [
    { key: 'bucket', type: 'text', label: 'Bucket', description: 'The bucket name.', required: true },
    REGION_FIELD,
    {
      key: 'key_template',
      type: 'text',
      label: 'Key template',
      description:
        "Optional. Object key template, e.g. join('/', [topic, time.date, id]). Default: <topic>/<date>/<event id>.json",
      required: false,
    },
    {
      key: 'storage_class',
      type: 'select',
      label: 'Storage class',
      description: 'Default: STANDARD.',
      required: false,
      options: STORAGE_CLASSES.map((value) => ({ label: value, value })),
    },
    endpointField('S3'),
  ],
  credential_fields: AWS_CREDENTIAL_FIELDS,
};

export const awsS3Adapter: DestinationDefinition<S3Request> = {
  type: 'aws_s3',
  configSchema,
  metadata,
  ...awsAdapterCommon,

  describeTarget(config) {
    return { target: `${config.bucket ?? ''} (${config.region ?? ''})`, target_url: null };
  },

  format(event, destination) {
    const { config } = destination;
    const body = eventDataJson(event);
    return {
      Bucket: config.bucket ?? '',
      Key: objectKey(event, config.key_template),
      Body: body,
      ContentType: 'application/json',
      ChecksumSHA256: createHash('sha256').update(body, 'utf8').digest('base64'),
      ...(config.storage_class !== undefined ? { StorageClass: config.storage_class as StorageClass } : {}),
      Metadata: objectMetadata(messageMetadata(event, destination)),
    };
  },
};
