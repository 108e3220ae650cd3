/** Entries SQS takes in one SendMessageBatch. */
export const SQS_MAX_BATCH_ENTRIES = 10;

/**
 * Largest sum of message sizes in one SendMessageBatch. SQS rejects a whole batch over its limit
 * (256 KiB on a queue with the classic maximum message size; newer queues take 1 MiB, so this is
 * safe on both).
 */
export const SQS_MAX_BATCH_BYTES = 256 * 1024;

/**
 * Consecutive groups of at most ten items whose sizes (as SQS counts them: body plus attributes) fit
 * one request together. An item larger than the limit goes alone, for SQS to refuse on its own.
 */
export function sqsBatches<T>(items: readonly T[], sizeOf: (item: T) => number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (
      current.length > 0 &&
      (current.length === SQS_MAX_BATCH_ENTRIES || bytes + size > SQS_MAX_BATCH_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
