import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DeliveryResult, SendContext } from '../core/destination-adapter';
import type { Destination } from '../core/model';
import { awsCredentialProvider } from './aws-credential-provider';
import { endpointProblem, type AwsTarget } from './aws-endpoint';
import { classifyAwsError } from './aws-errors';
import { ClientCache, fingerprintOf } from './client-cache';
import type { DestinationTransport } from './destination-transport';
import { guardedLookup } from './target-guard';

/**
 * What every AWS transport shares: an SDK client per destination (cached while the Lambda is warm),
 * built from its credentials, region and optional `endpoint`; the endpoint guard of deployed mode;
 * and one way of turning a call into a DeliveryResult.
 */

/** Enough for a warm deliver Lambda's working set; each entry holds a few idle sockets at most. */
const MAX_CACHED_CLIENTS = 200;

/** The options every SDK v3 client constructor takes; `maxAttempts: 1` because retries are ours. */
export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials: ReturnType<typeof awsCredentialProvider>;
  maxAttempts: number;
  requestHandler: NodeHttpHandler;
}

interface Destroyable {
  destroy(): void;
}

const caches = new Map<string, ClientCache<Destroyable>>();

function cacheFor(type: string): ClientCache<Destroyable> {
  let cache = caches.get(type);
  if (cache === undefined) {
    cache = new ClientCache<Destroyable>({ maxEntries: MAX_CACHED_CLIENTS, destroy: (c) => c.destroy() });
    caches.set(type, cache);
  }
  return cache;
}

function clientConfig(destination: Destination, target: AwsTarget, ctx: SendContext): AwsClientConfig {
  const guarded = !ctx.allowPrivateTargets && target.endpoint !== undefined;
  return {
    region: target.region,
    ...(target.endpoint !== undefined ? { endpoint: target.endpoint } : {}),
    credentials: awsCredentialProvider(destination.credentials, {
      sessionName: `event-destinations-${destination.id}`,
      tenantId: destination.tenant_id,
      timeoutMs: ctx.timeoutMs,
    }),
    maxAttempts: 1,
    // HTTP/1.1 for every service (Kinesis would default to HTTP/2, which ignores the agent and with it
    // the address guard).
    requestHandler: new NodeHttpHandler({
      // A tenant-chosen endpoint connects only to the address the guard checked (target-guard.ts).
      httpsAgent: new https.Agent({
        keepAlive: true,
        maxSockets: 16,
        ...(guarded ? { lookup: guardedLookup() } : {}),
      }),
      requestTimeout: ctx.timeoutMs,
      connectionTimeout: ctx.timeoutMs,
    }),
  };
}

/**
 * The cached client of this destination, or a new one from `build`; a change of credentials,
 * config or mode builds a new client and destroys the old one.
 */
export function awsClientFor<T extends Destroyable>(
  destination: Destination,
  target: AwsTarget,
  ctx: SendContext,
  build: (config: AwsClientConfig) => T,
): T {
  const fingerprint = fingerprintOf(destination.credentials, target, ctx);
  return cacheFor(destination.type).get(destination.id, fingerprint, () =>
    build(clientConfig(destination, target, ctx)),
  ) as T;
}

/** Destroys the cached clients of one destination type, or of every type (tests, shutdown). */
export async function clearAwsClients(type?: string): Promise<void> {
  const cleared = type === undefined ? [...caches.values()] : [caches.get(type)];
  await Promise.all(cleared.map((cache) => cache?.clear()));
}

/**
 * Runs one SDK call for a delivery: refuses a forbidden endpoint before connecting, bounds the call
 * by the delivery timeout, and classifies what went wrong.
 */
export async function sendAws<T>(
  target: AwsTarget,
  ctx: SendContext,
  call: (abortSignal: AbortSignal) => Promise<T>,
  outcome: (output: T) => DeliveryResult,
): Promise<DeliveryResult> {
  const problem = endpointProblem(target.endpoint, ctx.allowPrivateTargets);
  if (problem !== undefined) {
    return {
      ok: false,
      code: 'target_forbidden',
      retryable: false,
      response: { error: `endpoint ${problem}` },
    };
  }
  try {
    return outcome(await call(AbortSignal.timeout(ctx.timeoutMs)));
  } catch (error) {
    return classifyAwsError(error);
  }
}

/** The success result: `OK` and the service's identifier of what it stored. */
export function delivered(body: Record<string, string | undefined>): DeliveryResult {
  return { ok: true, code: 'OK', retryable: false, response: { body: JSON.stringify(body) } };
}

/** An AWS type's transport: its `send`, and a `close` that destroys that type's cached clients. */
export function awsTransport<T>(
  type: string,
  send: DestinationTransport<T>['send'],
): DestinationTransport<T> {
  return { send, close: () => clearAwsClients(type) };
}
