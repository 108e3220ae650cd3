import http from 'node:http';
import https from 'node:https';
import type { DeliveryResult } from '../core/destination-adapter';
import type { ResponseData, StringMap } from '../core/model';
import { parseRetryAfter } from '../core/retry-policy';
import { guardedLookup, TargetForbiddenError, urlTargetProblem, type Resolver } from './target-guard';

/**
 * One HTTP POST to a tenant's endpoint, turned into a DeliveryResult. Shared by the webhook adapter
 * and anything else that posts to a tenant-supplied URL.
 */

export interface HttpPostRequest {
  url: string;
  headers: StringMap;
  body: string;
}

export interface HttpPostOptions {
  /** Covers connecting, sending and reading the (capped) response. */
  timeoutMs: number;
  responseCapBytes: number;
  /** Deployed mode: https only and no private/loopback/link-local addresses (target-guard.ts). */
  guardTargets: boolean;
  /** DNS for guarded deliveries; tests pass a fake one. */
  resolver?: Resolver;
}

/** Response headers worth keeping on the attempt record; the rest is noise. */
const RECORDED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'retry-after',
  'location',
  'date',
  'server',
];

/** Statuses whose Retry-After is a request to pause deliveries (RFC 9110 §10.2.3, RFC 6585 §4). */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/**
 * Every status >= 400 is retried, as Outpost does: a 404 or 401 is as often a deploy in progress
 * or an expired key on the receiver's side as a permanent refusal, and the retry schedule (and
 * auto-disable after consecutive failures) bounds the cost. 3xx is a failure that retrying cannot
 * fix: redirects are not followed, because a redirect could send the delivery to an address the
 * target guard never checked.
 */
function isRetryableStatus(status: number): boolean {
  return status >= 400;
}

class DeliveryTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
    this.name = 'DeliveryTimeoutError';
  }
}

// Keep-alive agents live for the warm process, so consecutive deliveries to one endpoint reuse the
// TLS connection. Guarded and unguarded requests never share a pool: a socket opened without the
// address check must not be reused by a guarded delivery.
const AGENT_OPTIONS: https.AgentOptions = {
  keepAlive: true,
  // Idle sockets are dropped before common server keep-alive timeouts (Node: 5 s) so that a reused
  // socket is rarely one the server is closing.
  timeout: 4000,
  maxSockets: 32,
  maxTotalSockets: 256,
  maxFreeSockets: 16,
  scheduling: 'lifo',
};
const agents = new Map<string, http.Agent>();

function agentFor(protocol: 'http:' | 'https:', guarded: boolean): http.Agent {
  const key = `${protocol}${guarded ? 'guarded' : 'open'}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    agent = protocol === 'https:' ? new https.Agent(AGENT_OPTIONS) : new http.Agent(AGENT_OPTIONS);
    agents.set(key, agent);
  }
  return agent;
}

/** Closes pooled connections (tests, local runtime shutdown). */
export function destroyHttpAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  truncated: boolean;
}

interface Exchange {
  url: URL;
  headers: StringMap;
  body: Buffer;
  options: HttpPostOptions;
  deadline: number;
}

const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

function exchange(spec: Exchange, isRetry = false): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const { url, options } = spec;
    const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
    let settled = false;
    let responded = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };

    const request = (protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      headers: { ...spec.headers, 'content-length': String(spec.body.length) },
      agent: agentFor(protocol, options.guardTargets),
      ...(options.guardTargets ? { lookup: guardedLookup(options.resolver) } : {}),
    });
    const timer = setTimeout(
      () => {
        settle(() => reject(new DeliveryTimeoutError(options.timeoutMs)));
        request.destroy();
      },
      Math.max(spec.deadline - Date.now(), 0),
    );

    request.on('error', (error: NodeJS.ErrnoException) => {
      // A pooled socket the server closed while idle fails before any response; the request never
      // reached the receiver, so it goes again once on a fresh socket (the pattern Node documents
      // for `request.reusedSocket`).
      if (!responded && !isRetry && request.reusedSocket && STALE_SOCKET_CODES.has(error.code ?? '')) {
        settle(() => resolve(exchange(spec, true)));
        return;
      }
      settle(() => reject(error));
    });

    request.on('response', (response) => {
      responded = true;
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (truncated: boolean): void =>
        settle(() =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
            truncated,
          }),
        );
      response.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = options.responseCapBytes - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          finish(true);
          // Stop reading: the rest is not kept, and a huge body must not hold the Lambda.
          response.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => finish(false));
      response.on('error', (error) => settle(() => reject(error)));
    });

    request.end(spec.body);
  });
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const TLS_CODES = new Set([
  'EPROTO',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'HOSTNAME_MISMATCH',
]);
/** The request itself cannot be sent (bad header bytes): retrying cannot help. */
const INVALID_REQUEST_CODES = new Set(['ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_URL']);

function errorClass(error: unknown): { code: string; retryable: boolean } {
  if (error instanceof TargetForbiddenError) return { code: 'target_forbidden', retryable: false };
  if (error instanceof DeliveryTimeoutError) return { code: 'timeout', retryable: true };
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNREFUSED') return { code: 'connection_refused', retryable: true };
  if (RESET_CODES.has(code)) return { code: 'connection_reset', retryable: true };
  if (DNS_CODES.has(code)) return { code: 'dns_error', retryable: true };
  if (code === 'ETIMEDOUT') return { code: 'timeout', retryable: true };
  if (TLS_CODES.has(code) || /^(ERR_TLS_|ERR_SSL_|CERT_)/.test(code))
    return { code: 'tls_error', retryable: true };
  if (INVALID_REQUEST_CODES.has(code)) return { code: 'invalid_request', retryable: false };
  return { code: 'network_error', retryable: true };
}

function failure(code: string, retryable: boolean, message: string): DeliveryResult {
  return { ok: false, code, retryable, response: { error: message } };
}

function recordedHeaders(headers: http.IncomingHttpHeaders): StringMap {
  const kept: StringMap = {};
  for (const name of RECORDED_RESPONSE_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') kept[name] = value;
  }
  return kept;
}

function resultOf(response: RawResponse): DeliveryResult {
  const ok = response.status >= 200 && response.status < 300;
  const data: ResponseData = {
    status_code: response.status,
    headers: recordedHeaders(response.headers),
    body: response.body.toString('utf8'),
    truncated: response.truncated,
  };
  const retryAfterHeader = response.headers['retry-after'];
  const retryAfterMs = RETRY_AFTER_STATUSES.has(response.status)
    ? parseRetryAfter(retryAfterHeader, new Date())
    : undefined;
  return {
    ok,
    code: String(response.status),
    retryable: !ok && isRetryableStatus(response.status),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    response: data,
  };
}

export async function httpPost(request: HttpPostRequest, options: HttpPostOptions): Promise<DeliveryResult> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return failure('invalid_request', false, 'invalid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return failure('invalid_request', false, `unsupported protocol ${url.protocol}`);
  }
  if (options.guardTargets) {
    const problem = urlTargetProblem(url);
    if (problem !== undefined) return failure('target_forbidden', false, `target ${problem}`);
  }
  try {
    const response = await exchange({
      url,
      headers: request.headers,
      body: Buffer.from(request.body, 'utf8'),
      options,
      deadline: Date.now() + options.timeoutMs,
    });
    return resultOf(response);
  } catch (error) {
    const { code, retryable } = errorClass(error);
    return failure(code, retryable, error instanceof Error ? error.message : String(error));
  }
}
