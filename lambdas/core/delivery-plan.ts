import { randomUUID } from 'node:crypto';
import type { Delivery, DeliveryTask, Destination, Event } from './model';

/**
 * Reason a pending delivery carries when the queue refused its task: nothing is in flight for it, so a
 * repeated publish or a manual retry may take it over at once instead of waiting for the sweeper.
 */
export const ENQUEUE_FAILED_REASON = 'enqueue_failed';

/** Largest event JSON carried inside a task; bigger events are loaded by the deliverer (SQS caps messages). */
export const INLINE_EVENT_MAX_BYTES = 200 * 1024;

/** The delivery record and first task for one (event, destination) pair, due now. */
export function planDelivery(
  event: Event,
  destination: Pick<Destination, 'id' | 'type'> & Partial<Pick<Destination, 'updated_at'>>,
  now: Date,
  options: { manual?: boolean; attemptNumber?: number } = {},
): { delivery: Delivery; task: DeliveryTask } {
  const attemptNumber = options.attemptNumber ?? 1;
  const dueAt = now.toISOString();
  const delivery: Delivery = {
    tenant_id: event.tenant_id,
    event_id: event.id,
    destination_id: destination.id,
    destination_type: destination.type,
    event_time: event.time,
    status: 'queued',
    next_attempt_number: attemptNumber,
    task_id: randomUUID(),
    due_at: dueAt,
    attempts: attemptNumber - 1,
    manual_retries: 0,
    last_code: null,
    reason: null,
    updated_at: dueAt,
  };
  const task = taskFor(delivery, event, options.manual ?? false);
  if (destination.updated_at !== undefined) task.destination_updated_at = destination.updated_at;
  return { delivery, task };
}

/** The task for a delivery's next attempt; without `event` (or when it is too big) the deliverer loads it. */
export function taskFor(delivery: Delivery, event: Event | null, manual: boolean): DeliveryTask {
  const inline = event !== null && Buffer.byteLength(JSON.stringify(event)) <= INLINE_EVENT_MAX_BYTES;
  return {
    tenant_id: delivery.tenant_id,
    event_id: delivery.event_id,
    destination_id: delivery.destination_id,
    destination_type: delivery.destination_type,
    attempt_number: delivery.next_attempt_number,
    task_id: delivery.task_id,
    manual,
    due_at: delivery.due_at ?? delivery.updated_at,
    ...(inline && event ? { event } : {}),
  };
}
