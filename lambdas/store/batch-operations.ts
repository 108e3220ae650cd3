import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';

export type StoredItem = Record<string, NativeAttributeValue>;
export type ItemKey = { pk: string; sk: string };
type WriteRequest = { PutRequest: { Item: StoredItem } } | { DeleteRequest: { Key: ItemKey } };

const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
/** Unprocessed items mean throttling; back off and retry this many times before giving up. */
const MAX_UNPROCESSED_ROUNDS = 8;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

const backoff = (round: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round) * Math.random()));

/** The items at `keys`, in the order of `keys`; keys with no item (deleted, expired) are left out. */
export async function batchGetInOrder(
  client: DynamoDBDocumentClient,
  table: string,
  keys: readonly ItemKey[],
): Promise<StoredItem[]> {
  const found = new Map<string, StoredItem>();
  const keyId = (key: { pk?: unknown; sk?: unknown }): string => `${String(key.pk)}\u0000${String(key.sk)}`;
  for (const chunk of chunks(dedupeKeys(keys, keyId), BATCH_GET_MAX)) {
    let pending: ItemKey[] = chunk;
    for (let round = 0; pending.length > 0; round += 1) {
      if (round > MAX_UNPROCESSED_ROUNDS) {
        throw new Error(`BatchGet on ${table}: ${pending.length} keys still unprocessed`);
      }
      if (round > 0) await backoff(round);
      const output = await client.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending } } }));
      for (const item of output.Responses?.[table] ?? []) {
        found.set(keyId(item), item);
      }
      pending = (output.UnprocessedKeys?.[table]?.Keys ?? []) as ItemKey[];
    }
  }
  return keys.map((key) => found.get(keyId(key))).filter((item): item is StoredItem => item !== undefined);
}

function dedupeKeys(keys: readonly ItemKey[], keyId: (key: ItemKey) => string): ItemKey[] {
  const seen = new Map<string, ItemKey>();
  for (const key of keys) seen.set(keyId(key), { pk: key.pk, sk: key.sk });
  return [...seen.values()];
}

/** BatchWriteItem calls in flight at once: a fan-out of 100 deliveries is one round trip, not four. */
const BATCH_WRITE_CONCURRENCY = 4;

/** Puts and deletes in batches of 25, retrying unprocessed items until all are written. */
export async function batchWrite(
  client: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
): Promise<void> {
  const batches = chunks(requests, BATCH_WRITE_MAX);
  for (const group of chunks(batches, BATCH_WRITE_CONCURRENCY)) {
    await Promise.all(group.map((batch) => writeBatch(client, table, batch)));
  }
}

async function writeBatch(
  client: DynamoDBDocumentClient,
  table: string,
  batch: WriteRequest[],
): Promise<void> {
  let pending = batch;
  for (let round = 0; pending.length > 0; round += 1) {
    if (round > MAX_UNPROCESSED_ROUNDS) {
      throw new Error(`BatchWrite on ${table}: ${pending.length} requests still unprocessed`);
    }
    if (round > 0) await backoff(round);
    const output = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    pending = (output.UnprocessedItems?.[table] ?? []) as WriteRequest[];
  }
}
