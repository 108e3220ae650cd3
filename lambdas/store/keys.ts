import { BadRequestError } from '../core/errors';

/**
 * Every DynamoDB key this system writes, in one place. Keys start with the tenant (`TENANT#<id>`)
 * except the admin-wide index partitions below, so no tenant-scoped key condition can reach another
 * tenant's items. docs/data-model.md lists which access pattern uses which key.
 */

export const tenantPk = (tenantId: string): string => `TENANT#${tenantId}`;
export const tenantSk = (tenantId: string): string => `TENANT#${tenantId}`;
export const destinationSk = (destinationId: string): string => `DEST#${destinationId}`;
export const DESTINATION_SK_PREFIX = 'DEST#';

export const eventSk = (eventId: string): string => `EVENT#${eventId}`;
export const deliverySkPrefix = (eventId: string): string => `EVENT#${eventId}#DLV#`;
export const deliverySk = (eventId: string, destinationId: string): string =>
  `${deliverySkPrefix(eventId)}${destinationId}`;
export const attemptSk = (attemptId: string): string => `ATTEMPT#${attemptId}`;

/** DynamoDB's limit on a sort key value: a longer key names no item, and asking for one is an error. */
const MAX_SORT_KEY_BYTES = 1024;
export const fitsSortKey = (key: string): boolean => Buffer.byteLength(key) <= MAX_SORT_KEY_BYTES;

/** Partitions of the admin-wide indexes and the tenant counter (one item, not per tenant). */
export const ALL_TENANTS_PARTITION = 'TENANTS';
export const ALL_EVENTS_PARTITION = 'EVENTS';
export const ALL_ATTEMPTS_PARTITION = 'ATTEMPTS';
export const TENANT_COUNTER_KEY = { pk: 'COUNTER#TENANTS', sk: 'COUNTER#TENANTS' } as const;

export const eventIdKey = (eventId: string): string => `EVENT#${eventId}`;
export const tenantDestinationPk = (tenantId: string, destinationId: string): string =>
  `TENANT#${tenantId}#DEST#${destinationId}`;
export const tenantEventPk = (tenantId: string, eventId: string): string =>
  `TENANT#${tenantId}#EVENT#${eventId}`;

/**
 * Normalised to UTC with milliseconds, so that string order is time order whatever offset the
 * producer used (`2024-01-01T01:00:00+01:00` and `...T00:00:00Z` sort together).
 */
export function sortableTime(time: string): string {
  const parsed = new Date(time);
  if (Number.isNaN(parsed.getTime())) {
    throw new BadRequestError(`not a timestamp: ${time}`);
  }
  return parsed.toISOString();
}

/** `<time>#<id>`: the sort key of every time-ordered index; the id breaks ties between equal times. */
export const timeSortKey = (time: string, id: string): string => `${sortableTime(time)}#${id}`;

/** TTL attribute value (epoch seconds) `retentionDays` after `time`. */
export function expiresAt(time: string, retentionDays: number): number {
  return Math.floor(new Date(time).getTime() / 1000) + retentionDays * 86_400;
}
