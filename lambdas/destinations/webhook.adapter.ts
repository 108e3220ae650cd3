import { z } from 'zod';
import type { CredentialsContext, DestinationTypeMetadata } from '../core/destination-adapter';
import { ValidationError } from '../core/errors';
import { eventDataJson, type Destination, type Event, type StringMap } from '../core/model';
import {
  generateSecret,
  secretProblem,
  SIGNATURE_FORMATS,
  signatureHeaders,
  type SignatureFormat,
} from '../core/signing';
import type { DestinationDefinition } from './destination-transport';
import type { HttpPostRequest } from './http-delivery';
import { definedOnly } from './string-maps';
import { urlTargetProblem } from './target-guard';

export type WebhookRequest = HttpPostRequest;

const DEFAULT_ROTATION_GRACE_MS = 24 * 3600 * 1000;
const METADATA_HEADER_PREFIX = 'x-outpost-';

/** RFC 7230 §3.2.6 token. */
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 7230 field-value bytes (what Node will send): no CR, LF, NUL or other control characters. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Headers a tenant cannot set: the ones that frame the HTTP exchange (a wrong value breaks or
 * smuggles the request) and every header this system signs or documents, so a receiver can trust
 * them.
 */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'user-agent',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);
const RESERVED_PREFIXES = ['webhook-', METADATA_HEADER_PREFIX];

function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED_HEADERS.has(lower) || RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/** Problems with a `custom_headers` JSON string (messages without the field name; zod adds the path). */
export function customHeadersProblems(json: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return ['must be a JSON object of header names to string values'];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return ['must be a JSON object of header names to string values'];
  }
  const problems: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (!HEADER_TOKEN.test(name)) problems.push(`header name "${name}" is not a valid HTTP token`);
    else if (isReservedHeader(name)) problems.push(`header "${name}" is reserved`);
    else if (typeof value !== 'string') problems.push(`header "${name}" must have a string value`);
    else if (value === '') problems.push(`header "${name}" must not be empty`);
    else if (!HEADER_VALUE.test(value)) {
      problems.push(`header "${name}" value must not contain CR, LF, NUL or other control characters`);
    }
  }
  return problems;
}

function parseCustomHeaders(json: string | undefined): StringMap {
  return json === undefined ? {} : (JSON.parse(json) as StringMap);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const configSchema = z
  .object({
    url: z.string().refine(isHttpUrl, 'must be an http(s) URL'),
    custom_headers: z
      .string()
      .superRefine((value, ctx) => {
        for (const message of customHeadersProblems(value)) ctx.addIssue({ code: 'custom', message });
      })
      .optional(),
    signature_format: z.enum(SIGNATURE_FORMATS).optional(),
  })
  .transform(definedOnly);

const secretSchema = z.string().superRefine((value, ctx) => {
  const problem = secretProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const credentialsSchema = z
  .object({
    secret: secretSchema.optional(),
    previous_secret: secretSchema.optional(),
    previous_secret_invalid_at: z.iso.datetime({ offset: true }).optional(),
    // Outpost's SDK sends a boolean; stored maps only hold strings.
    rotate_secret: z
      .union([z.boolean(), z.enum(['true', 'false'])])
      .transform(String)
      .optional(),
  })
  .transform(definedOnly);

interface PreviousSecret {
  secret: string;
  invalidAt: Date;
}

function storedPrevious(credentials: StringMap | null): PreviousSecret | undefined {
  const secret = credentials?.previous_secret;
  const invalidAt = new Date(credentials?.previous_secret_invalid_at ?? Number.NaN);
  return secret === undefined || Number.isNaN(invalidAt.getTime()) ? undefined : { secret, invalidAt };
}

const ADMIN_ONLY_CREDENTIALS = ['secret', 'previous_secret'] as const;

/**
 * Outpost's rules: the secret is generated when missing; only an admin sets secrets; anyone may
 * rotate, which keeps the old secret signing until `previous_secret_invalid_at` (now + grace, or
 * the admin's choice). An admin giving a new secret together with rotate_secret rotates to it.
 */
function prepareCredentials(
  input: StringMap,
  existing: StringMap | null,
  ctx: CredentialsContext,
): StringMap {
  const parsed = credentialsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      'invalid credentials',
      parsed.error.issues.map((issue) => `credentials.${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const given = parsed.data;
  const forbidden = ctx.isAdmin
    ? []
    : ADMIN_ONLY_CREDENTIALS.filter((key) => given[key] !== undefined && given[key] !== existing?.[key]);
  if (forbidden.length > 0) {
    throw new ValidationError(
      'invalid credentials',
      forbidden.map((key) => `credentials.${key}: only an admin can set it; use credentials.rotate_secret`),
    );
  }

  const graceEnd = new Date(ctx.now.getTime() + (ctx.secretRotationGraceMs ?? DEFAULT_ROTATION_GRACE_MS));
  // The API merge-patches the request over the stored credentials, so only values that differ from
  // the stored ones are choices (an old rotation window must not carry over to a new rotation).
  const changed = (key: keyof typeof given): string | undefined =>
    ctx.isAdmin && given[key] !== existing?.[key] ? given[key] : undefined;
  const chosenPreviousSecret = changed('previous_secret');
  const chosenInvalidAtText = changed('previous_secret_invalid_at');
  const chosenInvalidAt = chosenInvalidAtText === undefined ? undefined : new Date(chosenInvalidAtText);
  let secret = given.secret ?? existing?.secret;
  let previous = storedPrevious(existing);
  if (chosenPreviousSecret !== undefined) {
    previous = { secret: chosenPreviousSecret, invalidAt: chosenInvalidAt ?? graceEnd };
  } else if (previous !== undefined && chosenInvalidAt !== undefined) {
    previous = { ...previous, invalidAt: chosenInvalidAt };
  }

  const currentSecret = existing?.secret;
  if (given.rotate_secret === 'true' && currentSecret !== undefined) {
    previous = { secret: currentSecret, invalidAt: chosenInvalidAt ?? graceEnd };
    secret = given.secret !== undefined && given.secret !== currentSecret ? given.secret : generateSecret();
  }
  secret ??= generateSecret();

  const stored: StringMap = { secret };
  if (previous !== undefined && previous.secret !== secret && previous.invalidAt > ctx.now) {
    stored.previous_secret = previous.secret;
    stored.previous_secret_invalid_at = previous.invalidAt.toISOString();
  }
  return stored;
}

/** The current secret, then the previous one while it is still valid. */
function signingSecrets(credentials: StringMap, now: Date): string[] {
  const secrets = credentials.secret === undefined ? [] : [credentials.secret];
  const previous = storedPrevious(credentials);
  if (previous !== undefined && now < previous.invalidAt) secrets.push(previous.secret);
  return secrets;
}

/**
 * Event and destination metadata as `x-outpost-<key>` headers; delivery_metadata wins on a clash
 * (it is the tenant's own configuration). A key or value that cannot travel in a header is left
 * out rather than failing the delivery of the event itself.
 */
function metadataHeaders(event: Event, destination: Destination): StringMap {
  const headers: StringMap = {};
  for (const [key, value] of Object.entries({ ...event.metadata, ...destination.delivery_metadata })) {
    if (HEADER_TOKEN.test(key) && HEADER_VALUE.test(value)) {
      headers[METADATA_HEADER_PREFIX + key.toLowerCase()] = value;
    }
  }
  return headers;
}

/** Outpost's default mode sends RFC 3339; the Standard Webhooks world uses unix seconds. */
function timestampHeader(format: SignatureFormat, now: Date): string {
  return format === 'outpost'
    ? now.toISOString().replace(/\.\d{3}Z$/, 'Z')
    : String(Math.floor(now.getTime() / 1000));
}

function formatOf(config: StringMap): SignatureFormat {
  return config.signature_format === 'outpost' ? 'outpost' : 'standard';
}

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M18 16.98h-5.99c-1.1 0-1.95.94-2.48 1.9A4 4 0 0 1 2 17c.01-.7.2-1.4.57-2"/><path d="m6 17 3.13-5.78c.53-.97.1-2.18-.5-3.1a4 4 0 1 1 6.89-4.06"/><path d="m12 6 3.13 5.73C15.66 12.7 16.9 13 18 13a4 4 0 0 1 0 8"/></svg>`;

const INSTRUCTIONS = `Events are sent as an HTTP \`POST\` to your URL with the event's data as the JSON body.

## Verifying deliveries

Every request is signed with the destination's secret (\`whsec_…\`) following
[Standard Webhooks](https://www.standardwebhooks.com): the \`webhook-id\`, \`webhook-timestamp\` and
\`webhook-signature\` headers. Verify them with the \`standardwebhooks\` library for your language,
using the **raw** request body:

\`\`\`ts
import { Webhook } from 'standardwebhooks';

const wh = new Webhook(process.env.WEBHOOK_SECRET); // "whsec_..."
const payload = wh.verify(rawBody, request.headers); // throws when the signature is wrong
\`\`\`

Reply with a 2xx status within a few seconds. Any other status, a timeout or a connection error is
retried with exponential backoff; \`Retry-After\` on a 429 or 503 is honoured. \`webhook-id\` (and
\`x-outpost-event-id\`) stay the same across retries: use them to ignore duplicates.

## Rotating the secret

Rotating (\`rotate_secret\`) generates a new secret; the previous one keeps signing for 24 hours, so
each request carries both signatures and verification with either secret succeeds while you deploy
the new one.

## Other headers

\`x-outpost-event-id\`, \`x-outpost-topic\`, \`x-outpost-timestamp\`, and the event's metadata as
\`x-outpost-<key>\`. Destinations using \`signature_format: outpost\` receive Outpost's
\`x-outpost-signature: v0=<hex HMAC-SHA256 of the body>\` instead of the Standard Webhooks headers.
`;

const metadata: DestinationTypeMetadata = {
  type: 'webhook',
  label: 'Webhook',
  description: 'Send events as signed HTTP POST requests to a URL.',
  icon: ICON,
  instructions: INSTRUCTIONS,
  config_fields: [
    {
      key: 'url',
      type: 'text',
      label: 'URL',
      description: 'The URL that receives the events (https in production).',
      required: true,
      pattern: '^https?://.+',
    },
    {
      key: 'custom_headers',
      type: 'text',
      label: 'Custom headers',
      description:
        'JSON object of extra HTTP headers sent with every request, e.g. {"x-api-key":"..."}. ' +
        'Content-Type, Host and the webhook-* / x-outpost-* headers are reserved.',
      required: false,
    },
  ],
  credential_fields: [
    {
      key: 'secret',
      type: 'text',
      label: 'Signing secret',
      description: 'Signs every request. Generated when left empty.',
      required: false,
      sensitive: true,
    },
  ],
};

export const webhookAdapter: DestinationDefinition<WebhookRequest> = {
  type: 'webhook',
  configSchema,
  credentialsSchema,
  metadata,
  prepareCredentials,

  // Shown as stored, as Outpost does: the tenant needs the secret to verify signatures.
  maskCredentials: (credentials) => ({ ...credentials }),

  targetProblems(config, ctx) {
    if (ctx.allowPrivateTargets || config.url === undefined || !isHttpUrl(config.url)) return [];
    const problem = urlTargetProblem(new URL(config.url));
    return problem === undefined ? [] : [`config.url: ${problem}`];
  },

  describeTarget(config) {
    const url = config.url ?? '';
    return isHttpUrl(url)
      ? { target: new URL(url).host, target_url: url }
      : { target: url, target_url: null };
  },

  format(event, destination, ctx) {
    const config = destination.config;
    const format = formatOf(config);
    const body = eventDataJson(event);
    const headers: StringMap = {
      ...parseCustomHeaders(config.custom_headers),
      ...metadataHeaders(event, destination),
      'content-type': 'application/json',
      'x-outpost-event-id': event.id,
      'x-outpost-topic': event.topic,
      'x-outpost-timestamp': timestampHeader(format, ctx.now),
      ...signatureHeaders({
        format,
        messageId: event.id,
        timestamp: ctx.now,
        body,
        secrets: signingSecrets(destination.credentials, ctx.now),
      }),
    };
    return { url: config.url ?? '', headers, body };
  },
};
