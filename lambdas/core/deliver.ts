import { createHash, randomUUID } from 'node:crypto';
import type { AppDependencies } from './dependencies';
import type { DeliveryResult } from './destination-adapter';
import { taskFor } from './delivery-plan';
import { DestinationHealthMonitor } from './health';
import type { RetryPolicy } from './config';
import type { Attempt, Delivery, DeliveryTask, Destination, Event } from './model';
import { nextRetryDelay } from './retry-policy';
import { TtlCache } from './ttl-cache';

/** The longest single delay a queue accepts (SQS); a later attempt is reached by re-delaying its task. */
export const MAX_QUEUE_DELAY_SECONDS = 900;
/** A task arriving this early is treated as due (clock skew, delay rounding). */
const EARLY_TOLERANCE_MS = 1000;

export type DeliveryOutcome =
  | { kind: 'delivered'; attempt: Attempt }
  | { kind: 'failed'; attempt: Attempt; retryInMs: number | null }
  | { kind: 'redelayed'; delaySeconds: number }
  | { kind: 'stale'; reason: string }
  | { kind: 'abandoned'; reason: string };

export type DeliverDependencies = Pick<
  AppDependencies,
  | 'config'
  | 'clock'
  | 'destinations'
  | 'events'
  | 'deliveries'
  | 'attempts'
  | 'queue'
  | 'adapters'
  | 'health'
  | 'alerts'
>;

/** Deterministic per (tenant, event, destination, attempt number): recording an attempt twice overwrites it. */
export function attemptIdFor(
  tenantId: string,
  eventId: string,
  destinationId: string,
  attemptNumber: number,
): string {
  const digest = createHash('sha256')
    .update(`${tenantId}\u0000${eventId}\u0000${destinationId}\u0000${attemptNumber}`)
    .digest('base64url');
  return `atm_${digest.slice(0, 24)}`;
}

/**
 * Runs one delivery task: the attempt it names, once. A task that is not the delivery's current one
 * (already attempted, superseded by a manual retry, finished) does nothing, which is what makes
 * queue redelivery and duplicate enqueues harmless.
 */
export class Deliverer {
  private readonly destinationCache: TtlCache<Destination | null>;
  private readonly health: DestinationHealthMonitor;

  constructor(
    private readonly deps: DeliverDependencies,
    options: { destinationCacheTtlMs?: number } = {},
  ) {
    this.destinationCache = new TtlCache(options.destinationCacheTtlMs ?? 5000, 1000);
    this.health = new DestinationHealthMonitor(deps);
  }

  async process(task: DeliveryTask): Promise<DeliveryOutcome> {
    const now = this.deps.clock.now();
    const remainingMs = Date.parse(task.due_at) - now.getTime();
    if (remainingMs > EARLY_TOLERANCE_MS) return this.redelay(task, remainingMs);

    const delivery = await this.deps.deliveries.get(task.tenant_id, task.event_id, task.destination_id);
    const staleReason = whyStale(task, delivery);
    if (staleReason || !delivery) return { kind: 'stale', reason: staleReason ?? 'no delivery record' };

    const destination = await this.currentDestination(task);
    if (!destination) return this.abandon(delivery, 'failed', 'destination_deleted');
    if (destination.disabled_at) return this.abandon(delivery, 'skipped', 'destination_disabled');

    const event = task.event ?? (await this.deps.events.get(task.tenant_id, task.event_id));
    if (!event) return this.abandon(delivery, 'failed', 'event_not_found');

    const adapter = this.deps.adapters(destination.type);
    if (!adapter) return this.abandon(delivery, 'failed', 'unknown_destination_type');

    const { config } = this.deps;
    const request = adapter.format(event, destination, {
      now,
      secretRotationGraceMs: config.delivery.secretRotationGraceMs,
    });
    const result = await adapter.send(request, destination, {
      timeoutMs: config.delivery.timeoutMs,
      responseCapBytes: config.delivery.responseCapBytes,
      allowPrivateTargets: config.mode === 'local',
    });
    return this.record(task, delivery, event, destination, result);
  }

  /**
   * The destination from the warm cache, except that "deleted" and "disabled" are read again: they end
   * the delivery for good (failed, skipped), while a stale enabled entry at worst sends once more
   * within the cache's few seconds. So a destination enabled a moment ago is never skipped. An entry
   * older than the destination the task was planned with is read again too.
   */
  private async currentDestination(task: DeliveryTask): Promise<Destination | null> {
    const key = `${task.tenant_id}/${task.destination_id}`;
    const load = () => this.deps.destinations.get(task.tenant_id, task.destination_id);
    const cached = await this.destinationCache.getOrLoad(key, load);
    const outdated =
      cached !== null &&
      task.destination_updated_at !== undefined &&
      Date.parse(cached.updated_at) < Date.parse(task.destination_updated_at);
    if (cached && !cached.disabled_at && !outdated) return cached;
    const fresh = await load();
    this.destinationCache.set(key, fresh);
    return fresh;
  }

  private async record(
    task: DeliveryTask,
    delivery: Delivery,
    event: Event,
    destination: Destination,
    result: DeliveryResult,
  ): Promise<DeliveryOutcome> {
    const now = this.deps.clock.now();
    const attempt: Attempt = {
      id: attemptIdFor(task.tenant_id, task.event_id, task.destination_id, task.attempt_number),
      tenant_id: task.tenant_id,
      event_id: task.event_id,
      destination_id: task.destination_id,
      destination_type: destination.type,
      attempt_number: task.attempt_number,
      manual: task.manual,
      status: result.ok ? 'success' : 'failed',
      code: result.code,
      time: now.toISOString(),
      response_data: result.response,
      topic: event.topic,
    };
    const retryInMs =
      !result.ok && result.retryable && event.eligible_for_retry
        ? nextRetryDelay(retryPolicyFor(destination, this.deps.config.retry), task.attempt_number, {
            retryAfterMs: result.retryAfterMs,
          })
        : null;
    const next: Delivery = {
      ...delivery,
      attempts: task.attempt_number,
      last_code: result.code,
      updated_at: now.toISOString(),
      ...(result.ok
        ? { status: 'success', due_at: null, reason: null }
        : retryInMs === null
          ? {
              status: 'failed',
              due_at: null,
              reason: result.retryable ? 'retries_exhausted' : 'not_retryable',
            }
          : {
              status: 'retrying',
              next_attempt_number: task.attempt_number + 1,
              task_id: randomUUID(),
              due_at: new Date(now.getTime() + retryInMs).toISOString(),
              reason: null,
            }),
    };

    // The attempt is written first so that an attempt is never lost from the history; if another
    // runner recorded this attempt number meanwhile, only one of us advances the delivery.
    await this.deps.attempts.put(attempt);
    const advanced = await this.deps.deliveries.advance(next, task.attempt_number);
    if (!advanced) return { kind: 'stale', reason: 'attempt recorded by another runner' };
    if (next.status === 'retrying' && retryInMs !== null) {
      await this.deps.queue.enqueue([
        {
          task: taskFor(next, event, false),
          delaySeconds: Math.min(MAX_QUEUE_DELAY_SECONDS, retryInMs / 1000),
        },
      ]);
    }
    // Health comes last: if it throws, the attempt and the next task are already safe.
    await this.updateHealth(destination, event, attempt, next);
    return result.ok ? { kind: 'delivered', attempt } : { kind: 'failed', attempt, retryInMs };
  }

  private async updateHealth(destination: Destination, event: Event, attempt: Attempt, next: Delivery) {
    if (attempt.status === 'success') {
      await this.health.recordSuccess(destination, event, attempt);
      return;
    }
    const after = await this.health.recordFailure(destination, event, attempt);
    if (after !== destination) this.destinationCache.set(`${after.tenant_id}/${after.id}`, after);
    if (next.reason === 'retries_exhausted') await this.health.recordExhausted(destination, event, attempt);
  }

  private async redelay(task: DeliveryTask, remainingMs: number): Promise<DeliveryOutcome> {
    const delaySeconds = Math.min(MAX_QUEUE_DELAY_SECONDS, Math.ceil(remainingMs / 1000));
    await this.deps.queue.enqueue([{ task, delaySeconds }]);
    return { kind: 'redelayed', delaySeconds };
  }

  private async abandon(
    delivery: Delivery,
    status: 'failed' | 'skipped',
    reason: string,
  ): Promise<DeliveryOutcome> {
    await this.deps.deliveries.advance(
      { ...delivery, status, due_at: null, reason, updated_at: this.deps.clock.now().toISOString() },
      delivery.next_attempt_number,
    );
    return { kind: 'abandoned', reason };
  }
}

/** The deployment's policy, with the destination's own schedule when it has one. */
function retryPolicyFor(destination: Destination, policy: RetryPolicy): RetryPolicy {
  return destination.retry_schedule ? { ...policy, scheduleSeconds: destination.retry_schedule } : policy;
}

function whyStale(task: DeliveryTask, delivery: Delivery | null): string | undefined {
  if (!delivery) return 'no delivery record';
  if (delivery.status !== 'queued' && delivery.status !== 'retrying') return `delivery is ${delivery.status}`;
  if (delivery.task_id !== task.task_id) return 'superseded by a newer task';
  if (delivery.next_attempt_number !== task.attempt_number) return 'attempt already made';
  return undefined;
}
