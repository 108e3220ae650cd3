import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BadRequestError } from '../core/errors';
import { queryAll } from './seek-pagination';

/** A table key of the events and attempts tables. */
export interface TableKey {
  pk: string;
  sk: string;
}

/**
 * The table keys of every item whose id-only index (`events-by-id`) partition is `idKey`: how an
 * admin finds a record without its tenant. All of them, not the first: event ids are chosen by
 * producers and unique per tenant only, so one id can name events of several tenants.
 */
export async function keysFromIdIndex(
  client: DynamoDBDocumentClient,
  table: string,
  index: { indexName: string; partitionAttribute: string },
  idKey: string,
): Promise<TableKey[]> {
  const items = await queryAll(client, {
    TableName: table,
    IndexName: index.indexName,
    KeyConditionExpression: `${index.partitionAttribute} = :id`,
    ExpressionAttributeValues: { ':id': idKey },
  });
  return items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
}

/** Records named by id per request: one BatchGetItem's worth, so an id filter costs a bounded read. */
export const MAX_NAMED_LOOKUPS = 100;

/** Refuses an id filter that would take more than MAX_NAMED_LOOKUPS reads by key. */
export function checkNamedLookups(
  ids: readonly string[],
  tenantIds: readonly string[] | undefined,
  field: string,
): void {
  const lookups = ids.length * (tenantIds?.length ?? 1);
  if (lookups > MAX_NAMED_LOOKUPS) {
    throw new BadRequestError('invalid query parameters', [
      `${field}: at most ${MAX_NAMED_LOOKUPS} per request (values times tenant_id values), got ${lookups}`,
    ]);
  }
}
