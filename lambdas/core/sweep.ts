import { randomUUID } from 'node:crypto';
import type { AppDependencies } from './dependencies';
import { EARLY_TOLERANCE_MS, MAX_QUEUE_DELAY_SECONDS } from './deliver';
import { ENQUEUE_FAILED_REASON, taskFor } from './delivery-plan';
import type { Delivery, Event } from './model';
import type { ScheduledTask } from './ports';

/**
 * How long past its due time a queued or retrying delivery may go unattempted before the sweeper
 * presumes its task lost (an enqueue that never completed). Longer than a delivery Lambda's worst
 * case (visibility timeout) so that slow but live tasks are rarely taken over.
 */
export const LOST_TASK_GRACE_MS = 10 * 60 * 1000;
/** Added to the deliverer's early tolerance: covers the write that supersedes a task and clock skew. */
const START_MARGIN_MS = 1000;
const PAGE_SIZE = 100;

const isPending = (delivery: Delivery): boolean =>
  delivery.status === 'queued' || delivery.status === 'retrying';

/**
 * Whether the delivery's pending task may be sending right now, so that nothing else may take its
 * attempt number: it is due or about to be (the deliverer starts a task at most EARLY_TOLERANCE_MS
 * early), and not so overdue that it is presumed lost. A task due later is still waiting out its
 * queue delay and can safely be superseded.
 */
export function pendingTaskMayBeRunning(delivery: Delivery, now: Date): boolean {
  if (!isPending(delivery) || delivery.reason === ENQUEUE_FAILED_REASON) return false;
  const untilDue = msUntilDue(delivery, now);
  return untilDue <= EARLY_TOLERANCE_MS + START_MARGIN_MS && -untilDue <= LOST_TASK_GRACE_MS;
}

/** A pending delivery whose task the queue refused, or that is overdue by more than the grace. */
export function pendingTaskPresumedLost(delivery: Delivery, now: Date): boolean {
  return (
    isPending(delivery) &&
    (delivery.reason === ENQUEUE_FAILED_REASON || -msUntilDue(delivery, now) > LOST_TASK_GRACE_MS)
  );
}

const msUntilDue = (delivery: Delivery, now: Date): number =>
  Date.parse(delivery.due_at ?? delivery.updated_at) - now.getTime();

export type SweepMode = 'lost' | 'recover-all';

/**
 * Re-enqueues deliveries whose task may be lost.
 *
 * `lost` mode (the scheduled sweeper) takes over deliveries overdue by more than the grace: each gets
 * a new task id and is due now, written only if the record has not moved on. The old task, if it was
 * merely slow (a backlog longer than the grace), becomes stale and is dropped when it runs, so there
 * is never more than one live task per delivery, and the delivery leaves the overdue range, so later
 * sweeps do not send it again and again while the backlog drains.
 *
 * `recover-all` mode (the local runtime at boot, whose queue emulator keeps nothing across restarts)
 * sends every queued or retrying delivery's current task, each with its remaining delay.
 */
export async function sweepDeliveries(
  deps: Pick<AppDependencies, 'clock' | 'deliveries' | 'queue'>,
  mode: SweepMode,
): Promise<number> {
  const now = deps.clock.now();
  const dueBefore =
    mode === 'recover-all'
      ? '9999-12-31T23:59:59.999Z'
      : new Date(now.getTime() - LOST_TASK_GRACE_MS).toISOString();
  let cursor: string | undefined;
  let requeued = 0;
  do {
    const page = await deps.deliveries.listDue(dueBefore, PAGE_SIZE, cursor);
    const tasks =
      mode === 'recover-all'
        ? page.deliveries.map((delivery) => ({
            task: taskFor(delivery, null, false),
            delaySeconds: Math.min(
              MAX_QUEUE_DELAY_SECONDS,
              Math.max(0, (Date.parse(delivery.due_at ?? delivery.updated_at) - now.getTime()) / 1000),
            ),
          }))
        : await takeOver(deps, page.deliveries, now);
    if (tasks.length > 0) await deps.queue.enqueue(tasks);
    requeued += tasks.length;
    cursor = page.cursor;
  } while (cursor);
  return requeued;
}

/**
 * Gives each delivery a new task id, due now, written only if the record has not moved on. The old
 * task, wherever it is, becomes stale: dropped when it runs, and unable to record if it is running.
 */
export async function takeOver(
  deps: Pick<AppDependencies, 'deliveries'>,
  lost: Delivery[],
  now: Date,
  event: Event | null = null,
): Promise<ScheduledTask[]> {
  const taken = await Promise.all(
    lost.map(async (delivery) => {
      const renewed: Delivery = {
        ...delivery,
        task_id: randomUUID(),
        due_at: now.toISOString(),
        reason: null,
        updated_at: now.toISOString(),
      };
      return (await deps.deliveries.advance(renewed, delivery)) ? renewed : null;
    }),
  );
  return taken
    .filter((delivery): delivery is Delivery => delivery !== null)
    .map((delivery) => ({ task: taskFor(delivery, event, false), delaySeconds: 0 }));
}
