import { randomInt } from 'node:crypto';

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

/** What CALLER_ID_PATTERN asks for, as a field message says it. */
export const CALLER_ID_RULE = 'must be 1-128 letters, digits or ._:@+=- and start with a letter or digit';
