import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { eventDataJson, type Delivery, type Event } from '../core/model';
import type { EventQuery, EventRepository, Page } from '../core/ports';
import { batchGetInOrder, batchWrite, type StoredItem } from './batch-operations';
import { packText, unpackText } from './compressed-text';
import { toDeliveryItem } from './delivery-item';
import { isConditionalCheckFailed } from './dynamo-errors';
import { ExpressionBuilder } from './expression-builder';
import { checkNamedLookups, keysFromIdIndex } from './id-index';
import { ALL_EVENTS_PARTITION, eventIdKey, eventSk, expiresAt, tenantPk, timeSortKey } from './keys';
import { pageOfItems, withinTimeRange } from './seek-pagination';
import { listTimeOrdered, nonEmpty, type TimeOrderedIndexes } from './time-ordered-list';

const EVENT_INDEXES: TimeOrderedIndexes = {
  tenant: (tenantId) => ({
    indexName: 'events-by-time',
    partitionAttribute: 'gsi1pk',
    partition: tenantPk(tenantId),
    sortAttribute: 'gsi1sk',
  }),
  allTenants: {
    indexName: 'all-events-by-time',
    partitionAttribute: 'gsi2pk',
    partition: ALL_EVENTS_PARTITION,
    sortAttribute: 'gsi2sk',
  },
};

/** Admin lookup without a tenant. */
const EVENTS_BY_ID = { indexName: 'events-by-id', partitionAttribute: 'gsi3pk' };

/** Events listed by id are cut into pages in memory, in the order of the tenant time index. */
const EVENTS_NAMED_BY_ID = { listingId: 'events:id', sortAttribute: 'gsi1sk' };

/**
 * Events: `TENANT#<tenant>` / `EVENT#<id>` in the events table, their delivery records beside them.
 * `data` is stored as the JSON text the producer sent (`data_json`), so its bytes survive; large
 * texts compressed (compressed-text.ts).
 */
export class DynamoEventRepository implements EventRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  /**
   * The event's conditional Put decides (a repeated id writes nothing), then its deliveries follow in
   * BatchWriteItem calls. Not a transaction: DynamoDB bills transactional writes twice, and the event
   * is the larger item. A crash between the two writes leaves deliveries missing; the producer's
   * retry with the same id (or the ingest queue's redelivery) finds the event and creates them
   * (publishEvent's repair), and the API has not answered 202 before both writes are done.
   */
  async createWithDeliveries(
    event: Event,
    deliveries: Delivery[],
  ): Promise<{ created: true } | { created: false; existing: Event }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(event),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = await this.read(event.tenant_id, event.id, true);
      if (existing === null) throw error;
      return { created: false, existing };
    }
    await batchWrite(
      this.client,
      this.table,
      deliveries.map((delivery) => ({ PutRequest: { Item: toDeliveryItem(delivery, this.retentionDays) } })),
    );
    return { created: true };
  }

  private toItem(event: Event): StoredItem {
    const sortKey = timeSortKey(event.time, event.id);
    return {
      pk: tenantPk(event.tenant_id),
      sk: eventSk(event.id),
      gsi1pk: tenantPk(event.tenant_id),
      gsi1sk: sortKey,
      gsi2pk: ALL_EVENTS_PARTITION,
      gsi2sk: sortKey,
      gsi3pk: eventIdKey(event.id),
      ...withoutDataJson(event),
      data: packText(eventDataJson(event)),
      expires_at: expiresAt(event.time, this.retentionDays),
    };
  }

  get(tenantId: string, eventId: string): Promise<Event | null> {
    return this.read(tenantId, eventId, false);
  }

  private async read(tenantId: string, eventId: string, consistent: boolean): Promise<Event | null> {
    const output = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantPk(tenantId), sk: eventSk(eventId) },
        ConsistentRead: consistent,
      }),
    );
    return output.Item === undefined ? null : toEvent(output.Item);
  }

  async tenantIdsForEvent(eventId: string): Promise<string[]> {
    const keys = await keysFromIdIndex(this.client, this.table, EVENTS_BY_ID, eventIdKey(eventId));
    return keys.map((key) => key.pk.slice(tenantPk('').length));
  }

  async list(query: EventQuery): Promise<Page<Event>> {
    if (query.ids !== undefined && query.ids.length > 0) return this.listNamed({ ...query, ids: query.ids });
    const builder = new ExpressionBuilder();
    const page = await listTimeOrdered(this.client, this.table, EVENT_INDEXES, builder, {
      tenantIds: query.tenantIds,
      filters: [
        nonEmpty(query.destinationIds, (ids) => builder.containsAny('matched_destination_ids', ids)),
        nonEmpty(query.topics, (topics) => builder.in('topic', topics)),
      ],
      time: query.time,
      request: query,
      matchesNothing: [query.ids, query.destinationIds, query.topics].some((values) => values?.length === 0),
    });
    return { models: page.items.map(toEvent), next: page.next, prev: page.prev };
  }

  /**
   * Events named by id are read by key (BatchGetItem; through `events-by-id` when no tenant is
   * given), not found by filtering a tenant's whole time index: the other criteria are checked on
   * the few items read, and the page is cut from them.
   */
  private async listNamed(query: EventQuery & { ids: string[] }): Promise<Page<Event>> {
    const { tenantIds, ids } = query;
    if (tenantIds?.length === 0) return { models: [], next: null, prev: null };
    checkNamedLookups(ids, tenantIds, 'id');
    const keys =
      tenantIds !== undefined
        ? tenantIds.flatMap((tenantId) => ids.map((id) => ({ pk: tenantPk(tenantId), sk: eventSk(id) })))
        : (
            await Promise.all(
              ids.map((id) => keysFromIdIndex(this.client, this.table, EVENTS_BY_ID, eventIdKey(id))),
            )
          ).flat();
    const matching = (await batchGetInOrder(this.client, this.table, keys)).filter(
      (item) =>
        (query.destinationIds === undefined ||
          query.destinationIds.some((id) => (item.matched_destination_ids as string[]).includes(id))) &&
        (query.topics === undefined || query.topics.includes(item.topic as string)) &&
        withinTimeRange(item.gsi1sk as string, query.time),
    );
    const page = pageOfItems(matching, EVENTS_NAMED_BY_ID, query);
    return { models: page.items.map(toEvent), next: page.next, prev: page.prev };
  }
}

function toEvent(item: StoredItem): Event {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _gsi1pk,
    gsi1sk: _gsi1sk,
    gsi2pk: _gsi2pk,
    gsi2sk: _gsi2sk,
    gsi3pk: _gsi3pk,
    expires_at: _expiresAt,
    data,
    ...event
  } = item;
  const dataJson = unpackText(data);
  return {
    ...(event as Omit<Event, 'data'>),
    data: JSON.parse(dataJson) as Event['data'],
    data_json: dataJson,
  };
}

function withoutDataJson(event: Event): Omit<Event, 'data_json'> {
  const { data_json: _dataJson, ...rest } = event;
  return rest;
}
