import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real HTTP server on loopback that stands in for a tenant's webhook endpoint: it records every
 * request (raw body, lower-case headers, which TCP connection carried it) and answers the way the
 * test says, switchable at runtime (status, delay, body, headers).
 */

export interface ReceivedRequest {
  method: string;
  /** Path and query string. */
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The raw body as received (what a signature is computed over). */
  body: string;
  /** 1 for the first TCP connection the server accepted, 2 for the next...: shows keep-alive reuse. */
  connectionId: number;
  receivedAt: Date;
}

export interface ReceiverResponse {
  /** Default 200. */
  status?: number;
  /** Wait this long before answering (a slow receiver); the wait is abandoned if the client leaves. */
  delayMs?: number;
  /** Default empty. */
  body?: string | Buffer;
  headers?: Record<string, string>;
}

export type Responder = (request: ReceivedRequest) => ReceiverResponse | Promise<ReceiverResponse>;

export interface WebhookReceiverOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Initial behaviour; default 200 with an empty body. */
  respond?: ReceiverResponse | Responder;
  /** How long an idle keep-alive connection stays open (Node's default is 5 s). */
  keepAliveTimeoutMs?: number;
}

export interface WebhookReceiver {
  /** `http://host:port/webhook`. */
  url: string;
  port: number;
  /** Every request so far, in arrival order. */
  requests: ReceivedRequest[];
  /** TCP connections accepted so far. */
  connectionCount(): number;
  /** Changes how later requests are answered. */
  respondWith(respond: ReceiverResponse | Responder): void;
  /** Resolves with the requests once at least `count` have arrived; rejects after `timeoutMs` (default 5 s). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Forgets recorded requests (connection ids keep counting). */
  clear(): void;
  /** Stops listening and drops every connection, including ones waiting on a delay. */
  close(): Promise<void>;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function asResponder(respond: ReceiverResponse | Responder): Responder {
  return typeof respond === 'function' ? respond : () => respond;
}

export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const host = options.host ?? '127.0.0.1';
  const requests: ReceivedRequest[] = [];
  const connectionIds = new WeakMap<Socket, number>();
  const sockets = new Set<Socket>();
  /** Delayed answers in progress, each with how to abandon it. */
  const pendingDelays = new Map<NodeJS.Timeout, (answered: boolean) => void>();
  const waiters = new Set<() => void>();
  let connections = 0;
  let responder = asResponder(options.respond ?? {});

  const abandon = (timer: NodeJS.Timeout): void => {
    const resolve = pendingDelays.get(timer);
    if (resolve === undefined) return;
    pendingDelays.delete(timer);
    clearTimeout(timer);
    resolve(false);
  };
  const wait = (ms: number, response: http.ServerResponse): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        pendingDelays.delete(timer);
        resolve(true);
      }, ms);
      pendingDelays.set(timer, resolve);
      response.once('close', () => abandon(timer));
    });

  const server = http.createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const received: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: flattenHeaders(request.headers),
        body,
        connectionId: connectionIds.get(request.socket) ?? 0,
        receivedAt: new Date(),
      };
      requests.push(received);
      for (const waiter of [...waiters]) waiter();

      const behaviour = await responder(received);
      if (behaviour.delayMs !== undefined && behaviour.delayMs > 0) {
        const stillThere = await wait(behaviour.delayMs, response);
        if (!stillThere) return;
      }
      // The client may stop reading a large body (response cap); that is expected, not a failure.
      response.on('error', () => undefined);
      const responseBody = behaviour.body ?? '';
      response.writeHead(behaviour.status ?? 200, {
        'content-length': String(Buffer.byteLength(responseBody)),
        ...behaviour.headers,
      });
      response.end(responseBody);
    })().catch((error: unknown) => {
      response.statusCode = 599;
      response.end(String(error));
    });
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5000;
  server.on('connection', (socket) => {
    connections += 1;
    connectionIds.set(socket, connections);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}/webhook`,
    port,
    requests,
    connectionCount: () => connections,
    respondWith(respond) {
      responder = asResponder(respond);
    },
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (requests.length < count) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve([...requests]);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `webhook receiver: expected ${count} request(s), got ${requests.length} in ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    clear() {
      requests.length = 0;
    },
    async close() {
      for (const timer of [...pendingDelays.keys()]) abandon(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
