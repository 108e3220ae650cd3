import { createHash } from 'node:crypto';
import type { AppDependencies } from './dependencies';
import type { DeliveryResult } from './destination-adapter';
import { eventOfTask, taskFor } from './delivery-plan';
import { attemptIdFor } from './ids';
import { DestinationHealthMonitor } from './health';
import type { RetryPolicy } from './config';
import type { Attempt, Delivery, DeliveryTask, Destination, Event } from './model';
import { TasksNotEnqueuedError, type ScheduledTask } from './ports';
import { nextRetryDelay } from './retry-policy';
import { TtlCache } from './ttl-cache';

/** The longest single delay a queue accepts (SQS); a later attempt is reached by re-delaying its task. */
export const MAX_QUEUE_DELAY_SECONDS = 900;
/** A task arriving this early is treated as due (clock skew, delay rounding); never earlier. */
export const EARLY_TOLERANCE_MS = 1000;

/**
 * What running a task did. `followUp` is the task it leaves for the queue (the next attempt, the same
 * task re-delayed, or a next attempt sent again): the caller sends it, batched with the others of its
 * invocation (processBatch), and the task counts as done only once it is on the queue.
 */
export type DeliveryOutcome = (
  | { kind: 'delivered'; attempt: Attempt }
  | { kind: 'failed'; attempt: Attempt; retryInMs: number | null }
  | { kind: 'redelayed'; delaySeconds: number }
  | { kind: 'stale'; reason: string }
  | { kind: 'abandoned'; reason: string }
) & { followUp?: ScheduledTask };

/** One task of a batch: what it did, or why it must be received again. */
export type BatchItemResult = { ok: true; outcome: DeliveryOutcome } | { ok: false; error: unknown };

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

/**
 * The task id of the attempt a task schedules when it fails. Derived, not random, so that a task
 * received again after its run was cut short (its follow-up not sent, or its message reported failed)
 * recognises the delivery it advanced and sends that next attempt again instead of losing it.
 */
export function successorTaskId(taskId: string): string {
  return `next-${createHash('sha256').update(taskId).digest('base64url').slice(0, 22)}`;
}

/**
 * Runs delivery tasks: each the attempt it names, once. A task that is not the delivery's current one
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

  /**
   * Runs the tasks of one queue receive, then sends all their follow-ups together (SendMessageBatch,
   * ten to a call, each with its own delay). A task whose run threw, or whose follow-up the queue did
   * not take, is reported not ok, for the queue to deliver it again.
   */
  async processBatch(tasks: readonly DeliveryTask[]): Promise<BatchItemResult[]> {
    const results = await Promise.all(
      tasks.map((task) =>
        this.process(task).then(
          (outcome): BatchItemResult => ({ ok: true, outcome }),
          (error: unknown): BatchItemResult => ({ ok: false, error }),
        ),
      ),
    );
    const pending = results.flatMap((result, index) =>
      result.ok && result.outcome.followUp ? [{ index, followUp: result.outcome.followUp }] : [],
    );
    if (pending.length === 0) return results;
    try {
      await this.deps.queue.enqueue(pending.map(({ followUp }) => followUp));
    } catch (error) {
      const failed =
        error instanceof TasksNotEnqueuedError ? error.failed : pending.map((_, position) => position);
      for (const position of failed) results[pending[position]!.index] = { ok: false, error };
    }
    return results;
  }

  /** Runs one task; its follow-up, if any, is the caller's to send. */
  async process(task: DeliveryTask): Promise<DeliveryOutcome> {
    const now = this.deps.clock.now();
    const remainingMs = Date.parse(task.due_at) - now.getTime();
    if (remainingMs > EARLY_TOLERANCE_MS) {
      const followUp = redelayed(task, now);
      return { kind: 'redelayed', delaySeconds: followUp.delaySeconds, followUp };
    }

    const delivery = await this.deps.deliveries.get(task.tenant_id, task.event_id, task.destination_id);
    if (delivery && advancedBy(task, delivery)) {
      return {
        kind: 'stale',
        reason: 'attempt already recorded; its next attempt is queued again',
        followUp: redelayed(taskFor(delivery, task.event ?? null, false), now),
      };
    }
    const staleReason = whyStale(task, delivery);
    if (staleReason || !delivery) return { kind: 'stale', reason: staleReason ?? 'no delivery record' };

    const destination = await this.currentDestination(task);
    if (!destination) return this.abandon(delivery, 'failed', 'destination_deleted');
    if (destination.disabled_at) return this.abandon(delivery, 'skipped', 'destination_disabled');

    const event = task.event
      ? eventOfTask(task.event)
      : await this.deps.events.get(task.tenant_id, task.event_id);
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
              reason: whyNoRetry(result, event),
            }
          : {
              status: 'retrying',
              next_attempt_number: task.attempt_number + 1,
              task_id: successorTaskId(task.task_id),
              due_at: new Date(now.getTime() + retryInMs).toISOString(),
              reason: null,
            }),
    };

    // The ledger decides who owns this attempt number: only the runner whose advance wins writes the
    // attempt, so a copy that lost the delivery while in flight (a duplicate of its task, a task taken
    // over or superseded meanwhile) never records, and no attempt is ever overwritten.
    const advanced = await this.deps.deliveries.advance(next, delivery);
    if (!advanced) return { kind: 'stale', reason: 'the delivery moved on while this attempt was in flight' };
    await this.deps.attempts.put(attempt);
    // Health comes last: if it throws, the attempt is recorded and the task, received again, sends
    // the next attempt (see advancedBy).
    await this.updateHealth(destination, event, attempt, next);
    if (result.ok) return { kind: 'delivered', attempt };
    return {
      kind: 'failed',
      attempt,
      retryInMs,
      ...(next.status === 'retrying' ? { followUp: redelayed(taskFor(next, event, false), now) } : {}),
    };
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

  private async abandon(
    delivery: Delivery,
    status: 'failed' | 'skipped',
    reason: string,
  ): Promise<DeliveryOutcome> {
    await this.deps.deliveries.advance(
      { ...delivery, status, due_at: null, reason, updated_at: this.deps.clock.now().toISOString() },
      delivery,
    );
    return { kind: 'abandoned', reason };
  }
}

/**
 * Why a failed attempt is the last one. An event published with `eligible_for_retry: false` is tried
 * once: like Outpost, its failure counts towards the destination's consecutive failures but is not
 * "retries exhausted" (no such alert), since it never had retries to exhaust.
 */
function whyNoRetry(result: DeliveryResult, event: Event): string {
  if (!result.retryable) return 'not_retryable';
  return event.eligible_for_retry ? 'retries_exhausted' : 'not_eligible_for_retry';
}

/** A task with the delay that brings it back when due, or as close as the queue allows. */
function redelayed(task: DeliveryTask, now: Date): ScheduledTask {
  const remainingMs = Math.max(0, Date.parse(task.due_at) - now.getTime());
  return { task, delaySeconds: Math.min(MAX_QUEUE_DELAY_SECONDS, Math.ceil(remainingMs / 1000)) };
}

/** The delivery is waiting for the attempt this task scheduled when it failed. */
function advancedBy(task: DeliveryTask, delivery: Delivery): boolean {
  return (
    delivery.status === 'retrying' &&
    delivery.next_attempt_number === task.attempt_number + 1 &&
    delivery.task_id === successorTaskId(task.task_id)
  );
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
