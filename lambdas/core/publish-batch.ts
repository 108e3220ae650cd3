import type { AppDependencies } from './dependencies';
import type { ScheduledTask, TaskQueue } from './ports';
import { EnqueueFailedError, publishEvent, type PublishInput, type PublishResult } from './publish';

/** One event of a batch: published, or the error that stopped it (a DomainError, or an outage). */
export type BatchItemOutcome = { ok: true; result: PublishResult } | { ok: false; error: unknown };

/** Events of a batch in flight at once: enough to overlap store round trips, few enough for one Lambda. */
const PUBLISH_CONCURRENCY = 10;

/**
 * Publishes a batch (POST /publish/batch, the ingest queue): each event goes through publishEvent on
 * its own, so one bad event never fails the others; their delivery tasks are collected and enqueued
 * together, ten to a SendMessageBatch call, instead of one call per event. Each outcome is reported
 * only after the enqueue: if it fails, every event that had tasks gets an EnqueueFailedError (the
 * events and their `queued` deliveries are stored, so the sweeper or a retry with the same id sends them).
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
    const result = await publishEvent({ ...deps, queue: collector }, input);
    outcomes[index] = { ok: true, result };
  };
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        const input = decode(items[index]!);
        const key = input.id === undefined ? undefined : JSON.stringify([input.tenant_id, input.id]);
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

  // An id repeated within the batch: its first publish enqueues; the repeat (duplicate) would send again.
  const createdHere = new Set(
    outcomes.flatMap((outcome) => (outcome.ok && !outcome.result.duplicate ? [outcome.result.id] : [])),
  );
  const tasks = collected
    .filter(({ index }) => {
      const outcome = outcomes[index]!;
      return !(outcome.ok && outcome.result.duplicate && createdHere.has(outcome.result.id));
    })
    .flatMap((entry) => entry.tasks);
  if (tasks.length === 0) return outcomes;
  try {
    await deps.queue.enqueue(tasks);
  } catch (cause) {
    for (const { index } of collected) outcomes[index] = { ok: false, error: new EnqueueFailedError(cause) };
  }
  return outcomes;
}
