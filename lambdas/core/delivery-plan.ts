import { randomUUID } from 'node:crypto';
import {
  eventDataJson,
  type CarriedEvent,
  type Delivery,
  type DeliveryTask,
  type Destination,
  type Event,
  type JsonObject,
} from './model';

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
export function taskFor(
  delivery: Delivery,
  event: Event | CarriedEvent | null,
  manual: boolean,
): DeliveryTask {
  const carried = event === null || !('data' in event) ? event : carryEvent(event);
  const inline = carried !== null && Buffer.byteLength(JSON.stringify(carried)) <= INLINE_EVENT_MAX_BYTES;
  return {
    tenant_id: delivery.tenant_id,
    event_id: delivery.event_id,
    destination_id: delivery.destination_id,
    destination_type: delivery.destination_type,
    attempt_number: delivery.next_attempt_number,
    task_id: delivery.task_id,
    manual,
    due_at: delivery.due_at ?? delivery.updated_at,
    ...(inline && carried ? { event: carried } : {}),
  };
}

function carryEvent(event: Event): CarriedEvent {
  const { data: _data, data_json: _dataJson, ...rest } = event;
  return { ...rest, data_json: eventDataJson(event) };
}

/** The event a task carries, with its data parsed again for filters and templates. */
export function eventOfTask(carried: CarriedEvent): Event {
  return { ...carried, data: JSON.parse(carried.data_json) as JsonObject };
}
