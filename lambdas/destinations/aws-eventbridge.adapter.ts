import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import type { DestinationTypeMetadata } from '../core/destination-adapter';
import { eventDataJson } from '../core/model';
import {
  awsAdapterCommon,
  awsIcon,
  awsInstructions,
  endpointField,
  endpointSchema,
  regionSchema,
} from './aws-adapter-common';
import { AWS_CREDENTIAL_FIELDS } from './aws-credentials';
import { metadataInPayloadField, metadataInPayloadSchema, withMetadata } from './aws-message-metadata';
import { evaluateTemplate, templateInput, templateSchema } from './key-template';
import type { DestinationDefinition } from './destination-transport';
import { definedOnly } from './string-maps';

export interface EventBridgeRequest {
  entry: PutEventsRequestEntry & { Detail: string; Source: string; DetailType: string };
}

const BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):\d{12}:event-bus\/[\w.\-/]{1,256}$/;
const BUS_NAME = /^[\w.\-/]{1,256}$/;

const configSchema = z
  .object({
    event_bus_name: z
      .string()
      .refine(
        (value) => BUS_ARN.test(value) || BUS_NAME.test(value),
        'must be an event bus name or ARN (arn:aws:events:<region>:<account>:event-bus/<name>)',
      ),
    source: z
      .string()
      .min(1, 'must not be empty')
      .max(256)
      .refine((value) => !value.startsWith('aws.'), 'must not start with "aws." (reserved for AWS services)'),
    detail_type_template: templateSchema.optional(),
    metadata_in_payload: metadataInPayloadSchema,
    region: regionSchema.optional(),
    endpoint: endpointSchema.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.region === undefined && !BUS_ARN.test(value.event_bus_name)) {
      ctx.addIssue({ code: 'custom', path: ['region'], message: 'required unless event_bus_name is an ARN' });
    }
  })
  .transform(definedOnly);

/** The region named when the event bus is given as an ARN. */
export function regionOfEventBus(nameOrArn: string): string | undefined {
  return BUS_ARN.exec(nameOrArn)?.[1];
}

const metadata: DestinationTypeMetadata = {
  type: 'aws_eventbridge',
  label: 'Amazon EventBridge',
  description: 'Put events on an Amazon EventBridge event bus and route them with rules.',
  icon: awsIcon('EB', '#E7157B'),
  instructions: awsInstructions({
    service: 'EventBridge',
    actions: ['events:PutEvents'],
    resource: 'arn:aws:events:<region>:<account>:event-bus/<bus name>',
    delivery: `Each event becomes one EventBridge event (PutEvents): \`detail\` is the event's \`data\` exactly
as published, \`source\` is the configured source, \`detail-type\` is the event's topic (or the
\`detail_type_template\`, e.g. \`join('.', ['myapp', topic])\`), and \`time\` is the event's time.
Match them with a rule such as \`{"source": ["<your source>"], "detail-type": ["user.created"]}\`.
With \`metadata_in_payload\` on, \`detail\` is \`{"metadata": {"event-id", "topic", "timestamp", ...},
"data": <data>}\`, so rules can match metadata too, e.g. \`{"detail": {"metadata": {"region": ["eu"]}}}\`
(EventBridge assigns its own event \`id\`; \`detail.metadata.event-id\` is the event's).
A per-entry failure (\`FailedEntryCount\`) is a failed attempt with that entry's error code.`,
  }),
  config_fields: [
    {
      key: 'event_bus_name',
      type: 'text',
      label: 'Event bus',
      description: 'The event bus name (e.g. default) or ARN.',
      required: true,
    },
    {
      key: 'source',
      type: 'text',
      label: 'Source',
      description: 'The source of the EventBridge events, e.g. com.example.myapp.',
      required: true,
      maxlength: 256,
    },
    {
      key: 'detail_type_template',
      type: 'text',
      label: 'Detail type template',
      description:
        "Optional. Template of the detail-type (default: the event's topic), e.g. join('.', ['app', topic]).",
      required: false,
    },
    {
      key: 'region',
      type: 'text',
      label: 'Region',
      description: 'The bus region; required unless the event bus is given as an ARN.',
      required: false,
    },
    metadataInPayloadField('detail'),
    endpointField('EventBridge'),
  ],
  credential_fields: AWS_CREDENTIAL_FIELDS,
};

export const awsEventBridgeAdapter: DestinationDefinition<EventBridgeRequest> = {
  type: 'aws_eventbridge',
  configSchema,
  metadata,
  ...awsAdapterCommon,

  describeTarget(config) {
    return { target: `${config.event_bus_name ?? ''} (${config.source ?? ''})`, target_url: null };
  },

  format(event, destination) {
    const { config } = destination;
    const template = config.detail_type_template;
    const detailType =
      (template !== undefined ? evaluateTemplate(template, templateInput(event)) : undefined) ?? event.topic;
    const request = {
      entry: {
        EventBusName: config.event_bus_name ?? '',
        Source: config.source ?? '',
        DetailType: detailType,
        Detail: eventDataJson(event),
        Time: new Date(event.time),
      },
    };
    if (config.metadata_in_payload !== 'true') return request;
    const { entry } = request;
    const detail = withMetadata(Buffer.from(entry.Detail, 'utf8'), event, destination).toString('utf8');
    return { entry: { ...entry, Detail: detail } };
  },
};
