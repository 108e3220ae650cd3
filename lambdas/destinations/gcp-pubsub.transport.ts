import { PubSub, type Topic } from '@google-cloud/pubsub';
import type { DeliveryResult, SendContext } from '../core/destination-adapter';
import type { Destination } from '../core/model';
import { ClientCache, fingerprintOf } from './client-cache';
import type { DestinationTransport } from './destination-transport';
import { DEPLOYED_ENDPOINT_PROBLEM, type PubSubRequest, type ServiceAccount } from './gcp-pubsub.adapter';
import { errorText, withDeadline } from './message-fields';

class MissingCredentialsError extends Error {}

function createTopic(destination: Destination, timeoutMs: number): Topic {
  const { project_id: projectId, topic, endpoint } = destination.config;
  const json = destination.credentials.service_account_json;
  let client: PubSub;
  if (endpoint !== undefined) {
    // Emulator mode: plaintext gRPC and no Google auth, so nothing (token or metadata server) is
    // contacted except the endpoint.
    client = new PubSub({ projectId, apiEndpoint: endpoint, emulatorMode: true });
  } else if (json !== undefined) {
    const key = JSON.parse(json) as ServiceAccount;
    client = new PubSub({
      projectId,
      credentials: { client_email: key.client_email, private_key: key.private_key },
    });
  } else {
    throw new MissingCredentialsError(
      'credentials.service_account_json is required unless config.endpoint is set',
    );
  }
  // One message per request: a delivery waits for its own message id, not for a batch to fill. No
  // retries inside the client: a failure is an attempt record, retried on the delivery schedule
  // (a client retrying past the attempt's deadline could publish after the failure was recorded).
  return client.topic(topic ?? '', {
    batching: { maxMessages: 1, maxMilliseconds: 0 },
    gaxOpts: { retry: null, timeout: timeoutMs },
  });
}

/**
 * One client + topic handle per destination, reused across deliveries (the gRPC channel stays
 * open); replaced when the config or credentials change and closed on LRU eviction.
 */
const topics = new ClientCache<Topic>({
  maxEntries: 64,
  destroy: (topic) => topic.pubsub.close(),
});

/** gRPC status codes as attempt codes; retryable unless the request itself is wrong. */
const GRPC_CODES: Record<number, { code: string; retryable: boolean }> = {
  1: { code: 'cancelled', retryable: true },
  3: { code: 'invalid_argument', retryable: false },
  4: { code: 'timeout', retryable: true },
  5: { code: 'topic_not_found', retryable: true },
  7: { code: 'permission_denied', retryable: true },
  8: { code: 'resource_exhausted', retryable: true },
  9: { code: 'failed_precondition', retryable: true },
  10: { code: 'aborted', retryable: true },
  12: { code: 'unimplemented', retryable: false },
  13: { code: 'internal', retryable: true },
  14: { code: 'unavailable', retryable: true },
  16: { code: 'unauthenticated', retryable: true },
};

function failure(code: string, error: unknown, retryable: boolean, capBytes: number): DeliveryResult {
  return { ok: false, code, retryable, response: { error: errorText(error, capBytes) } };
}

export function classifyPubSubError(error: unknown, capBytes: number): DeliveryResult {
  if (error instanceof MissingCredentialsError) return failure('credentials_missing', error, false, capBytes);
  if (error instanceof PubSubTimeoutError) return failure('timeout', error, true, capBytes);
  const status = (error as { code?: unknown } | null)?.code;
  const known = typeof status === 'number' ? GRPC_CODES[status] : undefined;
  if (known !== undefined) return failure(known.code, error, known.retryable, capBytes);
  return failure(typeof status === 'number' ? `grpc_${status}` : 'pubsub_error', error, true, capBytes);
}

class PubSubTimeoutError extends Error {}

async function send(
  request: PubSubRequest,
  destination: Destination,
  ctx: SendContext,
): Promise<DeliveryResult> {
  if (destination.config.endpoint !== undefined && !ctx.allowPrivateTargets) {
    // Create and update refuse it already; this holds for a destination stored before that rule.
    return failure(
      'target_forbidden',
      `config.endpoint ${DEPLOYED_ENDPOINT_PROBLEM}`,
      false,
      ctx.responseCapBytes,
    );
  }
  try {
    const topic = topics.get(destination.id, fingerprintOf(destination.config, destination.credentials), () =>
      createTopic(destination, ctx.timeoutMs),
    );
    const messageId = await withDeadline(
      topic.publishMessage({ data: request.data, attributes: request.attributes }),
      ctx.timeoutMs,
      () => new PubSubTimeoutError(`no message id within ${ctx.timeoutMs} ms`),
    );
    return {
      ok: true,
      code: 'OK',
      retryable: false,
      response: { body: JSON.stringify({ message_id: messageId }) },
    };
  } catch (error) {
    return classifyPubSubError(error, ctx.responseCapBytes);
  }
}

export const transport: DestinationTransport<PubSubRequest> = {
  send,
  close: () => topics.clear(),
};
