import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PageRequest, TimeRange } from '../core/ports';
import { batchGetInOrder } from './batch-operations';
import type { ExpressionBuilder } from './expression-builder';
import { tenantPk } from './keys';
import { seekTimeIndex, type SeekResult, type TimeIndex } from './seek-pagination';

export interface TimeOrderedIndexes {
  /** The index to read for one tenant (its partition starts with the tenant). */
  tenant(tenantId: string): TimeIndex;
  /** The admin-wide index. */
  allTenants: TimeIndex;
}

export interface TimeOrderedQuery {
  /** Undefined = every tenant. */
  tenantIds?: readonly string[];
  /** Conditions on attributes both indexes carry; undefined entries are ignored. */
  filters: readonly (string | undefined)[];
  time?: TimeRange;
  request: PageRequest;
  /** A filter with an empty list of values: nothing can match, so nothing is read. */
  matchesNothing: boolean;
}

/**
 * A page of events or attempts in time order. One tenant reads its own partition of the tenant
 * index; several or all tenants read the admin-wide index (restricted to the tenants' partitions by
 * a filter on `pk`). Both indexes hold keys and filter attributes only, so the page's items are then
 * fetched by key.
 */
export async function listTimeOrdered(
  client: DynamoDBDocumentClient,
  table: string,
  indexes: TimeOrderedIndexes,
  builder: ExpressionBuilder,
  query: TimeOrderedQuery,
): Promise<SeekResult> {
  const { tenantIds, filters, time, request } = query;
  if (query.matchesNothing || tenantIds?.length === 0) {
    return { items: [], next: null, prev: null };
  }
  const present = filters.filter((filter): filter is string => filter !== undefined);
  const [onlyTenant] = tenantIds ?? [];
  const page =
    tenantIds?.length === 1 && onlyTenant !== undefined
      ? await seekTimeIndex(client, table, indexes.tenant(onlyTenant), builder, present, time, request)
      : await seekTimeIndex(
          client,
          table,
          indexes.allTenants,
          builder,
          [...(tenantIds !== undefined ? [builder.in('pk', tenantIds.map(tenantPk))] : []), ...present],
          time,
          request,
        );
  const items = await batchGetInOrder(
    client,
    table,
    page.items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) })),
  );
  return { ...page, items };
}

/** A filter condition for a list of values; undefined when the list is absent or empty. */
export function nonEmpty(
  values: readonly string[] | undefined,
  condition: (values: readonly string[]) => string,
): string | undefined {
  return values !== undefined && values.length > 0 ? condition(values) : undefined;
}
