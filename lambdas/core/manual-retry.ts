import { randomUUID } from 'node:crypto';
import type { AppDependencies } from './dependencies';
import { planDelivery, taskFor } from './delivery-plan';
import { BadRequestError, ConflictError, ValidationError } from './errors';
import { findRetryTarget } from './event-lookup';
import { explainFilter } from './filter';
import type { Delivery, DeliveryTask, Destination, Event } from './model';
import { enqueue } from './publish';
import { pendingTaskMayBeRunning } from './sweep';
import { matchesTopic } from './topics';

export interface RetryInput {
  event_id: string;
  destination_id: string;
}

/**
 * POST /retry. `tenantId` is the caller's tenant (undefined for the admin key, who may retry any
 * tenant's event). The new attempt gets a fresh task id, so a pending automatic task for the same
 * delivery finds itself superseded when it runs. While an automatic attempt is due or sending, the
 * retry is refused with 409 rather than accepted and then lost to (or racing) that attempt: the
 * caller sees its outcome a few seconds later and can retry then.
 */
export async function retryDelivery(
  deps: AppDependencies,
  tenantId: string | undefined,
  input: RetryInput,
): Promise<void> {
  const { event, destination } = await findRetryTarget(deps, tenantId, input);
  if (destination.disabled_at !== null) throw new BadRequestError('destination is disabled');
  const mismatch = whyNotRoutable(destination, event);
  if (mismatch) throw new BadRequestError(mismatch);
  const current = await deps.deliveries.get(event.tenant_id, event.id, destination.id);
  if (current && pendingTaskMayBeRunning(current, deps.clock.now())) {
    throw new ConflictError(
      `attempt ${current.next_attempt_number} of this delivery is due or in progress; retry once it is recorded`,
      { attempt_number: current.next_attempt_number, status: current.status, due_at: current.due_at },
    );
  }
  if (current && current.manual_retries >= deps.config.manualRetryLimit) {
    throw new ValidationError('manual retry limit reached', [
      `event_id: ${current.manual_retries} manual retries of this delivery already (limit ${deps.config.manualRetryLimit})`,
    ]);
  }
  const task = await scheduleManualAttempt(deps, event, destination, current);
  if (!task) throw new ConflictError('the delivery changed while retrying; try again');
  await enqueue(deps, [task]);
}

/** Why an event may not be sent to a destination any more (topic or filter changed), if it may not. */
export function whyNotRoutable(destination: Destination, event: Event): string | undefined {
  if (!matchesTopic(destination.topics, event.topic)) {
    return `destination does not subscribe to topic "${event.topic}"`;
  }
  const filter = explainFilter(destination.filter, event);
  if (!filter.matches) {
    return `event does not match the destination's filter${filter.failed_path ? ` at ${filter.failed_path}` : ''}`;
  }
  return undefined;
}

/**
 * Makes the delivery's next attempt a manual one, due now, under a fresh task id (so a pending
 * automatic task for the same delivery finds itself superseded). Returns the task to enqueue, or
 * null when the delivery changed underneath (a concurrent attempt or retry): nothing was written.
 */
export async function scheduleManualAttempt(
  deps: AppDependencies,
  event: Event,
  destination: Destination,
  current: Delivery | null,
): Promise<DeliveryTask | null> {
  const now = deps.clock.now();
  const next: Delivery = current
    ? {
        ...current,
        status: 'retrying',
        next_attempt_number: current.attempts + 1,
        task_id: randomUUID(),
        due_at: now.toISOString(),
        manual_retries: current.manual_retries + 1,
        reason: null,
        updated_at: now.toISOString(),
      }
    : { ...planDelivery(event, destination, now).delivery, status: 'retrying', manual_retries: 1 };
  const written = current
    ? await deps.deliveries.advance(next, current)
    : await deps.deliveries.putIfAbsent(next);
  return written ? taskFor(next, event, true) : null;
}
