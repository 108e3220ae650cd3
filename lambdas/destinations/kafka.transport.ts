import {
  Kafka,
  KafkaJSError,
  KafkaJSProtocolError,
  logLevel,
  Partitioners,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { DeliveryResult, SendContext } from '../core/destination-adapter';
import type { Destination } from '../core/model';
import { ClientCache, fingerprintOf } from './client-cache';
import type { DestinationTransport } from './destination-transport';
import { brokerList, type KafkaRequest } from './kafka.adapter';
import { guardedSocketFactory } from './kafka-socket';
import { errorText, networkErrorCode, withDeadline } from './message-fields';
import { TARGET_FORBIDDEN } from './target-guard';

class KafkaConfigError extends Error {
  readonly code = 'credentials_missing';
}

function saslOptions(destination: Destination): SASLOptions | undefined {
  const mechanism = destination.config.sasl_mechanism;
  if (mechanism === undefined || mechanism === 'none') return undefined;
  const { username, password } = destination.credentials;
  if (username === undefined || password === undefined) {
    throw new KafkaConfigError(
      `sasl_mechanism ${mechanism} needs credentials.username and credentials.password`,
    );
  }
  return { mechanism: mechanism as 'plain' | 'scram-sha-256' | 'scram-sha-512', username, password };
}

interface CachedProducer {
  producer: Producer;
  connected: Promise<void>;
}

/**
 * One connected producer per destination, reused across deliveries; replaced when the config or
 * credentials change, disconnected on LRU eviction and after a failure that is not the broker's
 * answer to this record (the next delivery reconnects).
 */
const producers = new ClientCache<CachedProducer>({
  maxEntries: 64,
  destroy: (cached) => cached.producer.disconnect(),
});

function createProducer(destination: Destination, ctx: SendContext): CachedProducer {
  const timeoutMs = ctx.timeoutMs;
  const kafka = new Kafka({
    clientId: 'event-destinations',
    brokers: brokerList(destination.config.brokers ?? ''),
    ...(ctx.allowPrivateTargets ? {} : { socketFactory: guardedSocketFactory() }),
    ssl: destination.config.tls !== 'false',
    sasl: saslOptions(destination),
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    // One quick retry inside kafkajs at most; the delivery schedule does the real retrying.
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({
    // Idempotence (producer id + sequence numbers) keeps kafkajs' own retry from writing a record
    // twice; it needs acks=all and one request in flight.
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  return { producer, connected: producer.connect() };
}

/** kafkajs error types whose retrying cannot succeed without a change on the tenant's side. */
const PERMANENT_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_RECORD',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
]);

function failure(code: string, error: unknown, retryable: boolean, capBytes: number): DeliveryResult {
  return { ok: false, code, retryable, response: { error: errorText(error, capBytes) } };
}

/** The innermost cause kafkajs wrapped (KafkaJSNumberOfRetriesExceeded, non-retriable wrappers). */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    const wrapper = current as { originalError?: unknown; cause?: unknown } | null;
    const cause = wrapper?.originalError ?? wrapper?.cause;
    if (cause === undefined || cause === null || cause === current) break;
    current = cause;
  }
  return current;
}

/**
 * A protocol error's type in lower case (`not_enough_replicas`, `topic_authorization_failed`);
 * socket errors as the shared network codes; SASL failures as `authentication_failed`. Retryable
 * unless the broker said the record itself can never be accepted (too large, invalid).
 */
export function classifyKafkaError(error: unknown, capBytes: number): DeliveryResult {
  if (error instanceof KafkaConfigError) return failure(error.code, error, false, capBytes);
  const cause = rootCause(error);
  // A broker address the guard refused (kafka-socket.ts); retrying reaches the same address.
  if ((cause as { code?: unknown } | null)?.code === TARGET_FORBIDDEN) {
    return failure(TARGET_FORBIDDEN, error, false, capBytes);
  }
  if (cause instanceof KafkaJSProtocolError) {
    return failure(cause.type.toLowerCase(), error, !PERMANENT_TYPES.has(cause.type), capBytes);
  }
  const network = networkErrorCode(cause);
  if (network !== undefined) return failure(network, error, true, capBytes);
  const name = (cause as Error | undefined)?.name ?? '';
  if (name === 'KafkaJSSASLAuthenticationError')
    return failure('authentication_failed', error, true, capBytes);
  if (name === 'KafkaJSRequestTimeoutError' || name === 'KafkaJSTimeout')
    return failure('timeout', error, true, capBytes);
  if (name === 'KafkaJSConnectionError') {
    const message = (cause as Error).message;
    return failure(
      /ECONNREFUSED/.test(message) ? 'connection_refused' : 'connection_error',
      error,
      true,
      capBytes,
    );
  }
  if (error instanceof KafkaJSError) return failure('kafka_error', error, error.retriable, capBytes);
  return failure('kafka_error', error, true, capBytes);
}

class KafkaTimeoutError extends Error {
  override readonly name = 'KafkaJSRequestTimeoutError';
}

async function send(
  request: KafkaRequest,
  destination: Destination,
  ctx: SendContext,
): Promise<DeliveryResult> {
  try {
    const cached = producers.get(
      destination.id,
      fingerprintOf(destination.config, destination.credentials),
      () => createProducer(destination, ctx),
    );
    const work = cached.connected.then(() =>
      cached.producer.send({
        topic: request.topic,
        acks: -1,
        timeout: ctx.timeoutMs,
        messages: [{ key: request.key, value: request.value, headers: request.headers }],
      }),
    );
    const [written] = await withDeadline(
      work,
      ctx.timeoutMs,
      () => new KafkaTimeoutError(`no acknowledgement within ${ctx.timeoutMs} ms`),
    );
    return {
      ok: true,
      code: 'OK',
      retryable: false,
      response: { body: JSON.stringify({ partition: written?.partition, offset: written?.baseOffset }) },
    };
  } catch (error) {
    // The broker refusing this record leaves the producer healthy; anything else may not have.
    if (!(rootCause(error) instanceof KafkaJSProtocolError)) producers.evict(destination.id);
    return classifyKafkaError(error, ctx.responseCapBytes);
  }
}

export const transport: DestinationTransport<KafkaRequest> = {
  send,
  close: () => producers.clear(),
};
