import { distribution, pool, sleep, type Distribution } from './stats';
import { payloadOf, type Harness } from './harness';

/** Step 2: publish through the local runtime and time publish and publish -> receiver. */

export interface RunSpec {
  tenantId: string;
  destinations: number;
  events: number;
  payloadBytes: number;
  /** Events per second, open loop; undefined = full speed (`concurrency` requests in flight). */
  ratePerSecond?: number;
  /** `batch` publishes through POST /publish/batch, 100 events per request. */
  mode?: 'single' | 'batch';
  /** Tries the receiver fails before answering 200 (retry scenario). */
  failTries?: number;
}

export interface RunResult {
  label: string;
  events: number;
  deliveries: number;
  expectedDeliveries: number;
  acceptedPerSecond: number;
  deliveredPerSecond: number;
  publishMs: Distribution;
  endToEndMs: Distribution;
  errors: number;
}

const FULL_SPEED_CONCURRENCY = 16;
const BATCH_SIZE = 100;
let runCounter = 0;

export async function runPublish(
  harness: Harness,
  spec: RunSpec,
  deliveryTimeoutMs: number,
): Promise<RunResult> {
  const run = ++runCounter;
  const data = payloadOf(spec.payloadBytes);
  const starts = new Map<string, number>();
  const publishMs: number[] = [];
  let errors = 0;
  let lastAccepted = 0;
  const event = (n: number) => ({ id: `r${run}-${n}`, tenant_id: spec.tenantId, topic: 'bench', data });
  const send = async (path: string, body: unknown, ids: string[]): Promise<void> => {
    const started = performance.now();
    for (const id of ids) starts.set(id, started);
    const response = await harness.call('POST', path, body);
    const finished = performance.now();
    lastAccepted = Math.max(lastAccepted, finished);
    publishMs.push(finished - started);
    if (response.status !== 202) errors += 1;
  };
  harness.receiver.reset();
  harness.receiver.failFirst(spec.failTries ?? 0);
  const firstStart = performance.now();
  if (spec.mode === 'batch') {
    const batches = Math.ceil(spec.events / BATCH_SIZE);
    await pool(batches, 2, async (batch) => {
      const events = Array.from({ length: Math.min(BATCH_SIZE, spec.events - batch * BATCH_SIZE) }, (_, i) =>
        event(batch * BATCH_SIZE + i),
      );
      await send(
        '/publish/batch',
        { events },
        events.map((e) => e.id),
      );
    });
  } else if (spec.ratePerSecond !== undefined) {
    const interval = 1000 / spec.ratePerSecond;
    const inFlight: Promise<void>[] = [];
    for (let n = 0; n < spec.events; n += 1) {
      const due = firstStart + n * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      inFlight.push(send('/publish', event(n), [event(n).id]));
    }
    await Promise.all(inFlight);
  } else {
    await pool(spec.events, FULL_SPEED_CONCURRENCY, (n) => send('/publish', event(n), [event(n).id]));
  }
  const expectedDeliveries = spec.events * spec.destinations;
  const deliveries = await harness.receiver.waitForDeliveries(expectedDeliveries, deliveryTimeoutMs);
  const endToEnd: number[] = [];
  let lastArrival = firstStart;
  for (const [key, arrival] of harness.receiver.arrivals) {
    const started = starts.get(key.split(' ')[0]!);
    if (started === undefined) continue;
    endToEnd.push(arrival - started);
    lastArrival = Math.max(lastArrival, arrival);
  }
  return {
    label: '',
    events: spec.events,
    deliveries,
    expectedDeliveries,
    acceptedPerSecond: spec.events / ((lastAccepted - firstStart) / 1000),
    deliveredPerSecond: deliveries / ((lastArrival - firstStart) / 1000),
    publishMs: distribution(publishMs),
    endToEndMs: distribution(endToEnd),
    errors,
  };
}
