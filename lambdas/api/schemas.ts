import { z } from 'zod';
import type { DestinationAdapter } from '../core/destination-adapter';
import { FILTER_OPERATORS, MAX_REGEXES_PER_FILTER, MAX_REGEX_LENGTH } from '../core/filter';
import { CALLER_ID_PATTERN, CALLER_ID_RULE, MAX_ID_LENGTH } from '../core/ids';
import { DESTINATION_LISTED_STATUSES } from '../core/model';

/**
 * Every request and response shape of /api/v1, once. Requests are parsed with these schemas and
 * GET /api/v1/openapi.json is generated from them, so the document cannot drift from the code.
 * Names follow Outpost's OpenAPI components.
 */

// ---- shared pieces ----------------------------------------------------------------------------

/** An id a caller names or chooses (event, destination): free-form, but bounded for keys and paths. */
const callerId = z.string().min(1).max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`);

const timestamp = z.iso.datetime({ offset: true }).describe('RFC3339 timestamp');
const stringMap = z.record(z.string(), z.string());
const nullableStringMap = stringMap.nullable();
/** A map in a PATCH body: RFC 7396 merge patch (a null value deletes that key). */
const stringMapPatch = z.record(z.string(), z.string().nullable());
const jsonObject = z.record(z.string(), z.unknown(), { error: 'must be a JSON object' });

export const TopicsSchema = z
  .union([z.literal('*'), z.array(z.string())])
  .describe('"*" or a list of topics; `*` inside a topic is a wildcard (`user.*`).');

export const FilterSchema = jsonObject
  .nullable()
  .describe(
    `JSON filter on the event (Hookdeck's filter dialect, as Outpost evaluates it). Operators: ${FILTER_OPERATORS.join(', ')}. ` +
      `$regex takes an RE2 pattern (no lookaround, no backreferences) of at most ${MAX_REGEX_LENGTH} characters, ` +
      `up to ${MAX_REGEXES_PER_FILTER} per filter; an unknown operator or an invalid pattern is a 422 naming its path.`,
  );

// ---- request bodies ---------------------------------------------------------------------------

export const TenantUpsertSchema = z.strictObject({ metadata: nullableStringMap.optional() });

const credentialsInput = z.record(z.string(), z.union([z.string(), z.boolean(), z.null()]));

/**
 * The type-independent part of a destination create request. `config` and `credentials` are checked
 * against the type's adapter schemas in lambdas/core/destinations.ts (after a PATCH merge, too), and
 * documented per type by destinationCreateSchemaFor.
 */
/** Per-destination overrides of the deployment's alert threshold and retry schedule (beyond Outpost). */
const destinationPolicyFields = {
  alert_consecutive_failure_count: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .nullable()
    .optional()
    .describe('Consecutive failures that alert and auto-disable; null = the deployment default.'),
  retry_schedule: z
    .array(z.number().int().min(1).max(604_800))
    .max(100)
    .nullable()
    .optional()
    .describe('Seconds before each retry, e.g. [30, 300, 3600]; [] = never retry; null = the default.'),
};

export const DestinationCreateSchema = z.strictObject({
  id: callerId.optional().describe('Generated (`des_` + 12 characters) when omitted.'),
  type: z.string(),
  topics: TopicsSchema,
  filter: FilterSchema.optional(),
  config: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }),
  credentials: credentialsInput.optional(),
  delivery_metadata: nullableStringMap.optional(),
  metadata: nullableStringMap.optional(),
  created_at: timestamp
    .nullable()
    .optional()
    .describe('Admin only (403 with a tenant token); not in the future.'),
  updated_at: timestamp
    .nullable()
    .optional()
    .describe('Admin only (403 with a tenant token); not in the future.'),
  disabled_at: timestamp
    .nullable()
    .optional()
    .describe('Create the destination disabled; not in the future.'),
  ...destinationPolicyFields,
});

export const DestinationUpdateSchema = z.strictObject({
  type: z.string().optional().describe("Must equal the destination's type."),
  topics: TopicsSchema.optional(),
  filter: FilterSchema.optional().describe('Replaced, not merged; null or {} clears it.'),
  config: stringMapPatch.optional(),
  credentials: credentialsInput
    .optional()
    .describe('Merge patch; `rotate_secret: true` rotates the signing secret.'),
  delivery_metadata: stringMapPatch.nullable().optional(),
  metadata: stringMapPatch.nullable().optional(),
  disabled_at: timestamp.nullable().optional(),
  ...destinationPolicyFields,
});

/** Per-type documentation of a create body, from the adapter's own schemas. */
export function destinationCreateSchemaFor(adapter: DestinationAdapter) {
  return DestinationCreateSchema.extend({
    type: z.literal(adapter.type),
    config: adapter.configSchema,
    credentials: adapter.credentialsSchema.optional(),
  });
}

export const PublishRequestSchema = z.strictObject({
  id: callerId.optional().describe('Idempotency key; generated (`evt_...`) when omitted.'),
  tenant_id: z.string().regex(CALLER_ID_PATTERN, CALLER_ID_RULE),
  destination_id: callerId.optional(),
  topic: z.string().optional(),
  eligible_for_retry: z.boolean().optional(),
  time: timestamp.optional(),
  metadata: nullableStringMap.optional(),
  data: jsonObject,
});

/** Events per POST /publish/batch: ten SendMessageBatch calls' worth, and well inside Lambda's 6 MB. */
export const MAX_PUBLISH_BATCH = 100;

/** The envelope only: each event is validated on its own, so that one bad event fails alone. */
export const PublishBatchEnvelopeSchema = z.strictObject({
  events: z.array(z.unknown()).min(1).max(MAX_PUBLISH_BATCH),
});

/** What the OpenAPI document shows for the batch body. */
export const PublishBatchRequestSchema = z.strictObject({
  events: z.array(PublishRequestSchema).min(1).max(MAX_PUBLISH_BATCH),
});

export const RetryRequestSchema = z.strictObject({
  event_id: callerId,
  destination_id: callerId,
});

// ---- query parameters -------------------------------------------------------------------------

/** Values of one list parameter: each becomes a filter condition, and DynamoDB caps an expression at 4 KB. */
const MAX_LIST_VALUES = 50;

const listParam = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : [value])
      .flatMap((item) => item.split(','))
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  )
  .pipe(
    z
      .array(z.string().max(MAX_ID_LENGTH, `each value must be at most ${MAX_ID_LENGTH} characters`))
      .max(MAX_LIST_VALUES, `at most ${MAX_LIST_VALUES} values`),
  );

const timeParam = z
  .string()
  .refine((value) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) && !Number.isNaN(Date.parse(value)), {
    message: 'must be an RFC3339 timestamp or YYYY-MM-DD',
  })
  .transform((value) => new Date(value).toISOString());

function paginationParams(defaultLimit: number, maxLimit: number, orderBy: string) {
  return {
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
    next: z.string().min(1).optional(),
    prev: z.string().min(1).optional(),
    dir: z.enum(['asc', 'desc']).default('desc'),
    order_by: z.enum([orderBy]).default(orderBy),
  };
}

const timeParams = {
  'time[gte]': timeParam.optional(),
  'time[gt]': timeParam.optional(),
  'time[lte]': timeParam.optional(),
  'time[lt]': timeParam.optional(),
};

export const INCLUDE_VALUES = ['event', 'event.data', 'response_data', 'destination'] as const;
export type Include = (typeof INCLUDE_VALUES)[number];

const includeParam = listParam.pipe(z.array(z.enum(INCLUDE_VALUES)));

/**
 * Query schemas are strict: a misspelt parameter is a 400 naming it, not a filter silently dropped.
 * They accept what Outpost's OpenAPI document lists and its SDK (1.6.0) sends for each route.
 */
export const TenantListQuerySchema = z.strictObject({
  id: listParam.optional(),
  ...paginationParams(20, 100, 'created_at'),
});

export const EventListQuerySchema = z.strictObject({
  id: listParam.optional(),
  tenant_id: listParam.optional(),
  destination_id: listParam.optional(),
  topic: listParam.optional(),
  ...timeParams,
  ...paginationParams(100, 1000, 'time'),
});

export const AttemptListQuerySchema = z.strictObject({
  tenant_id: listParam.optional(),
  event_id: listParam.optional(),
  destination_id: listParam.optional(),
  destination_type: listParam.optional(),
  status: z.enum(['success', 'failed']).optional(),
  topic: listParam.optional(),
  include: includeParam.optional(),
  ...timeParams,
  ...paginationParams(100, 1000, 'time'),
});

export const DestinationAttemptListQuerySchema = AttemptListQuerySchema.omit({
  tenant_id: true,
  destination_id: true,
  destination_type: true,
});

export const TenantScopeQuerySchema = z.strictObject({ tenant_id: z.string().min(1).optional() });

export const AttemptGetQuerySchema = TenantScopeQuerySchema.extend({ include: includeParam.optional() });

export const DestinationAttemptGetQuerySchema = AttemptGetQuerySchema.omit({ tenant_id: true });

export const DestinationListQuerySchema = z.strictObject({
  type: listParam.optional(),
  topics: listParam.optional(),
});

export const PortalQuerySchema = z.strictObject({ theme: z.enum(['light', 'dark']).optional() });

// ---- responses --------------------------------------------------------------------------------

export const TenantSchema = z.object({
  id: z.string(),
  destinations_count: z.number().int().optional(),
  topics: z.array(z.string()).optional(),
  metadata: nullableStringMap,
  created_at: timestamp,
  updated_at: timestamp,
});

export const SeekPaginationSchema = z.object({
  order_by: z.string(),
  dir: z.enum(['asc', 'desc']),
  limit: z.number().int(),
  next: z.string().nullable(),
  prev: z.string().nullable(),
});

export const TenantPaginatedResultSchema = z.object({
  models: z.array(TenantSchema),
  pagination: SeekPaginationSchema,
  count: z.number().int(),
});

export const DestinationSchema = z.object({
  id: z.string(),
  type: z.string(),
  topics: TopicsSchema,
  filter: FilterSchema,
  config: stringMap,
  credentials: stringMap.describe(
    "Masked by the type's rules; webhook secrets are shown (receivers need them).",
  ),
  delivery_metadata: nullableStringMap,
  metadata: nullableStringMap,
  disabled_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  target: z.string(),
  target_url: z.string().nullable(),
  alert_consecutive_failure_count: z.number().int().optional().describe('Only when overridden.'),
  retry_schedule: z.array(z.number().int()).optional().describe('Only when overridden.'),
});

export const DestinationListSchema = z.array(DestinationSchema);

const eventBase = {
  id: z.string(),
  tenant_id: z.string(),
  destination_id: z.string().optional(),
  topic: z.string(),
  time: timestamp,
  eligible_for_retry: z.boolean(),
  metadata: nullableStringMap,
};

export const EventSummarySchema = z.object(eventBase);
export const EventFullSchema = z.object({ ...eventBase, data: jsonObject });
export const EventSchema = z.object({
  ...eventBase,
  matched_destination_ids: z.array(z.string()),
  data: jsonObject,
});

export const EventPaginatedResultSchema = z.object({
  models: z.array(EventSchema),
  pagination: SeekPaginationSchema,
});

export const AttemptSchema = z.object({
  id: z.string(),
  tenant_id: z.string(),
  event_id: z.string(),
  destination_id: z.string(),
  destination_type: z.string(),
  status: z.enum(['success', 'failed']),
  code: z.string(),
  time: timestamp,
  attempt_number: z.number().int(),
  manual: z.boolean(),
  response_data: z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .describe('Only with include=response_data.'),
  event: z.union([EventFullSchema, EventSummarySchema]).nullable().optional(),
  destination: DestinationSchema.nullable().optional(),
});

export const AttemptPaginatedResultSchema = z.object({
  models: z.array(AttemptSchema),
  pagination: SeekPaginationSchema,
});

export const PublishResponseSchema = z.object({
  id: z.string(),
  duplicate: z.boolean(),
  destination_ids: z.array(z.string()),
});

export const SuccessResponseSchema = z.object({ success: z.literal(true) });

const DestinationFieldSchema = z.object({
  key: z.string(),
  type: z.enum(['text', 'checkbox', 'key_value_map', 'select']),
  label: z.string(),
  description: z.string().optional(),
  required: z.boolean(),
  sensitive: z.boolean().optional(),
  default: z.string().optional(),
  minlength: z.number().int().optional(),
  maxlength: z.number().int().optional(),
  pattern: z.string().optional(),
  options: z.array(z.object({ label: z.string(), value: z.string() })).optional(),
});

export const DestinationTypeSchemaSchema = z.object({
  type: z.string(),
  label: z.string(),
  description: z.string(),
  icon: z.string(),
  instructions: z.string(),
  config_fields: z.array(DestinationFieldSchema),
  credential_fields: z.array(DestinationFieldSchema),
});

export const TopicListSchema = z.array(z.string());

export const TenantTokenSchema = z.object({ token: z.string(), tenant_id: z.string() });

export const PortalRedirectSchema = z.object({ redirect_url: z.string(), tenant_id: z.string() });

export const HealthSchema = z.object({
  status: z.literal('healthy'),
  timestamp,
  workers: z.record(z.string(), z.object({ status: z.literal('healthy') })),
});

export const APIErrorResponseSchema = z.object({
  status: z.number().int(),
  message: z.string(),
  data: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
});

/** Results in request order: each the single publish's response, or that event's error body. */
export const PublishBatchResponseSchema = z.object({
  results: z.array(z.union([PublishResponseSchema, APIErrorResponseSchema])),
});

export type TenantView = z.output<typeof TenantSchema>;
export type DestinationView = z.output<typeof DestinationSchema>;
export type EventView = z.output<typeof EventSchema>;
export type AttemptView = z.output<typeof AttemptSchema>;
export type Pagination = z.output<typeof SeekPaginationSchema>;

// ---- deliveries, bulk replay and filter test (beyond Outpost: DESIGN.md §4c) -----------------

export const DELIVERY_STATUSES = ['queued', 'retrying', 'success', 'failed', 'skipped'] as const;

export const DeliveryListQuerySchema = z.strictObject({
  status: listParam
    .pipe(z.array(z.enum(DELIVERY_STATUSES)))
    .refine(
      (statuses) =>
        statuses.every((status) => DESTINATION_LISTED_STATUSES.some((listed) => listed === status)),
      'queued and success deliveries are not listed by destination (only retrying, failed and skipped ones); list their attempts: GET /tenants/{tenant_id}/destinations/{destination_id}/attempts',
    )
    .optional()
    .describe(
      'Any of retrying, failed, skipped (default: all three). Queued and successful deliveries are not listed here: their attempts are.',
    ),
  ...timeParams,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  next: z.string().min(1).optional(),
});

export const DeliverySchema = z
  .object({
    event_id: z.string(),
    destination_id: z.string(),
    destination_type: z.string(),
    event_time: timestamp,
    status: z.enum(DESTINATION_LISTED_STATUSES),
    attempts: z.number().int(),
    manual_retries: z.number().int(),
    due_at: timestamp.nullable().describe('When the next attempt is due (retrying only).'),
    last_code: z.string().nullable(),
    reason: z
      .string()
      .nullable()
      .describe(
        'Why it is skipped or failed (destination_disabled, retries_exhausted, not_retryable, not_eligible_for_retry, ...), or enqueue_failed while pending.',
      ),
    updated_at: timestamp,
  })
  .describe("One event's delivery to one destination: its state across attempts.");

export const DeliveryPaginatedResultSchema = z.object({
  models: z.array(DeliverySchema),
  pagination: SeekPaginationSchema,
});

const replayableStatus = z.enum(['skipped', 'failed']);

export const BulkRetryRequestSchema = z.strictObject({
  tenant_id: z
    .string()
    .min(1)
    .optional()
    .describe('Required with the admin key; a tenant token uses its own.'),
  destination_id: callerId,
  status: z.array(replayableStatus).min(1).optional().describe('Default: skipped and failed.'),
  time: z
    .strictObject({
      gte: timestamp.optional(),
      gt: timestamp.optional(),
      lte: timestamp.optional(),
      lt: timestamp.optional(),
    })
    .optional()
    .describe("Range of the events' time."),
  cursor: z
    .string()
    .min(1)
    .optional()
    .describe('`next` of the previous response, with the same destination, status and time.'),
});

export const BulkRetryResponseSchema = z.object({
  replayed: z.number().int(),
  not_matching: z.number().int().describe('The destination no longer subscribes to these events.'),
  over_limit: z.number().int().describe('These deliveries used up their manual retries.'),
  remaining: z.boolean().describe('True when `next` is set.'),
  next: z
    .string()
    .nullable()
    .describe('More deliveries may match: send the request again with `cursor` set to this.'),
});

export const FilterTestRequestSchema = z.strictObject({
  filter: FilterSchema.optional().describe("A filter to try instead of the destination's own."),
  event: z.strictObject({
    id: z.string().optional(),
    topic: z.string().optional(),
    time: timestamp.optional(),
    metadata: stringMap.optional(),
    data: jsonObject,
  }),
});

export const FilterTestResponseSchema = z.object({
  matches: z.boolean(),
  topic_matches: z.boolean(),
  filter_matches: z.boolean(),
  failed_path: z.string().optional().describe('The first part of the filter the event fails.'),
  reason: z.string().optional(),
});
