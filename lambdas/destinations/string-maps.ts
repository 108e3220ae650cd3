import type { StringMap } from '../core/model';

/** Stored maps are plain string maps: optional fields that were not given are left out. */
export function definedOnly(record: Record<string, string | undefined>): StringMap {
  return Object.fromEntries(
    Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
