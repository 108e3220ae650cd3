import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The bench's webhook endpoint on loopback: answers as fast as it can and records, per delivery, when
 * it arrived (keyed by `x-outpost-event-id` and the destination's path), so that end-to-end latency is
 * publish start -> arrival. `failFirst` answers 500 to the first n tries of each event (retry scenario).
 */
export interface BenchReceiver {
  /** Base URL; each destination gets its own path below it. */
  url: string;
  /** First successful arrival (ms, performance.now()) by `<event id> <path>`. */
  arrivals: Map<string, number>;
  /** Requests received, successful or not. */
  requests(): number;
  failFirst(tries: number): void;
  /** Resolves once `count` deliveries have arrived, or after `timeoutMs` with what arrived. */
  waitForDeliveries(count: number, timeoutMs: number): Promise<number>;
  reset(): void;
  close(): Promise<void>;
}

export async function startBenchReceiver(): Promise<BenchReceiver> {
  const arrivals = new Map<string, number>();
  const tries = new Map<string, number>();
  let failTries = 0;
  let requests = 0;
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests += 1;
      const key = `${String(request.headers['x-outpost-event-id'])} ${request.url ?? ''}`;
      const attempt = (tries.get(key) ?? 0) + 1;
      tries.set(key, attempt);
      if (attempt <= failTries) {
        response.writeHead(500, { 'content-length': '0' }).end();
        return;
      }
      if (!arrivals.has(key)) arrivals.set(key, performance.now());
      response.writeHead(200, { 'content-length': '0' }).end();
    });
  });
  server.keepAliveTimeout = 30000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    requests: () => requests,
    failFirst(count) {
      failTries = count;
    },
    async waitForDeliveries(count, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (arrivals.size < count && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return arrivals.size;
    },
    reset() {
      arrivals.clear();
      tries.clear();
      requests = 0;
      failTries = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
