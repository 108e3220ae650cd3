import { createHash, randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniformly random base62 string from the CSPRNG (randomInt avoids modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  for (let index = 0; index < length; index += 1) out += BASE62[randomInt(BASE62.length)];
  return out;
}

/** Outpost's destination id shape: `des_` + 12 base62 characters. */
export function newDestinationId(): string {
  return `des_${randomBase62(12)}`;
}

export function newEventId(): string {
  return `evt_${randomBase62(22)}`;
}

/**
 * Ids chosen by callers end up in URL paths and storage keys: printable, no `/`, `?`, `#` or spaces.
 */
export const CALLER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}$/;

/**
 * Longest id a caller may choose where it is otherwise free-form (event ids, destination ids): ids are
 * parts of DynamoDB keys, which cap a sort key at 1024 bytes, and of URL paths.
 */
export const MAX_ID_LENGTH = 255;

/** What CALLER_ID_PATTERN asks for, as a field message says it. */
export const CALLER_ID_RULE = 'must be 1-128 letters, digits or ._:@+=- and start with a letter or digit';

const ATTEMPT_ID_PREFIX = 'atm_';
/** 132 bits of SHA-256: unique among one tenant's attempts, which is all an id must tell apart. */
const ATTEMPT_DIGEST_LENGTH = 22;
const ATTEMPT_DIGEST = /^[A-Za-z0-9_-]+$/;

/**
 * `atm_<tenant id>_<digest>`: deterministic per (tenant, event, destination, attempt number), the unit
 * that takes effect once, so a repeated write of an attempt is the same item. The tenant is spelt out
 * so that an attempt is read by key without being told its tenant (admin `GET /attempts/:id`); tenant
 * ids are CALLER_ID_PATTERN strings, already used in URL paths, and the digest is base64url.
 */
export function attemptIdFor(
  tenantId: string,
  eventId: string,
  destinationId: string,
  attemptNumber: number,
): string {
  const digest = createHash('sha256')
    .update(`${tenantId}\u0000${eventId}\u0000${destinationId}\u0000${attemptNumber}`)
    .digest('base64url');
  return `${ATTEMPT_ID_PREFIX}${tenantId}_${digest.slice(0, ATTEMPT_DIGEST_LENGTH)}`;
}

/**
 * The tenant an attempt id names, or undefined when it is not an id attemptIdFor makes (a typo, a
 * forged string, an id from before tenants were spelt out): such an id names no attempt by itself.
 */
export function tenantOfAttemptId(attemptId: string): string | undefined {
  if (!attemptId.startsWith(ATTEMPT_ID_PREFIX)) return undefined;
  const separator = attemptId.length - ATTEMPT_DIGEST_LENGTH - 1;
  if (separator <= ATTEMPT_ID_PREFIX.length || attemptId[separator] !== '_') return undefined;
  const tenantId = attemptId.slice(ATTEMPT_ID_PREFIX.length, separator);
  const digest = attemptId.slice(separator + 1);
  return CALLER_ID_PATTERN.test(tenantId) && ATTEMPT_DIGEST.test(digest) ? tenantId : undefined;
}
