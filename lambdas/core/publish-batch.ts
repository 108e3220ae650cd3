import type { AppDependencies } from './dependencies';
import type { ScheduledTask, TaskQueue, TenantRepository } from './ports';
import {
  EnqueueFailedError,
  enqueueScheduled,
  publishEvent,
  type PublishInput,
  type PublishResult,
} from './publish';

/** One event of a batch: published, or the error that stopped it (a DomainError, or an outage). */
export type BatchItemOutcome = { ok: true; result: PublishResult } | { ok: false; error: unknown };

/** Events of a batch in flight at once: enough to overlap store round trips, few enough for one Lambda. */
const PUBLISH_CONCURRENCY = 10;

/**
 * Publishes a batch (POST /publish/batch, the ingest queue): each event goes through publishEvent on
 * its own, so one bad event never fails the others; their delivery tasks are collected and enqueued
 * together, ten to a SendMessageBatch call, instead of one call per event, and each tenant's
 * destinations are read once for the batch, not once per event. Each outcome is reported
 * only after the enqueue: an event with a task the queue refused gets an EnqueueFailedError (the
 * event and its deliveries are stored and marked, so a retry with the same id sends them at once,
 * and the sweeper otherwise).
 *
 * @param decode turns a raw item into a PublishInput, throwing a DomainError when it is malformed, so
 *   that validation failures are per-item outcomes like any other.
 */
export async function publishEvents<T>(
  deps: AppDependencies,
  items: readonly T[],
  decode: (item: T) => PublishInput,
): Promise<BatchItemOutcome[]> {
  const collected: Array<{ index: number; tasks: ScheduledTask[] }> = [];
  const outcomes: BatchItemOutcome[] = new Array<BatchItemOutcome>(items.length);
  const tenantOf: string[] = new Array<string>(items.length);
  const tenants = readOncePerTenant(deps.tenants);
  // An id repeated within the batch waits for its first occurrence, so the first one is the original
  // and the later ones are its duplicates, whatever order the workers finish in.
  const firstOccurrence = new Map<string, Promise<void>>();
  let next = 0;
  const publishItem = async (index: number, input: PublishInput): Promise<void> => {
    const collector: TaskQueue = {
      enqueue: async (tasks) => {
        collected.push({ index, tasks });
      },
    };
    const result = await publishEvent({ ...deps, tenants, queue: collector }, input);
    outcomes[index] = { ok: true, result };
  };
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        const input = decode(items[index]!);
        tenantOf[index] = input.tenant_id;
        const key = input.id === undefined ? undefined : eventKey(input.tenant_id, input.id);
        const earlier = key === undefined ? undefined : firstOccurrence.get(key);
        const published = (earlier ?? Promise.resolve()).then(() => publishItem(index, input));
        if (key !== undefined && earlier === undefined)
          firstOccurrence.set(
            key,
            published.catch(() => undefined),
          );
        await published;
      } catch (error) {
        outcomes[index] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUBLISH_CONCURRENCY, items.length) }, worker));

  // An id repeated within the batch for the same tenant: its first publish enqueues; the repeat
  // (duplicate) would send again. Another tenant's event with the same id is another event.
  const keyOf = (index: number, outcome: { result: PublishResult }) =>
    eventKey(tenantOf[index]!, outcome.result.id);
  const createdHere = new Set(
    outcomes.flatMap((outcome, index) =>
      outcome.ok && !outcome.result.duplicate ? [keyOf(index, outcome)] : [],
    ),
  );
  const tasks = collected
    .filter(({ index }) => {
      const outcome = outcomes[index]!;
      return !(outcome.ok && outcome.result.duplicate && createdHere.has(keyOf(index, outcome)));
    })
    .flatMap((entry) => entry.tasks);
  try {
    await enqueueScheduled(deps, tasks);
  } catch (error) {
    if (!(error instanceof EnqueueFailedError)) throw error;
    // Only the events with a refused task failed; the others' tasks are on the queue.
    const refused = new Set(error.refusedTaskIds);
    for (const { index, tasks: itemTasks } of collected) {
      if (itemTasks.some(({ task }) => refused.has(task.task_id))) outcomes[index] = { ok: false, error };
    }
  }
  return outcomes;
}

const eventKey = (tenantId: string, eventId: string): string => JSON.stringify([tenantId, eventId]);

/** The tenant repository with `getWithDestinations` read once per tenant for the life of one batch. */
function readOncePerTenant(tenants: TenantRepository): TenantRepository {
  const reads = new Map<string, ReturnType<TenantRepository['getWithDestinations']>>();
  return {
    upsert: (id, metadata, now) => tenants.upsert(id, metadata, now),
    get: (id) => tenants.get(id),
    delete: (id) => tenants.delete(id),
    list: (request) => tenants.list(request),
    getWithDestinations: (id) => {
      const read = reads.get(id) ?? tenants.getWithDestinations(id);
      reads.set(id, read);
      return read;
    },
  };
}
