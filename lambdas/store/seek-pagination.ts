import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { BadRequestError } from '../core/errors';
import type { PageRequest, TimeRange } from '../core/ports';
import type { StoredItem } from './batch-operations';
import { ExpressionBuilder, allOf } from './expression-builder';
import { sortableTime } from './keys';

/**
 * Cursor pagination over one index, with the semantics of Outpost's SeekPagination: `next` is null
 * when there is nothing after the page, `prev` is null on the first page. A cursor is the opaque
 * base64url of the key of the page's last (`next`) or first (`prev`) item plus the direction; a
 * `prev` cursor reads the index the other way from that key, so a client can page back.
 */

type CursorDirection = 'next' | 'prev';

interface Cursor {
  /** Index the key belongs to: a cursor from another listing is rejected, not misread. */
  i: string;
  d: CursorDirection;
  k: StoredItem;
}

/** Filters discard items after they are read: read ahead in bigger steps so a page needs fewer round trips. */
const FILTERED_READ_AHEAD = 100;

export interface SeekQuery {
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'ScanIndexForward' | 'Limit' | 'Select'> & {
    TableName: string;
  };
  /** Attributes that make up an item's position in the index (table key + index key). */
  keyAttributes: readonly string[];
}

export interface SeekResult {
  items: StoredItem[];
  next: string | null;
  prev: string | null;
}

export async function seekPage(
  client: DynamoDBDocumentClient,
  query: SeekQuery,
  request: PageRequest,
): Promise<SeekResult> {
  const indexId = query.input.IndexName ?? query.input.TableName;
  const cursor = readCursor(request, indexId);
  // One extra item tells whether anything lies beyond the page.
  const read = await readItems(client, query, readsForward(request, cursor), cursor?.k, request.limit + 1);
  return pageFromRead(read, request, cursor, indexId, query.keyAttributes);
}

/** A `prev` cursor reads against the listing's direction, from the page's first item back. */
function readsForward(request: PageRequest, cursor: Cursor | undefined): boolean {
  const ascending = request.dir === 'asc';
  return cursor?.d === 'prev' ? !ascending : ascending;
}

/** The page and its cursors from up to limit + 1 items read, in reading order, past the cursor. */
function pageFromRead(
  read: StoredItem[],
  request: PageRequest,
  cursor: Cursor | undefined,
  indexId: string,
  keyAttributes: readonly string[],
): SeekResult {
  const backwards = cursor?.d === 'prev';
  const hasMore = read.length > request.limit;
  const items = read.slice(0, request.limit);
  if (backwards) items.reverse();

  const first = items[0];
  const last = items[items.length - 1];
  const encode = (item: StoredItem | undefined, d: CursorDirection, when: boolean): string | null =>
    item !== undefined && when ? writeCursor({ i: indexId, d, k: pick(item, keyAttributes) }) : null;
  return backwards
    ? { items, next: encode(last, 'next', true), prev: encode(first, 'prev', hasMore) }
    : { items, next: encode(last, 'next', hasMore), prev: encode(first, 'prev', cursor !== undefined) };
}

/** Where an item lies in a listing of `sortAttribute` order; the table key breaks ties. */
export interface ItemOrder {
  /** Names the listing in its cursors, as an index name does for seekPage. */
  listingId: string;
  sortAttribute: string;
}

/**
 * A page of a bounded set of items already read (by key, or whole small partitions), with the same
 * cursors and semantics as seekPage: what id lookups answer instead of filtering a whole index.
 */
export function pageOfItems(
  items: readonly StoredItem[],
  order: ItemOrder,
  request: PageRequest,
): SeekResult {
  const cursor = readCursor(request, order.listingId);
  const keyAttributes = ['pk', 'sk', order.sortAttribute];
  const position = (item: StoredItem): string[] =>
    [order.sortAttribute, 'pk', 'sk'].map((name) => String(item[name]));
  const compare = (a: string[], b: string[]): number => {
    const differs = a.findIndex((part, index) => part !== b[index]);
    return differs === -1 ? 0 : a[differs]! < b[differs]! ? -1 : 1;
  };
  const forward = readsForward(request, cursor);
  const sign = forward ? 1 : -1;
  const from = cursor === undefined ? undefined : position(cursor.k);
  const read = [...items]
    .sort((a, b) => sign * compare(position(a), position(b)))
    .filter((item) => from === undefined || sign * compare(position(item), from) > 0)
    .slice(0, request.limit + 1);
  return pageFromRead(read, request, cursor, order.listingId, keyAttributes);
}

/** Every item of a query (a partition known to be small), all pages of it. */
export async function queryAll(
  client: DynamoDBDocumentClient,
  input: SeekQuery['input'],
): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  let exclusiveStartKey: StoredItem | undefined;
  do {
    const output = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: exclusiveStartKey }));
    items.push(...(output.Items ?? []));
    exclusiveStartKey = output.LastEvaluatedKey;
  } while (exclusiveStartKey !== undefined);
  return items;
}

async function readItems(
  client: DynamoDBDocumentClient,
  query: SeekQuery,
  scanForward: boolean,
  startKey: StoredItem | undefined,
  want: number,
): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  let exclusiveStartKey = startKey;
  do {
    const remaining = want - items.length;
    const output = await client.send(
      new QueryCommand({
        ...query.input,
        ScanIndexForward: scanForward,
        ExclusiveStartKey: exclusiveStartKey,
        Limit:
          query.input.FilterExpression === undefined ? remaining : Math.max(remaining, FILTERED_READ_AHEAD),
      }),
    );
    items.push(...(output.Items ?? []));
    exclusiveStartKey = output.LastEvaluatedKey;
  } while (items.length < want && exclusiveStartKey !== undefined);
  return items.slice(0, want);
}

function pick(item: StoredItem, attributes: readonly string[]): StoredItem {
  return Object.fromEntries(attributes.map((attribute) => [attribute, item[attribute]]));
}

function writeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function readCursor(request: PageRequest, indexId: string): Cursor | undefined {
  if (request.next !== undefined && request.prev !== undefined) {
    throw new BadRequestError('next and prev cannot be used together');
  }
  const [raw, direction] =
    request.next !== undefined
      ? [request.next, 'next']
      : request.prev !== undefined
        ? [request.prev, 'prev']
        : [];
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new BadRequestError('invalid cursor');
  }
  if (!isCursor(parsed) || parsed.d !== direction || parsed.i !== indexId) {
    throw new BadRequestError('invalid cursor');
  }
  return parsed;
}

function isCursor(value: unknown): value is Cursor {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Cursor>;
  return (
    typeof candidate.i === 'string' &&
    (candidate.d === 'next' || candidate.d === 'prev') &&
    typeof candidate.k === 'object' &&
    candidate.k !== null &&
    Object.values(candidate.k).every((part) => typeof part === 'string')
  );
}

/**
 * Bounds of a time range on a `<time>#<id>` sort key. `gt T` starts after every `T#...` (`$` sorts
 * right after `#`), `lt T` stops before `T#...`. No key equals `T` or `T$` exactly (keys are
 * `T#id`), so the bounds can be used inclusively in one BETWEEN, which DynamoDB needs since a key
 * condition allows one sort key comparison.
 */
function timeBounds(range: TimeRange): { lower?: string; upper?: string } {
  return {
    lower:
      range.gt !== undefined
        ? `${sortableTime(range.gt)}$`
        : range.gte !== undefined
          ? sortableTime(range.gte)
          : undefined,
    upper:
      range.lt !== undefined
        ? sortableTime(range.lt)
        : range.lte !== undefined
          ? `${sortableTime(range.lte)}$`
          : undefined,
  };
}

function timeRangeCondition(
  builder: ExpressionBuilder,
  attribute: string,
  bounds: { lower?: string; upper?: string },
): string | undefined {
  const { lower, upper } = bounds;
  if (lower === undefined && upper === undefined) return undefined;
  const name = builder.name(attribute);
  if (lower !== undefined && upper !== undefined) {
    return `${name} BETWEEN ${builder.value(lower)} AND ${builder.value(upper)}`;
  }
  return lower !== undefined ? `${name} >= ${builder.value(lower)}` : `${name} <= ${builder.value(upper)}`;
}

/** One partition of a time-ordered index (`<time>#<id>` sort key) to page through. */
export interface TimeIndex {
  indexName: string;
  partitionAttribute: string;
  partition: string;
  sortAttribute: string;
}

/**
 * The Query of one partition of a time-ordered index, with optional time range and filter conditions;
 * undefined when the range is empty (DynamoDB rejects a BETWEEN with reversed bounds).
 */
export function timeIndexQuery(
  table: string,
  index: TimeIndex,
  builder: ExpressionBuilder,
  filters: readonly string[],
  time: TimeRange | undefined,
): SeekQuery | undefined {
  const bounds = timeBounds(time ?? {});
  if (bounds.lower !== undefined && bounds.upper !== undefined && bounds.upper < bounds.lower) {
    return undefined;
  }
  const keyCondition = allOf([
    builder.equals(index.partitionAttribute, index.partition),
    timeRangeCondition(builder, index.sortAttribute, bounds),
  ]);
  const filter = allOf(filters);
  return {
    input: {
      TableName: table,
      IndexName: index.indexName,
      KeyConditionExpression: keyCondition,
      ...(filter !== undefined ? { FilterExpression: filter } : {}),
      ...builder.attributes(),
    },
    keyAttributes: ['pk', 'sk', index.partitionAttribute, index.sortAttribute],
  };
}

/** A page of a time-ordered index, with optional time range and filter conditions. */
export async function seekTimeIndex(
  client: DynamoDBDocumentClient,
  table: string,
  index: TimeIndex,
  builder: ExpressionBuilder,
  filters: readonly string[],
  time: TimeRange | undefined,
  request: PageRequest,
): Promise<SeekResult> {
  const query = timeIndexQuery(table, index, builder, filters, time);
  return query === undefined ? { items: [], next: null, prev: null } : seekPage(client, query, request);
}

/** Whether a `<time>#<id>` sort key lies in the range, exactly as the key condition would decide. */
export function withinTimeRange(sortKey: string, range: TimeRange | undefined): boolean {
  const { lower, upper } = timeBounds(range ?? {});
  return (lower === undefined || sortKey >= lower) && (upper === undefined || sortKey <= upper);
}
