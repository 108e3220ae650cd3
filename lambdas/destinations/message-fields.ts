import { isIP } from 'node:net';
import type { z } from 'zod';
import type { DestinationAdapter, DestinationField } from '../core/destination-adapter';
import { ValidationError } from '../core/errors';
import { eventDataJson, type Destination, type Event, type StringMap } from '../core/model';
import { evaluateTemplate, templateInput } from './key-template';
import { forbiddenAddressReason } from './target-guard';

/**
 * What the message-broker adapters (RabbitMQ, Kafka, Pub/Sub) share: the metadata every message
 * carries, keys from templates, credentials stored as given and masked on read, error codes.
 */

/**
 * The metadata a broker message carries as headers/attributes, with Outpost's names: the event's
 * metadata, then the destination's delivery_metadata (the tenant's own configuration wins a
 * clash), then `event-id`, `topic` and `timestamp` (the event's time, RFC 3339, as the AWS types
 * send it), which nothing overrides so consumers can rely on them.
 */
export function messageMetadata(event: Event, destination: Destination): StringMap {
  return {
    ...event.metadata,
    ...destination.delivery_metadata,
    'event-id': event.id,
    topic: event.topic,
    timestamp: event.time,
  };
}

/** A key (routing key, partition key) from an optional template (key-template.ts), else `fallback`. */
export function keyFromTemplate(template: string | undefined, event: Event, fallback: string): string {
  if (template === undefined || template === '') return fallback;
  return evaluateTemplate(template, templateInput(event)) ?? fallback;
}

/** What a masked sensitive credential reads as; sending it back on update keeps the stored value. */
export const MASKED = '********';

/**
 * `prepareCredentials`/`maskCredentials` for types whose credentials are stored as given (no
 * generated secrets): validated by `schema`, and the `sensitive` fields shown as MASKED. A client
 * that reads a destination and sends it back unchanged (the SDK's update) sends MASKED, which
 * keeps the stored value instead of overwriting it. `shownEmpty` fields, which Outpost's SDK
 * requires on every destination of the type it reads, read as '' when not stored (an emulator
 * Pub/Sub destination has no key); '' sent back for one means "not given".
 */
export function plainCredentials(
  schema: z.ZodType<StringMap>,
  sensitive: readonly string[],
  shownEmpty: readonly string[] = [],
): Pick<DestinationAdapter, 'prepareCredentials' | 'maskCredentials'> {
  return {
    prepareCredentials(input, existing) {
      const restored = Object.fromEntries(
        Object.entries(input)
          .filter(([key, value]) => !(value === '' && shownEmpty.includes(key)))
          .map(([key, value]) => [
            key,
            value === MASKED && existing?.[key] !== undefined ? existing[key] : value,
          ]),
      );
      const parsed = schema.safeParse(restored);
      if (!parsed.success) {
        throw new ValidationError(
          'invalid credentials',
          parsed.error.issues.map((issue) => `credentials.${issue.path.join('.')}: ${issue.message}`),
        );
      }
      return parsed.data;
    },
    maskCredentials: (credentials) => ({
      ...Object.fromEntries(shownEmpty.map((key) => [key, ''])),
      ...Object.fromEntries(
        Object.entries(credentials).map(([key, value]) => [key, sensitive.includes(key) ? MASKED : value]),
      ),
    }),
  };
}

/** The `tls` checkbox of a broker connection. */
export function tlsField(description: string, defaultValue: 'true' | 'false'): DestinationField {
  return { key: 'tls', type: 'checkbox', label: 'TLS', description, required: false, default: defaultValue };
}

/** `username` and `password` credential fields; the password is the one `plainCredentials` masks. */
export function usernamePasswordFields(
  labels: { username: string; password: string },
  required: boolean,
): DestinationField[] {
  return [
    { key: 'username', type: 'text', label: labels.username, required },
    { key: 'password', type: 'text', label: labels.password, required, sensitive: true },
  ];
}

/** `host:port` with a port in range (brokers, server addresses). */
export function isHostPort(value: string): boolean {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  return match !== null && Number(match[2]) > 0 && Number(match[2]) < 65536;
}

/** The host of a `host:port` (brackets of an IPv6 literal removed). */
export function hostOf(hostPort: string): string {
  return hostPort.slice(0, hostPort.lastIndexOf(':')).replace(/^\[|\]$/g, '');
}

/**
 * Deployed mode: what can be judged from a broker host without DNS (no localhost, no IP literal in a
 * private/loopback/link-local range). Returns the problem, or undefined.
 */
export function hostTargetProblem(host: string): string | undefined {
  if (/(^|\.)localhost\.?$/i.test(host)) return 'must not point at localhost';
  if (isIP(host) === 0) return undefined;
  const reason = forbiddenAddressReason(host);
  return reason === undefined ? undefined : `must not point at a forbidden address (${reason})`;
}

/** Message bytes of a delivery: the event's data as published, exactly what webhooks send. */
export function messageBody(event: Event): Buffer {
  return Buffer.from(eventDataJson(event), 'utf8');
}

/** Error text for an attempt record, capped like responses are. */
export function errorText(error: unknown, capBytes: number): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > capBytes ? text.slice(0, capBytes) : text;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'dns_error',
  EAI_AGAIN: 'dns_error',
  EHOSTUNREACH: 'host_unreachable',
  ENETUNREACH: 'host_unreachable',
};

/** The attempt code of a socket-level error (`connection_refused`, `dns_error`, `tls_error`...), if it is one. */
export function networkErrorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  if (NETWORK_CODES[code] !== undefined) return NETWORK_CODES[code];
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(code)) return 'tls_error';
  return undefined;
}

/** Rejects with `onTimeout()` when `work` has not settled within `ms`. */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
