import { createHash } from 'node:crypto';
import { DESTINATION_LISTED_STATUSES, type Delivery, type DeliveryStatus } from '../core/model';
import type { StoredItem } from './batch-operations';
import { deliverySk, expiresAt, sortableTime, tenantDestinationPk, tenantPk, timeSortKey } from './keys';

/**
 * Delivery records live in the events table beside their event. Queued and retrying ones carry the
 * sparse `duepk`/`duesk` of the `deliveries-by-due` index, and retrying, failed and skipped ones the
 * sparse `dlvpk`/`dlvsk` of `deliveries-by-destination`; a Put of another status drops them.
 */

/** Due deliveries are spread over this many index partitions; listDue merges them. */
export const DUE_SHARDS = 8;
export const duePartition = (shard: number): string => `DUE#${shard}`;

function dueShard(delivery: Pick<Delivery, 'tenant_id' | 'event_id' | 'destination_id'>): number {
  const digest = createHash('sha256')
    .update(JSON.stringify([delivery.tenant_id, delivery.event_id, delivery.destination_id]))
    .digest();
  return digest.readUInt32BE(0) % DUE_SHARDS;
}

const isPending = (delivery: Delivery): delivery is Delivery & { due_at: string } =>
  (delivery.status === 'queued' || delivery.status === 'retrying') && delivery.due_at !== null;

export const isListedByDestination = (status: DeliveryStatus): boolean =>
  (DESTINATION_LISTED_STATUSES as readonly DeliveryStatus[]).includes(status);

export function toDeliveryItem(delivery: Delivery, retentionDays: number): StoredItem {
  return {
    pk: tenantPk(delivery.tenant_id),
    sk: deliverySk(delivery.event_id, delivery.destination_id),
    ...delivery,
    ...(isListedByDestination(delivery.status)
      ? {
          dlvpk: tenantDestinationPk(delivery.tenant_id, delivery.destination_id),
          dlvsk: timeSortKey(delivery.event_time, delivery.event_id),
        }
      : {}),
    ...(isPending(delivery)
      ? {
          duepk: duePartition(dueShard(delivery)),
          duesk: `${sortableTime(delivery.due_at)}#${delivery.tenant_id}#${delivery.event_id}#${delivery.destination_id}`,
        }
      : {}),
    expires_at: expiresAt(delivery.updated_at, retentionDays),
  };
}

export function fromDeliveryItem(item: StoredItem): Delivery {
  const {
    pk: _pk,
    sk: _sk,
    duepk: _duepk,
    duesk: _duesk,
    dlvpk: _dlvpk,
    dlvsk: _dlvsk,
    expires_at: _expiresAt,
    ...delivery
  } = item;
  return delivery as Delivery;
}
