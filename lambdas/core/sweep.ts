import type { AppDependencies } from './dependencies';
import { MAX_QUEUE_DELAY_SECONDS } from './deliver';
import { taskFor } from './delivery-plan';

/**
 * How long past its due time a queued or retrying delivery may go unattempted before the sweeper
 * presumes its task lost (an enqueue that never completed). Longer than a delivery Lambda's worst
 * case (visibility timeout) so that slow but live tasks are rarely duplicated; duplicates are
 * harmless anyway because the deliverer drops stale tasks.
 */
export const LOST_TASK_GRACE_MS = 10 * 60 * 1000;
const PAGE_SIZE = 100;

export type SweepMode = 'lost' | 'recover-all';

/**
 * Re-enqueues deliveries whose task may be lost: in `lost` mode (the scheduled sweeper) those overdue
 * by more than the grace; in `recover-all` mode (the local runtime at boot, whose queue emulator keeps
 * nothing across restarts) every queued or retrying delivery, each with its remaining delay.
 */
export async function sweepDeliveries(
  deps: Pick<AppDependencies, 'clock' | 'deliveries' | 'queue'>,
  mode: SweepMode,
): Promise<number> {
  const now = deps.clock.now().getTime();
  const dueBefore =
    mode === 'recover-all' ? '9999-12-31T23:59:59.999Z' : new Date(now - LOST_TASK_GRACE_MS).toISOString();
  let cursor: string | undefined;
  let requeued = 0;
  do {
    const page = await deps.deliveries.listDue(dueBefore, PAGE_SIZE, cursor);
    const tasks = page.deliveries.map((delivery) => ({
      task: taskFor(delivery, null, false),
      delaySeconds: Math.min(
        MAX_QUEUE_DELAY_SECONDS,
        Math.max(0, (Date.parse(delivery.due_at ?? delivery.updated_at) - now) / 1000),
      ),
    }));
    if (tasks.length > 0) await deps.queue.enqueue(tasks);
    requeued += tasks.length;
    cursor = page.cursor;
  } while (cursor);
  return requeued;
}
