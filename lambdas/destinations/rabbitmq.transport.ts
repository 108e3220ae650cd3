import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { DeliveryResult, SendContext } from '../core/destination-adapter';
import type { Destination } from '../core/model';
import { ClientCache, fingerprintOf } from './client-cache';
import type { DestinationTransport } from './destination-transport';
import { errorText, hostOf, networkErrorCode, withDeadline } from './message-fields';
import type { RabbitMqRequest } from './rabbitmq.adapter';
import { guardedLookup } from './target-guard';

/** Raised for a failed publish, with the attempt code it records. */
class PublishFailedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'PublishFailedError';
  }
}

interface AmqpSession {
  connection: ChannelModel;
  channel: ConfirmChannel;
  /** Set by the channel's `return` event: the message the broker could not route. */
  returned: Set<string>;
  /** Why the broker closed the channel (e.g. 404 NOT_FOUND for a missing exchange). */
  closeReason?: PublishFailedError;
  /** The connection or channel closed or failed: the next delivery opens a new session. */
  broken: boolean;
}

/**
 * One connection + confirm channel per destination, reused across deliveries; a new one is opened
 * when the config or credentials change, on eviction (LRU), and after the connection or channel
 * failed (the broken session is evicted by the next delivery, which reconnects).
 */
const sessions = new ClientCache<Promise<AmqpSession>>({
  maxEntries: 64,
  destroy: async (session) => (await session).connection.close(),
});

/** AMQP reply codes (channel.close) as attempt codes. */
const REPLY_CODES: Record<number, string> = {
  403: 'access_refused',
  404: 'exchange_not_found',
  406: 'precondition_failed',
};

function channelCloseError(error: Error & { code?: number }): PublishFailedError {
  const code =
    (error.code !== undefined ? REPLY_CODES[error.code] : undefined) ?? `amqp_${error.code ?? 'error'}`;
  return new PublishFailedError(code, error.message);
}

async function openSession(
  destination: Destination,
  ctx: { allowPrivateTargets: boolean; timeoutMs: number },
) {
  const { config, credentials } = destination;
  const serverUrl = config.server_url ?? '';
  const tls = config.tls === 'true';
  const connection = await amqp.connect(
    {
      protocol: tls ? 'amqps' : 'amqp',
      hostname: hostOf(serverUrl),
      port: Number(serverUrl.slice(serverUrl.lastIndexOf(':') + 1)),
      username: credentials.username ?? '',
      password: credentials.password ?? '',
      heartbeat: 30,
    },
    {
      timeout: ctx.timeoutMs,
      ...(tls ? { servername: hostOf(serverUrl) } : {}),
      ...(ctx.allowPrivateTargets ? {} : { lookup: guardedLookup() }),
    },
  );
  const channel = await connection.createConfirmChannel();
  const session: AmqpSession = { connection, channel, returned: new Set(), broken: false };
  // Marked rather than evicted here: by the time a close event fires the cache may already hold a
  // newer session for this destination, which must not be dropped.
  const markBroken = (): void => {
    session.broken = true;
  };
  connection.on('error', markBroken);
  connection.on('close', markBroken);
  channel.on('error', (error: Error & { code?: number }) => {
    session.closeReason = channelCloseError(error);
  });
  channel.on('close', markBroken);
  channel.on('return', (message: { properties: { messageId?: string } }) => {
    if (message.properties.messageId !== undefined) session.returned.add(message.properties.messageId);
  });
  return session;
}

async function liveSession(
  destination: Destination,
  ctx: { allowPrivateTargets: boolean; timeoutMs: number },
): Promise<AmqpSession> {
  const fingerprint = fingerprintOf(destination.config, destination.credentials);
  const open = (): Promise<AmqpSession> => openSession(destination, ctx);
  const session = await sessions.get(destination.id, fingerprint, open);
  if (!session.broken) return session;
  sessions.evict(destination.id);
  return sessions.get(destination.id, fingerprint, open);
}

/**
 * Publishes with `mandatory` on a confirm channel and resolves only once the broker acked. RabbitMQ
 * sends basic.return before the ack of an unroutable message, so the `return` handler has run by
 * the time the confirm callback does.
 */
function publishConfirmed(session: AmqpSession, request: RabbitMqRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const { messageId } = request.options;
    session.returned.delete(messageId);
    session.channel.publish(request.exchange, request.routingKey, request.body, request.options, (error) => {
      if (session.returned.delete(messageId)) {
        reject(
          new PublishFailedError(
            'unroutable',
            `no queue is bound to exchange "${request.exchange}" for routing key "${request.routingKey}"`,
          ),
        );
      } else if (error !== null && error !== undefined) {
        // A closed channel fails its pending confirms; the close reason says why.
        reject(
          session.closeReason ?? new PublishFailedError('nacked', 'the broker did not accept the message'),
        );
      } else {
        resolve();
      }
    });
  });
}

function failure(code: string, error: unknown, retryable: boolean, capBytes: number): DeliveryResult {
  return { ok: false, code, retryable, response: { error: errorText(error, capBytes) } };
}

function classify(error: unknown, capBytes: number): DeliveryResult {
  if (error instanceof PublishFailedError) return failure(error.code, error, error.retryable, capBytes);
  const network = networkErrorCode(error);
  if (network !== undefined) return failure(network, error, true, capBytes);
  const message = error instanceof Error ? error.message : String(error);
  if (/ACCESS_REFUSED|ACCESS-REFUSED/.test(message)) return failure('access_refused', error, true, capBytes);
  if (/NOT_ALLOWED|vhost/i.test(message)) return failure('access_refused', error, true, capBytes);
  return failure('amqp_error', error, true, capBytes);
}

class RabbitMqTimeoutError extends PublishFailedError {
  constructor(timeoutMs: number) {
    super('timeout', `no broker confirm within ${timeoutMs} ms`);
  }
}

async function send(
  request: RabbitMqRequest,
  destination: Destination,
  ctx: SendContext,
): Promise<DeliveryResult> {
  const work = liveSession(destination, ctx).then((session) => publishConfirmed(session, request));
  try {
    await withDeadline(work, ctx.timeoutMs, () => new RabbitMqTimeoutError(ctx.timeoutMs));
    return {
      ok: true,
      code: 'OK',
      retryable: false,
      response: { body: JSON.stringify({ exchange: request.exchange, routing_key: request.routingKey }) },
    };
  } catch (error) {
    // A session that failed to open or hung may be unusable: the next delivery opens a new one.
    // An unroutable message leaves the channel healthy.
    if (!(error instanceof PublishFailedError && error.code === 'unroutable')) sessions.evict(destination.id);
    if (error instanceof RangeError) {
      // amqplib refuses a headers table over 64 KiB; sending it again cannot succeed.
      return failure('headers_too_large', error, false, ctx.responseCapBytes);
    }
    return classify(error, ctx.responseCapBytes);
  }
}

export const transport: DestinationTransport<RabbitMqRequest> = {
  send,
  close: () => sessions.clear(),
};
