import type { AppDependencies } from './dependencies';
import { ENQUEUE_FAILED_REASON, planDelivery } from './delivery-plan';
import { DestinationNotFoundError, PayloadTooLargeError, ValidationError } from './errors';
import { matchesFilter } from './filter';
import { CALLER_ID_PATTERN, newEventId } from './ids';
import {
  eventDataJson,
  type Delivery,
  type DeliveryTask,
  type Destination,
  type Event,
  type JsonObject,
  type StringMap,
} from './model';
import { TasksNotEnqueuedError, type ScheduledTask } from './ports';
import { pendingTaskPresumedLost, takeOver } from './sweep';
import { matchesTopic, validatePublishTopic } from './topics';

export interface PublishInput {
  id?: string;
  tenant_id: string;
  destination_id?: string;
  topic?: string;
  eligible_for_retry?: boolean;
  time?: string;
  metadata?: StringMap | null;
  data: JsonObject;
  /** `data` as the producer wrote it (lambdas/api/publish-request.ts): stored and delivered as is. */
  data_json?: string;
}

export interface PublishResult {
  id: string;
  duplicate: boolean;
  destination_ids: string[];
}

/**
 * The queue did not accept the tasks. The event and its `queued` deliveries are stored, so the
 * sweeper (or the producer retrying with the same id) re-enqueues them; the caller answers 503.
 */
export class EnqueueFailedError extends Error {
  constructor(
    cause: unknown,
    /** Ids of the tasks the queue did not take (their deliveries are marked `enqueue_failed`). */
    readonly refusedTaskIds: readonly string[],
  ) {
    super('delivery queue unavailable', { cause });
    this.name = 'EnqueueFailedError';
  }
}

export const DISABLED_REASON = 'destination_disabled';

/**
 * DESIGN.md §4: validate, match, write the event and then its deliveries, enqueue, and only then
 * report success. An unknown tenant is not an error (Outpost accepts the event): the event
 * is stored with no destinations so that it can be inspected.
 */
export async function publishEvent(deps: AppDependencies, input: PublishInput): Promise<PublishResult> {
  const problems = validatePublishTopic(input.topic, deps.config.topics);
  if (input.id !== undefined && !CALLER_ID_PATTERN.test(input.id)) {
    problems.push('id: must be 1-128 letters, digits or ._:@+=- and start with a letter or digit');
  }
  if (problems.length > 0) throw new ValidationError('validation error', problems);
  const dataBytes = Buffer.byteLength(eventDataJson(input));
  if (dataBytes > deps.config.api.maxEventDataBytes) {
    throw new PayloadTooLargeError(
      `data is ${dataBytes} bytes; the limit is ${deps.config.api.maxEventDataBytes}`,
    );
  }

  const now = deps.clock.now();
  const found = await deps.tenants.getWithDestinations(input.tenant_id);
  const candidates = selectCandidates(found?.destinations ?? [], input.destination_id);
  const draft: Event = {
    id: input.id ?? newEventId(),
    tenant_id: input.tenant_id,
    ...(input.destination_id !== undefined ? { destination_id: input.destination_id } : {}),
    topic: input.topic ?? '',
    time: input.time ? new Date(input.time).toISOString() : now.toISOString(),
    eligible_for_retry: input.eligible_for_retry ?? true,
    metadata: input.metadata && Object.keys(input.metadata).length > 0 ? input.metadata : null,
    data: input.data,
    data_json: eventDataJson(input),
    matched_destination_ids: [],
  };
  const matching = candidates.filter(
    (destination) =>
      matchesTopic(destination.topics, draft.topic) && matchesFilter(destination.filter, draft),
  );
  const enabled = matching.filter((destination) => destination.disabled_at === null);
  const event: Event = { ...draft, matched_destination_ids: enabled.map((destination) => destination.id) };

  const plans = enabled.map((destination) => planDelivery(event, destination, now));
  const skipped = matching
    .filter((destination) => destination.disabled_at !== null)
    .map((destination) => skippedDelivery(event, destination, now));
  const written = await deps.events.createWithDeliveries(event, [
    ...plans.map((plan) => plan.delivery),
    ...skipped,
  ]);

  if (!written.created) {
    const tasks = await resumeDeliveries(deps, written.existing, found?.destinations ?? [], now);
    await enqueue(deps, tasks);
    const existing = written.existing;
    return { id: existing.id, duplicate: true, destination_ids: existing.matched_destination_ids };
  }
  await enqueue(
    deps,
    plans.map((plan) => plan.task),
  );
  return { id: event.id, duplicate: false, destination_ids: event.matched_destination_ids };
}

/**
 * A repeated publish of a stored event: the first one may have died after writing the event and
 * before its deliveries or its enqueue. Deliveries that were never written are created now (for the
 * matched destinations that still exist). A recorded delivery is sent again only if its task is
 * presumed lost (the queue refused it, or it is overdue past the sweeper's grace), and then under a
 * new task id: a first task still queued or sending (a producer repeating a publish that worked)
 * keeps its delivery, and is never doubled by a second copy.
 */
async function resumeDeliveries(
  deps: AppDependencies,
  existing: Event,
  destinations: Destination[],
  now: Date,
): Promise<DeliveryTask[]> {
  const recorded = await deps.deliveries.listForEvent(existing.tenant_id, existing.id);
  const recordedIds = new Set(recorded.map((delivery) => delivery.destination_id));
  const missing = destinations.filter(
    (destination) =>
      existing.matched_destination_ids.includes(destination.id) && !recordedIds.has(destination.id),
  );
  const created = await Promise.all(
    missing.map(async (destination) => {
      const plan =
        destination.disabled_at === null
          ? planDelivery(existing, destination, now)
          : { delivery: skippedDelivery(existing, destination, now), task: null };
      return (await deps.deliveries.putIfAbsent(plan.delivery)) ? plan.task : null;
    }),
  );
  const lost = recorded.filter((delivery) => pendingTaskPresumedLost(delivery, now));
  const takenOver = await takeOver(deps, lost, now, existing);
  return [
    ...takenOver.map((scheduled) => scheduled.task),
    ...created.filter((task): task is DeliveryTask => task !== null),
  ];
}

function selectCandidates(destinations: Destination[], destinationId: string | undefined): Destination[] {
  if (destinationId === undefined) return destinations;
  const target = destinations.find((destination) => destination.id === destinationId);
  if (!target) throw new DestinationNotFoundError();
  return [target];
}

/** Kept so that it can be replayed once the destination is enabled again (DESIGN.md §4c). */
function skippedDelivery(event: Event, destination: Destination, now: Date): Delivery {
  return {
    ...planDelivery(event, destination, now).delivery,
    status: 'skipped',
    due_at: null,
    reason: DISABLED_REASON,
  };
}

/**
 * Sends tasks due now. When the queue refuses them, their deliveries are marked so that a repeated
 * publish or a manual retry can take them over at once (a mark that cannot be written leaves them to
 * the sweeper), and the caller answers 503.
 */
export async function enqueue(deps: AppDependencies, tasks: DeliveryTask[]): Promise<void> {
  await enqueueScheduled(
    deps,
    tasks.map((task) => ({ task, delaySeconds: 0 })),
  );
}

/** `enqueue` for tasks that carry their own delay (a publish batch's collected tasks). */
export async function enqueueScheduled(deps: AppDependencies, scheduled: ScheduledTask[]): Promise<void> {
  if (scheduled.length === 0) return;
  try {
    await deps.queue.enqueue(scheduled);
  } catch (error) {
    const refused =
      error instanceof TasksNotEnqueuedError
        ? error.failed.map((index) => scheduled[index]!.task)
        : scheduled.map((entry) => entry.task);
    await Promise.allSettled(refused.map((task) => deps.deliveries.markReason(task, ENQUEUE_FAILED_REASON)));
    throw new EnqueueFailedError(
      error,
      refused.map((task) => task.task_id),
    );
  }
}
