import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { BadRequestError } from '../core/errors';
import {
  DESTINATION_LISTED_STATUSES,
  type Delivery,
  type DeliveryStatus,
  type DeliveryTask,
} from '../core/model';
import type { DeliveryRepository, TimeRange } from '../core/ports';
import type { StoredItem } from './batch-operations';
import {
  DUE_SHARDS,
  duePartition,
  fromDeliveryItem,
  isListedByDestination,
  toDeliveryItem,
} from './delivery-item';
import { isConditionalCheckFailed } from './dynamo-errors';
import { ExpressionBuilder } from './expression-builder';
import { deliverySk, deliverySkPrefix, sortableTime, tenantDestinationPk, tenantPk } from './keys';
import { seekTimeIndex } from './seek-pagination';

/**
 * Delivery records: `TENANT#<tenant>` / `EVENT#<event>#DLV#<destination>` in the events table. The
 * sparse `deliveries-by-due` index (sharded `DUE#0..7`) is the outbox the sweeper reads; the sparse
 * `deliveries-by-destination` holds the retrying, failed and skipped ones (listing, bulk replay).
 */
export class DynamoDeliveryRepository implements DeliveryRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  async get(tenantId: string, eventId: string, destinationId: string): Promise<Delivery | null> {
    const output = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantPk(tenantId), sk: deliverySk(eventId, destinationId) },
        // The deliverer decides staleness from this record: it must see the latest advance.
        ConsistentRead: true,
      }),
    );
    return output.Item === undefined ? null : fromDeliveryItem(output.Item);
  }

  async listForEvent(tenantId: string, eventId: string): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    let startKey: StoredItem | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': tenantPk(tenantId), ':prefix': deliverySkPrefix(eventId) },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      deliveries.push(...(output.Items ?? []).map(fromDeliveryItem));
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
    return deliveries;
  }

  async put(delivery: Delivery): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: toDeliveryItem(delivery, this.retentionDays) }),
    );
  }

  putIfAbsent(delivery: Delivery): Promise<boolean> {
    return this.conditionalPut(delivery, 'attribute_not_exists(pk)');
  }

  advance(next: Delivery, current: Delivery): Promise<boolean> {
    return this.conditionalPut(
      next,
      'task_id = :task AND next_attempt_number = :attempt AND #status = :status',
      { ':task': current.task_id, ':attempt': current.next_attempt_number, ':status': current.status },
      { '#status': 'status' },
    );
  }

  async markReason(task: DeliveryTask, reason: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: tenantPk(task.tenant_id), sk: deliverySk(task.event_id, task.destination_id) },
          UpdateExpression: 'SET reason = :reason',
          ConditionExpression:
            'task_id = :task AND next_attempt_number = :attempt AND #status IN (:queued, :retrying)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':reason': reason,
            ':task': task.task_id,
            ':attempt': task.attempt_number,
            ':queued': 'queued',
            ':retrying': 'retrying',
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** False when the condition does not hold (nothing written). */
  private async conditionalPut(
    delivery: Delivery,
    condition: string,
    values?: Record<string, string | number>,
    names?: Record<string, string>,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: toDeliveryItem(delivery, this.retentionDays),
          ConditionExpression: condition,
          ...(values !== undefined ? { ExpressionAttributeValues: values } : {}),
          ...(names !== undefined ? { ExpressionAttributeNames: names } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async listForDestination(
    tenantId: string,
    destinationId: string,
    query: { statuses?: DeliveryStatus[]; time?: TimeRange; limit: number; cursor?: string },
  ): Promise<{ deliveries: Delivery[]; cursor?: string }> {
    const unlisted = query.statuses?.filter((status) => !isListedByDestination(status)) ?? [];
    if (unlisted.length > 0) {
      throw new Error(`${unlisted.join(', ')} deliveries are not in deliveries-by-destination`);
    }
    const builder = new ExpressionBuilder();
    const page = await seekTimeIndex(
      this.client,
      this.table,
      {
        indexName: 'deliveries-by-destination',
        partitionAttribute: 'dlvpk',
        partition: tenantDestinationPk(tenantId, destinationId),
        sortAttribute: 'dlvsk',
      },
      builder,
      // Always a status filter: queued and successful items written before the index became sparse
      // (an older stack or .data/) are still in it until they are rewritten or expire.
      [builder.in('status', query.statuses?.length ? query.statuses : [...DESTINATION_LISTED_STATUSES])],
      query.time,
      { limit: query.limit, dir: 'asc', ...(query.cursor !== undefined ? { next: query.cursor } : {}) },
    );
    return {
      deliveries: page.items.map(fromDeliveryItem),
      ...(page.next !== null ? { cursor: page.next } : {}),
    };
  }

  async listDue(
    dueBefore: string,
    limit: number,
    cursor?: string,
  ): Promise<{ deliveries: Delivery[]; cursor?: string }> {
    const after = cursor === undefined ? undefined : readDueCursor(cursor);
    // `$` sorts right after the `#` that follows the time, so every key due at `dueBefore` is included.
    const upper = `${sortableTime(dueBefore)}$`;
    const shards = await Promise.all(
      Array.from({ length: DUE_SHARDS }, (_, shard) => this.dueShard(shard, after, upper, limit)),
    );
    const merged = shards
      .flatMap((shard) => shard.items)
      .sort((a, b) => (a.duesk < b.duesk ? -1 : a.duesk > b.duesk ? 1 : 0));
    const page = merged.slice(0, limit);
    const more = merged.length > limit || shards.some((shard) => shard.more);
    const last = page[page.length - 1];
    return {
      deliveries: page.map(fromDeliveryItem),
      ...(more && last !== undefined
        ? { cursor: Buffer.from(String(last.duesk)).toString('base64url') }
        : {}),
    };
  }

  /** Up to `limit` due items of one shard after the cursor position, oldest first. */
  private async dueShard(
    shard: number,
    after: string | undefined,
    upper: string,
    limit: number,
  ): Promise<{ items: StoredItem[]; more: boolean }> {
    const output = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'deliveries-by-due',
        // BETWEEN is inclusive: the item at the cursor comes back and is dropped below.
        KeyConditionExpression:
          after === undefined
            ? 'duepk = :shard AND duesk <= :upper'
            : 'duepk = :shard AND duesk BETWEEN :after AND :upper',
        ExpressionAttributeValues: {
          ':shard': duePartition(shard),
          ':upper': upper,
          ...(after !== undefined ? { ':after': after } : {}),
        },
        Limit: limit + 1,
      }),
    );
    const items = (output.Items ?? []).filter((item) => item.duesk !== after);
    return {
      items: items.slice(0, limit),
      more: items.length > limit || output.LastEvaluatedKey !== undefined,
    };
  }
}

function readDueCursor(cursor: string): string {
  const after = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{4}-\d{2}-\d{2}T[^#]+#/.test(after)) {
    throw new BadRequestError('invalid cursor');
  }
  return after;
}
