import { createHmac, randomBytes as cryptoRandomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Webhook signatures.
 *
 * - `standard` (default): Standard Webhooks — `webhook-id`, `webhook-timestamp` (unix seconds) and
 *   `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, verifiable with the
 *   `standardwebhooks` libraries. The key is the base64 after `whsec_`; a secret without that prefix
 *   is used as raw bytes (receivers pass `{ format: 'raw' }`).
 * - `outpost`: Outpost's default mode — `x-outpost-signature: v0=<hex HMAC-SHA256 of the body>`, keyed
 *   with the secret string as-is. Outpost dropped the timestamp from the signed content in PR #588
 *   (its v1 releases), so receivers written for Outpost verify unchanged.
 *
 * While a rotated-out secret is still valid, every secret signs: space-separated `v1,` entries
 * (the Standard Webhooks spec allows several) or comma-separated `v0=` values (as Outpost does).
 */

export const SIGNATURE_FORMATS = ['standard', 'outpost'] as const;
export type SignatureFormat = (typeof SIGNATURE_FORMATS)[number];

export const SECRET_PREFIX = 'whsec_';
const GENERATED_SECRET_BYTES = 32;
/** Standard Webhooks recommends keys of 24 to 64 bytes. */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
/** A secret used as raw bytes must carry at least as much entropy as a generated one could. */
export const MIN_RAW_SECRET_LENGTH = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

export function generateSecret(randomBytes: (size: number) => Buffer = cryptoRandomBytes): string {
  return SECRET_PREFIX + randomBytes(GENERATED_SECRET_BYTES).toString('base64');
}

/** Why a secret cannot be used for signing, or undefined when it can. */
export function secretProblem(secret: string): string | undefined {
  if (secret.startsWith(SECRET_PREFIX)) {
    const encoded = secret.slice(SECRET_PREFIX.length);
    if (!BASE64.test(encoded)) return `must be ${SECRET_PREFIX} followed by base64`;
    const bytes = Buffer.from(encoded, 'base64').length;
    if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
      return `must encode ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes after ${SECRET_PREFIX}`;
    }
    return undefined;
  }
  if (secret.length < MIN_RAW_SECRET_LENGTH || !PRINTABLE_ASCII.test(secret)) {
    return `must start with ${SECRET_PREFIX} or be at least ${MIN_RAW_SECRET_LENGTH} printable ASCII characters`;
  }
  return undefined;
}

function standardKey(secret: string): Uint8Array {
  return secret.startsWith(SECRET_PREFIX)
    ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

export interface SignatureInput {
  format: SignatureFormat;
  /** Standard Webhooks' `webhook-id`: the event id, stable across retries so receivers can dedupe. */
  messageId: string;
  timestamp: Date;
  body: string;
  /** Current secret first, then any still-valid previous ones. Empty: no signature headers. */
  secrets: readonly string[];
}

/** The signature headers (lower-case names) for one request. */
export function signatureHeaders(input: SignatureInput): Record<string, string> {
  if (input.secrets.length === 0) return {};
  if (input.format === 'outpost') {
    const signatures = input.secrets.map((secret) =>
      createHmac('sha256', secret).update(input.body, 'utf8').digest('hex'),
    );
    return { 'x-outpost-signature': `v0=${signatures.join(',')}` };
  }
  const signatures = input.secrets.map((secret) =>
    new Webhook(standardKey(secret), { format: 'raw' }).sign(input.messageId, input.timestamp, input.body),
  );
  return {
    'webhook-id': input.messageId,
    'webhook-timestamp': String(Math.floor(input.timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
