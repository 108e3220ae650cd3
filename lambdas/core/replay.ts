import type { AppDependencies } from './dependencies';
import { BadRequestError, DestinationNotFoundError } from './errors';
import { whyNotRoutable, scheduleManualAttempt } from './manual-retry';
import type { Delivery, DeliveryStatus, DeliveryTask, Destination } from './model';
import type { TimeRange } from './ports';
import { enqueue } from './publish';

/** Statuses a bulk replay may pick up: deliveries that are not going to happen on their own. */
export const REPLAYABLE_STATUSES: readonly DeliveryStatus[] = ['skipped', 'failed'];
/** Deliveries one replay request looks at; the caller continues with `next` while it is set. */
export const REPLAY_BATCH = 500;
const PAGE = 100;

export interface ReplayRequest {
  statuses?: DeliveryStatus[];
  time?: TimeRange;
  /** `next` of the previous response: where to continue. */
  cursor?: string;
}

export interface ReplayResult {
  replayed: number;
  /** The destination no longer subscribes to these events (topic or filter changed). */
  not_matching: number;
  /** These deliveries used up their manual retries (MANUAL_RETRY_LIMIT). */
  over_limit: number;
  /** More deliveries may match: send the request again with `cursor: next`. */
  remaining: boolean;
  next: string | null;
}

/**
 * Bulk replay (DESIGN.md §4c, Outpost #611): every skipped or failed delivery of one destination in a
 * time range gets a manual attempt, e.g. after the destination was disabled and is enabled again.
 * Each request looks at up to REPLAY_BATCH deliveries in event-time order and returns a cursor past
 * the last one: deliveries it could not replay (over the manual-retry limit, no longer matching) are
 * behind it, so no number of them can stall a replay, and a replayed delivery that fails again is
 * not replayed twice by the same walk.
 */
export async function replayDeliveries(
  deps: AppDependencies,
  tenantId: string,
  destinationId: string,
  request: ReplayRequest,
): Promise<ReplayResult> {
  const destination = await deps.destinations.get(tenantId, destinationId);
  if (!destination) throw new DestinationNotFoundError();
  if (destination.disabled_at !== null) throw new BadRequestError('destination is disabled: enable it first');
  const statuses =
    request.statuses && request.statuses.length > 0 ? request.statuses : [...REPLAYABLE_STATUSES];
  if (statuses.some((status) => !REPLAYABLE_STATUSES.includes(status))) {
    throw new BadRequestError(`only ${REPLAYABLE_STATUSES.join(' and ')} deliveries can be replayed`);
  }

  const result: ReplayResult = { replayed: 0, not_matching: 0, over_limit: 0, remaining: false, next: null };
  let cursor = request.cursor;
  let seen = 0;
  do {
    const page = await deps.deliveries.listForDestination(tenantId, destinationId, {
      statuses,
      time: request.time,
      limit: PAGE,
      cursor,
    });
    const tasks = await Promise.all(
      page.deliveries.map((delivery) => replayOne(deps, destination, delivery, result)),
    );
    await enqueue(
      deps,
      tasks.filter((task): task is DeliveryTask => task !== null),
    );
    seen += page.deliveries.length;
    cursor = page.cursor;
  } while (cursor && seen < REPLAY_BATCH);
  result.next = cursor ?? null;
  result.remaining = result.next !== null;
  return result;
}

async function replayOne(
  deps: AppDependencies,
  destination: Destination,
  delivery: Delivery,
  tally: ReplayResult,
): Promise<DeliveryTask | null> {
  if (delivery.manual_retries >= deps.config.manualRetryLimit) {
    tally.over_limit += 1;
    return null;
  }
  const event = await deps.events.get(delivery.tenant_id, delivery.event_id);
  if (!event || whyNotRoutable(destination, event)) {
    tally.not_matching += 1;
    return null;
  }
  const task = await scheduleManualAttempt(deps, event, destination, delivery);
  if (task) tally.replayed += 1;
  return task;
}
