import { z } from 'zod';
import type { DestinationTypeMetadata } from '../core/destination-adapter';
import type { StringMap } from '../core/model';
import type { DestinationDefinition } from './destination-transport';
import { messageBody, messageMetadata, plainCredentials } from './message-fields';
import { definedOnly } from './string-maps';

/** What `format` builds: one Pub/Sub message. */
export interface PubSubRequest {
  topic: string;
  data: Buffer;
  attributes: StringMap;
}

export interface ServiceAccount {
  client_email: string;
  private_key: string;
}

/** Why a service account key cannot be used, or undefined. */
function serviceAccountProblem(json: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return 'must be the JSON key file of a service account';
  }
  const key = parsed as Partial<Record<keyof ServiceAccount | 'type', unknown>> | null;
  if (typeof key !== 'object' || key === null || Array.isArray(key)) {
    return 'must be the JSON key file of a service account';
  }
  if (key.type !== undefined && key.type !== 'service_account') return 'must be a service_account key';
  if (typeof key.client_email !== 'string' || key.client_email === '') return 'must contain client_email';
  if (typeof key.private_key !== 'string' || !key.private_key.includes('PRIVATE KEY')) {
    return 'must contain a PEM private_key';
  }
  return undefined;
}

/**
 * Why a deployed service refuses `endpoint`: it puts the client in emulator mode (plaintext,
 * unauthenticated), which is for a developer's machine, and it would let a tenant aim deliveries at
 * any address the deliver function can reach. Refused at create/update and again at delivery.
 */
export const DEPLOYED_ENDPOINT_PROBLEM = 'is for the Pub/Sub emulator and only a local deployment accepts it';

const configSchema = z
  .object({
    project_id: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[a-z0-9.:-]+$/, 'must be a GCP project id'),
    topic: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/, 'must be a Pub/Sub topic id (not the full name)'),
    endpoint: z
      .string()
      .regex(/^(https?:\/\/)?[A-Za-z0-9.[\]:-]+(:\d{1,5})?\/?$/, 'must be host:port, e.g. localhost:8085')
      .optional(),
  })
  .transform(definedOnly);

// Optional because an emulator endpoint needs none; `validate` requires it without one.
const credentialsSchema = z
  .object({
    service_account_json: z
      .string()
      .superRefine((value, ctx) => {
        const problem = serviceAccountProblem(value);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
  })
  .transform(definedOnly);

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"><circle cx="12" cy="12" r="2.5"/><circle cx="5" cy="5" r="2"/><circle cx="19" cy="5" r="2"/><circle cx="12" cy="21" r="2"/><path d="M6.5 6.5l3.7 3.7M17.5 6.5l-3.7 3.7M12 14.5V19"/></svg>`;

const INSTRUCTIONS = `Events are published to a Google Cloud Pub/Sub topic, one message per event.

## Setup

1. Create the topic in your project and note its id (\`events\`, not the full
   \`projects/…/topics/…\` name).
2. Create a service account with the **Pub/Sub Publisher** role on that topic
   (\`roles/pubsub.publisher\`), create a JSON key for it, and paste the whole key file.
3. \`endpoint\` is for the Pub/Sub emulator only (\`localhost:8085\`): with it set the connection is
   plaintext and unauthenticated, and no key is needed. Only a local deployment accepts it.

## What you receive

- Data: the event's data as JSON, byte for byte.
- Attributes: \`event-id\`, \`topic\`, \`timestamp\`, the event's metadata and the destination's delivery metadata.

A delivery succeeds once Pub/Sub returned the message id. Failures are retried on the destination's
schedule, except a request Pub/Sub rejects as invalid. \`event-id\` stays the same across retries:
deduplicate on it.
`;

const metadata: DestinationTypeMetadata = {
  type: 'gcp_pubsub',
  label: 'Google Cloud Pub/Sub',
  description: 'Publish events to a Google Cloud Pub/Sub topic.',
  icon: ICON,
  instructions: INSTRUCTIONS,
  config_fields: [
    { key: 'project_id', type: 'text', label: 'Project ID', required: true },
    { key: 'topic', type: 'text', label: 'Topic', description: 'The topic id, e.g. events.', required: true },
    {
      key: 'endpoint',
      type: 'text',
      label: 'Emulator endpoint',
      description:
        'Only for the Pub/Sub emulator, e.g. localhost:8085 (plaintext, unauthenticated); local deployments only.',
      required: false,
    },
  ],
  credential_fields: [
    {
      key: 'service_account_json',
      type: 'text',
      label: 'Service account key (JSON)',
      description: 'The JSON key file of a service account with roles/pubsub.publisher.',
      required: false,
      sensitive: true,
    },
  ],
};

export const gcpPubSubAdapter: DestinationDefinition<PubSubRequest> = {
  type: 'gcp_pubsub',
  configSchema,
  credentialsSchema,
  metadata,
  ...plainCredentials(credentialsSchema, ['service_account_json'], ['service_account_json']),

  validate(config, credentials) {
    if (config.endpoint !== undefined || credentials.service_account_json !== undefined) return [];
    return ['credentials.service_account_json: required unless config.endpoint (an emulator) is set'];
  },

  targetProblems(config, ctx) {
    if (ctx.allowPrivateTargets || config.endpoint === undefined) return [];
    return [`config.endpoint: ${DEPLOYED_ENDPOINT_PROBLEM}`];
  },

  describeTarget: (config) => ({
    target: `projects/${config.project_id ?? ''}/topics/${config.topic ?? ''}`,
    target_url:
      config.endpoint === undefined
        ? `https://console.cloud.google.com/cloudpubsub/topic/detail/${config.topic ?? ''}?project=${config.project_id ?? ''}`
        : null,
  }),

  format(event, destination) {
    return {
      topic: destination.config.topic ?? '',
      data: messageBody(event),
      attributes: messageMetadata(event, destination),
    };
  },
};
