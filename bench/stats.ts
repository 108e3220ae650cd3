/** Percentiles and rates of the bench's samples. */

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}

export function distribution(samples: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
  };
}

export function median(samples: readonly number[]): number {
  return percentile(
    [...samples].sort((a, b) => a - b),
    0.5,
  );
}

/** Runs `task` for indices 0..count-1 with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Calls `task` as often as it can for `durationMs` with `concurrency` loops; returns completions per second. */
export async function ratePerSecond(
  durationMs: number,
  concurrency: number,
  task: () => Promise<number>,
): Promise<number> {
  // A short untimed warm-up first: connections, JIT and the emulators' first-request costs.
  const warmUpUntil = performance.now() + Math.min(500, durationMs / 4);
  const warmUp = async (): Promise<void> => {
    while (performance.now() < warmUpUntil) await task();
  };
  await Promise.all(Array.from({ length: concurrency }, warmUp));
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  let done = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) done += await task();
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return done / ((performance.now() - started) / 1000);
}

/** A rate measured at one number of calls in flight. */
export interface RateAtConcurrency {
  concurrency: number;
  perSecond: number;
}

/** The best of several concurrencies, with the concurrency that reached it and every rate measured. */
export interface MeasuredLimit extends RateAtConcurrency {
  byConcurrency: RateAtConcurrency[];
}

/**
 * `ratePerSecond` at each concurrency in turn: a server may be fastest with one call in flight (DynamoDB
 * Local slows down sharply as calls overlap) or with many, so a ceiling measured at a single
 * concurrency can sit far below what it sustains.
 */
export async function bestRate(
  durationMs: number,
  concurrencies: readonly number[],
  task: () => Promise<number>,
  /** Untimed, before each pass: e.g. refill a queue the task drains. */
  prepare: () => Promise<void> = async () => undefined,
): Promise<MeasuredLimit> {
  // One untimed pass first: the first level measured would otherwise pay for JIT and connection
  // warm-up that the others do not (several times its rate on a loopback HTTP server).
  await prepare();
  await ratePerSecond(durationMs, concurrencies[0] ?? 1, task);
  const byConcurrency: RateAtConcurrency[] = [];
  for (const concurrency of concurrencies) {
    await prepare();
    byConcurrency.push({ concurrency, perSecond: await ratePerSecond(durationMs, concurrency, task) });
  }
  const best = byConcurrency.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  return { ...best, byConcurrency };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
