/**
 * The domain's records. Field names follow Outpost's API (snake_case) so that a record can be
 * shaped into a response without renaming; storage-only fields live in lambdas/store.
 */

export type StringMap = Record<string, string>;
export type JsonObject = Record<string, unknown>;

export interface Tenant {
  id: string;
  metadata: StringMap | null;
  created_at: string;
  updated_at: string;
}

/** `"*"` or a list of topic names / wildcard patterns (`user.*`, `*.created`). */
export type Topics = '*' | string[];

export interface Destination {
  id: string;
  tenant_id: string;
  type: string;
  topics: Topics;
  filter: JsonObject | null;
  config: StringMap;
  /** Plaintext inside the domain; the store encrypts at rest and the API masks on read. */
  credentials: StringMap;
  delivery_metadata: StringMap | null;
  metadata: StringMap | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
  /** Per-destination override of ALERT_CONSECUTIVE_FAILURE_COUNT (DESIGN.md §4c). */
  alert_consecutive_failure_count?: number | null;
  /** Per-destination override of RETRY_SCHEDULE: delays in seconds before each retry. */
  retry_schedule?: number[] | null;
}

export interface Event {
  id: string;
  tenant_id: string;
  /** Set when the producer routed the event to one destination. */
  destination_id?: string;
  topic: string;
  time: string;
  eligible_for_retry: boolean;
  metadata: StringMap | null;
  /** `data_json` parsed: what filters, key templates and the API read. */
  data: JsonObject;
  /**
   * The exact JSON text of `data` as the producer sent it, which is what destinations receive
   * (DESIGN.md §4: byte for byte). Absent on events built in code, whose data is serialised.
   */
  data_json?: string;
  matched_destination_ids: string[];
}

/**
 * An event as a delivery task carries it: its data once, as the producer's JSON text (the deliverer
 * parses it back), so the message is not twice the event's size.
 */
export type CarriedEvent = Omit<Event, 'data' | 'data_json'> & { data_json: string };

/** The bytes of a delivery: the event's data exactly as published. Every adapter builds its body from this. */
export function eventDataJson(event: Pick<Event, 'data' | 'data_json'>): string {
  return event.data_json ?? JSON.stringify(event.data);
}

export type AttemptStatus = 'success' | 'failed';

export interface ResponseData {
  status_code?: number;
  headers?: StringMap;
  /** Capped (DELIVERY_RESPONSE_CAP_BYTES); `truncated` says when it was cut. */
  body?: string;
  truncated?: boolean;
  error?: string;
}

export interface Attempt {
  id: string;
  tenant_id: string;
  event_id: string;
  destination_id: string;
  destination_type: string;
  attempt_number: number;
  manual: boolean;
  status: AttemptStatus;
  /** HTTP status as a string (`"200"`) or an error class (`timeout`, `connection_refused`, ...). */
  code: string;
  time: string;
  response_data: ResponseData | null;
  /** Event fields copied at attempt time, so attempt listings need no join. */
  topic: string;
}

/**
 * Delivery of one event to one destination: the outbox entry and retry ledger in one record.
 * `queued`/`retrying` deliveries carry `due_at`, which is what the sweeper (and the local runtime at
 * boot) uses to re-enqueue work an SQS queue may have lost.
 */
export type DeliveryStatus = 'queued' | 'retrying' | 'success' | 'failed' | 'skipped';

/**
 * The deliveries a destination's delivery listing and bulk replay find: those that need attention.
 * A queued or successful delivery is not indexed by destination (an index write saved on every
 * first-try success); its attempts listing shows it instead.
 */
export const DESTINATION_LISTED_STATUSES = [
  'retrying',
  'failed',
  'skipped',
] as const satisfies readonly DeliveryStatus[];

export interface Delivery {
  tenant_id: string;
  event_id: string;
  destination_id: string;
  destination_type: string;
  /** The event's time: deliveries of a destination are listed and replayed by it. */
  event_time: string;
  status: DeliveryStatus;
  /** Attempt number the next task must carry; a task with another number is stale. */
  next_attempt_number: number;
  /**
   * Id of the one task allowed to make that attempt. A manual retry issues a new task id, so a pending
   * automatic task for the same attempt number finds itself superseded and does nothing.
   */
  task_id: string;
  /** When the next attempt is due (queued/retrying only). */
  due_at: string | null;
  attempts: number;
  manual_retries: number;
  last_code: string | null;
  reason: string | null;
  updated_at: string;
}

/** What travels on a delivery queue: everything the deliverer needs except the destination. */
export interface DeliveryTask {
  tenant_id: string;
  event_id: string;
  destination_id: string;
  destination_type: string;
  attempt_number: number;
  /** Must equal the delivery's `task_id` when the task runs; otherwise the task is stale. */
  task_id: string;
  manual: boolean;
  /** Present when the event fits in the message; otherwise the deliverer loads it. */
  event?: CarriedEvent;
  /**
   * The destination's `updated_at` when the task was planned: a deliverer whose cached copy is older
   * reads it again, so a change (a rotated secret, a new URL) applies from the very next delivery.
   */
  destination_updated_at?: string;
  /** ISO time the attempt is due; a task seen early (SQS caps delays at 900 s) is re-delayed. */
  due_at: string;
}
