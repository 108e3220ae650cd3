import type {
  Attempt,
  AttemptStatus,
  Delivery,
  DeliveryStatus,
  DeliveryTask,
  Destination,
  Event,
  StringMap,
  Tenant,
} from './model';

/**
 * What the core needs from the outside world. lambdas/store implements the repositories on
 * DynamoDB, lambdas/queue implements TaskQueue on SQS; tests and the local runtime use the same
 * implementations against the emulators.
 */

export type SortDirection = 'asc' | 'desc';

export interface PageRequest {
  limit: number;
  /** Opaque cursors returned by a previous page. */
  next?: string;
  prev?: string;
  dir: SortDirection;
}

export interface Page<T> {
  models: T[];
  next: string | null;
  prev: string | null;
}

export interface TimeRange {
  gte?: string;
  gt?: string;
  lte?: string;
  lt?: string;
}

export interface TenantRepository {
  /** Creates or replaces the tenant's metadata; `created` says which. */
  upsert(id: string, metadata: StringMap | null, now: string): Promise<{ tenant: Tenant; created: boolean }>;
  get(id: string): Promise<Tenant | null>;
  /** The tenant and all of its destinations, in one Query. */
  getWithDestinations(id: string): Promise<{ tenant: Tenant; destinations: Destination[] } | null>;
  /** Deletes the tenant and its destinations; false when it did not exist. */
  delete(id: string): Promise<boolean>;
  list(request: PageRequest & { ids?: string[] }): Promise<Page<Tenant> & { count: number }>;
}

export interface DestinationRepository {
  get(tenantId: string, destinationId: string): Promise<Destination | null>;
  /** Throws ConflictError when the id is taken for this tenant. */
  create(destination: Destination): Promise<void>;
  /** Replaces the stored destination; throws DestinationNotFoundError when it is gone. */
  update(destination: Destination): Promise<void>;
  delete(tenantId: string, destinationId: string): Promise<boolean>;
}

export interface EventQuery extends PageRequest {
  /** Undefined = every tenant (admin only). */
  tenantIds?: string[];
  ids?: string[];
  destinationIds?: string[];
  topics?: string[];
  time?: TimeRange;
}

export interface EventRepository {
  /**
   * Writes the event, conditional on its id being new for the tenant, then one delivery record per
   * matched destination. When it already exists, nothing is written and `existing` is returned. Not
   * atomic: a crash after the event leaves deliveries missing, for a repeated publish to repair.
   */
  createWithDeliveries(
    event: Event,
    deliveries: Delivery[],
  ): Promise<{ created: true } | { created: false; existing: Event }>;
  get(tenantId: string, eventId: string): Promise<Event | null>;
  /**
   * Admin lookup of an event id without a tenant: the tenants that have an event with this id.
   * Producers choose event ids, which are unique per tenant only, so there may be several.
   */
  tenantIdsForEvent(eventId: string): Promise<string[]>;
  list(query: EventQuery): Promise<Page<Event>>;
}

export interface DeliveryRepository {
  get(tenantId: string, eventId: string, destinationId: string): Promise<Delivery | null>;
  listForEvent(tenantId: string, eventId: string): Promise<Delivery[]>;
  put(delivery: Delivery): Promise<void>;
  /** Writes the delivery only if no record exists for its (event, destination); false when one did. */
  putIfAbsent(delivery: Delivery): Promise<boolean>;
  /**
   * Writes `next` only if the stored record is still `current`: same task id, attempt number and
   * status. Every change of a pending delivery goes through it (the deliverer recording an attempt, a
   * manual retry, a take-over of a lost task), so each (event, destination, attempt number) takes
   * effect once and a task that lost its delivery to another can never record. False when it lost.
   */
  advance(next: Delivery, current: Delivery): Promise<boolean>;
  /**
   * Sets `reason` on the delivery whose pending task this is (same task id and attempt number), to
   * say the queue never took it; does nothing when the delivery has moved on.
   */
  markReason(task: DeliveryTask, reason: string): Promise<void>;
  /**
   * One destination's retrying, failed and skipped deliveries (DESTINATION_LISTED_STATUSES) in
   * event-time order, optionally only some of those statuses (replay, listing).
   */
  listForDestination(
    tenantId: string,
    destinationId: string,
    query: { statuses?: DeliveryStatus[]; time?: TimeRange; limit: number; cursor?: string },
  ): Promise<{ deliveries: Delivery[]; cursor?: string }>;
  /** Queued/retrying deliveries due at or before `dueBefore`, oldest first (sweeper, local boot). */
  listDue(
    dueBefore: string,
    limit: number,
    cursor?: string,
  ): Promise<{ deliveries: Delivery[]; cursor?: string }>;
}

export interface AttemptQuery extends PageRequest {
  tenantIds?: string[];
  eventIds?: string[];
  destinationIds?: string[];
  destinationTypes?: string[];
  status?: AttemptStatus;
  topics?: string[];
  time?: TimeRange;
}

export interface AttemptRepository {
  /** Idempotent: the id is derived from (tenant, event, destination, attempt number). */
  put(attempt: Attempt): Promise<void>;
  get(tenantId: string | undefined, attemptId: string): Promise<Attempt | null>;
  list(query: AttemptQuery): Promise<Page<Attempt>>;
}

/** Consecutive failures of one destination and what has been alerted about them. */
export interface DestinationHealth {
  current: number;
  /** Consecutive-failure levels (percent of the threshold) alerted since the count last restarted. */
  alertedLevels: number[];
  /** An alert of any kind was sent since the last success: that success sends `recovered`. */
  alertOpen: boolean;
}

export interface DestinationHealthRepository {
  get(tenantId: string, destinationId: string): Promise<DestinationHealth>;
  /** Atomically adds one failure and returns the new state. */
  increment(tenantId: string, destinationId: string): Promise<DestinationHealth>;
  /**
   * Records that `level` was alerted (and opens the alert); false when it already was, so each level
   * alerts once per count.
   */
  markAlerted(tenantId: string, destinationId: string, level: number): Promise<boolean>;
  /**
   * The destination was re-enabled: the count and its alerted levels start afresh, and an open alert
   * stays open until a success. Writes only when there is something to reset.
   */
  reset(tenantId: string, destinationId: string): Promise<void>;
  /**
   * A success: back to zero with no alert open. Returns the state before, or null when it was already
   * healthy (nothing written).
   */
  recover(tenantId: string, destinationId: string): Promise<DestinationHealth | null>;
  /**
   * True for the first caller in each window (which opens the alert): rate-limits exhausted-retries
   * alerts per destination.
   */
  claimExhaustedAlert(tenantId: string, destinationId: string, now: Date, windowMs: number): Promise<boolean>;
}

export interface ScheduledTask {
  task: DeliveryTask;
  delaySeconds: number;
}

export interface TaskQueue {
  /**
   * Sends in batches per destination type; resolves only when every task is accepted by the queue.
   * Otherwise rejects with TasksNotEnqueuedError naming the tasks that were not (the others were).
   */
  enqueue(tasks: ScheduledTask[]): Promise<void>;
}

/** Some tasks of an enqueue were not accepted; `failed` holds their indices in the call's list. */
export class TasksNotEnqueuedError extends Error {
  constructor(
    readonly failed: readonly number[],
    options?: { cause?: unknown },
  ) {
    super(`${failed.length} task(s) not accepted by the delivery queue`, options);
    this.name = 'TasksNotEnqueuedError';
  }
}

export interface CredentialCipher {
  encrypt(plaintext: StringMap, context: { tenantId: string; destinationId: string }): Promise<string>;
  decrypt(ciphertext: string, context: { tenantId: string; destinationId: string }): Promise<StringMap>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
