import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tenantOfAttemptId } from '../core/ids';
import type { Attempt, ResponseData } from '../core/model';
import type { AttemptQuery, AttemptRepository, Page } from '../core/ports';
import { batchGetInOrder, type StoredItem } from './batch-operations';
import { packText, unpackText } from './compressed-text';
import { ExpressionBuilder } from './expression-builder';
import { checkNamedLookups } from './id-index';
import {
  ALL_ATTEMPTS_PARTITION,
  attemptSk,
  expiresAt,
  fitsSortKey,
  tenantDestinationPk,
  tenantEventPk,
  tenantPk,
  timeSortKey,
} from './keys';
import { pageOfItems, queryAll, timeIndexQuery, type TimeIndex } from './seek-pagination';
import { listTimeOrdered, nonEmpty } from './time-ordered-list';

const ALL_ATTEMPTS_INDEX: TimeIndex = {
  indexName: 'all-attempts-by-time',
  partitionAttribute: 'gsi4pk',
  partition: ALL_ATTEMPTS_PARTITION,
  sortAttribute: 'gsi4sk',
};

/** Attempts of several events are cut into pages in memory, in the order of `attempts-by-event`. */
const ATTEMPTS_OF_EVENTS = { listingId: 'attempts:event_id', sortAttribute: 'gsi3sk' };

/**
 * Attempts: `TENANT#<tenant>` / `ATTEMPT#<id>` in the attempts table, indexed by the tenant's time,
 * by destination, by event (all `<time>#<id>` sort keys) and across tenants. An attempt id names its
 * tenant (core/ids.ts), so an admin reads one by key without an index.
 */
export class DynamoAttemptRepository implements AttemptRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  async put(attempt: Attempt): Promise<void> {
    const sortKey = timeSortKey(attempt.time, attempt.id);
    // Unconditional: the id is deterministic, so a repeated put writes the same attempt again.
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tenantPk(attempt.tenant_id),
          sk: attemptSk(attempt.id),
          gsi1pk: tenantPk(attempt.tenant_id),
          gsi1sk: sortKey,
          gsi2pk: tenantDestinationPk(attempt.tenant_id, attempt.destination_id),
          gsi2sk: sortKey,
          gsi3pk: tenantEventPk(attempt.tenant_id, attempt.event_id),
          gsi3sk: sortKey,
          gsi4pk: ALL_ATTEMPTS_PARTITION,
          gsi4sk: sortKey,
          ...attempt,
          response_data: packResponse(attempt.response_data),
          expires_at: expiresAt(attempt.time, this.retentionDays),
        },
      }),
    );
  }

  /**
   * Read in the tenant's own partition: with a tenant, always that one (another tenant's id finds
   * nothing there); without, the tenant the id names. An id that names none is no attempt.
   */
  async get(tenantId: string | undefined, attemptId: string): Promise<Attempt | null> {
    const owner = tenantId ?? tenantOfAttemptId(attemptId);
    const sk = attemptSk(attemptId);
    if (owner === undefined || !fitsSortKey(sk)) return null;
    const output = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: tenantPk(owner), sk } }),
    );
    return output.Item === undefined ? null : toAttempt(output.Item);
  }

  async list(query: AttemptQuery): Promise<Page<Attempt>> {
    const { eventIds, tenantIds } = query;
    const empty = [eventIds, tenantIds, query.destinationIds, query.destinationTypes, query.topics].some(
      (values) => values?.length === 0,
    );
    if (empty) return { models: [], next: null, prev: null };
    if (eventIds !== undefined) {
      if (tenantIds === undefined) {
        throw new Error('attempts of an event id need its tenants: see EventRepository.tenantIdsForEvent');
      }
      checkNamedLookups(eventIds, tenantIds, 'event_id');
      if (eventIds.length * tenantIds.length > 1) return this.listOfEvents(query, tenantIds, eventIds);
    }
    const builder = new ExpressionBuilder();
    const page = await listTimeOrdered(
      this.client,
      this.table,
      { tenant: (tenantId) => tenantIndex(tenantId, query), allTenants: ALL_ATTEMPTS_INDEX },
      builder,
      {
        tenantIds,
        filters: attemptFilters(builder, query),
        time: query.time,
        request: query,
        matchesNothing: false,
      },
    );
    return { models: page.items.map(toAttempt), next: page.next, prev: page.prev };
  }

  /**
   * Attempts of several named events (or of one event id several tenants use) come from each
   * (tenant, event) partition of `attempts-by-event`, never from a filter over a whole history. An
   * event has few attempts (its destinations times their tries), so the partitions are read whole,
   * filtered inside DynamoDB, merged, and the page is cut from them in memory.
   */
  private async listOfEvents(
    query: AttemptQuery,
    tenantIds: readonly string[],
    eventIds: readonly string[],
  ): Promise<Page<Attempt>> {
    const partitions = tenantIds.flatMap((tenantId) =>
      eventIds.map((eventId) => eventIndex(tenantId, eventId)),
    );
    const read = await Promise.all(
      partitions.map((index) => {
        const builder = new ExpressionBuilder();
        const eventQuery = timeIndexQuery(
          this.table,
          index,
          builder,
          attemptFilters(builder, query),
          query.time,
        );
        return eventQuery === undefined ? [] : queryAll(this.client, eventQuery.input);
      }),
    );
    const page = pageOfItems(read.flat(), ATTEMPTS_OF_EVENTS, query);
    const items = await batchGetInOrder(
      this.client,
      this.table,
      page.items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) })),
    );
    return { models: items.map(toAttempt), next: page.next, prev: page.prev };
  }
}

/** The conditions on an attempt's own attributes, as filters on any of the attempt indexes. */
function attemptFilters(builder: ExpressionBuilder, query: AttemptQuery): string[] {
  const filters = [
    nonEmpty(query.eventIds, (ids) => builder.in('event_id', ids)),
    nonEmpty(query.destinationIds, (ids) => builder.in('destination_id', ids)),
    nonEmpty(query.destinationTypes, (types) => builder.in('destination_type', types)),
    query.status !== undefined ? builder.equals('status', query.status) : undefined,
    nonEmpty(query.topics, (topics) => builder.in('topic', topics)),
  ];
  return filters.filter((filter): filter is string => filter !== undefined);
}

function eventIndex(tenantId: string, eventId: string): TimeIndex {
  return {
    indexName: 'attempts-by-event',
    partitionAttribute: 'gsi3pk',
    partition: tenantEventPk(tenantId, eventId),
    sortAttribute: 'gsi3sk',
  };
}

/** The narrowest index for one tenant: one event's attempts, one destination's, or all of them. */
function tenantIndex(tenantId: string, query: AttemptQuery): TimeIndex {
  const [eventId] = query.eventIds ?? [];
  if (query.eventIds?.length === 1 && eventId !== undefined) return eventIndex(tenantId, eventId);
  const [destinationId] = query.destinationIds ?? [];
  if (query.destinationIds?.length === 1 && destinationId !== undefined) {
    return {
      indexName: 'attempts-by-destination',
      partitionAttribute: 'gsi2pk',
      partition: tenantDestinationPk(tenantId, destinationId),
      sortAttribute: 'gsi2sk',
    };
  }
  return {
    indexName: 'attempts-by-time',
    partitionAttribute: 'gsi1pk',
    partition: tenantPk(tenantId),
    sortAttribute: 'gsi1sk',
  };
}

function toAttempt(item: StoredItem): Attempt {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _gsi1pk,
    gsi1sk: _gsi1sk,
    gsi2pk: _gsi2pk,
    gsi2sk: _gsi2sk,
    gsi3pk: _gsi3pk,
    gsi3sk: _gsi3sk,
    gsi4pk: _gsi4pk,
    gsi4sk: _gsi4sk,
    // Written by versions that indexed attempts by id (attempts-by-id).
    gsi5pk: _gsi5pk,
    expires_at: _expiresAt,
    response_data: responseData,
    ...attempt
  } = item;
  return { ...(attempt as Omit<Attempt, 'response_data'>), response_data: unpackResponse(responseData) };
}

/** A map (M) while small, its JSON text compressed (B) when that is smaller (compressed-text.ts). */
function packResponse(response: ResponseData | null): ResponseData | Uint8Array | null {
  if (response === null) return null;
  const packed = packText(JSON.stringify(response));
  return typeof packed === 'string' ? response : packed;
}

function unpackResponse(stored: unknown): ResponseData | null {
  return stored instanceof Uint8Array
    ? (JSON.parse(unpackText(stored)) as ResponseData)
    : (stored as ResponseData | null);
}
