import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Destination, StringMap, Tenant } from '../core/model';
import type { CredentialCipher, Page, PageRequest, TenantRepository } from '../core/ports';
import { batchGetInOrder, batchWrite, type StoredItem } from './batch-operations';
import { fromDestinationItem } from './destination-item';
import { cancellationReason, isConditionalCheckFailed } from './dynamo-errors';
import { ExpressionBuilder } from './expression-builder';
import { checkNamedLookups } from './id-index';
import {
  ALL_TENANTS_PARTITION,
  DESTINATION_SK_PREFIX,
  TENANT_COUNTER_KEY,
  tenantPk,
  tenantSk,
  timeSortKey,
} from './keys';
import { pageOfItems, seekPage } from './seek-pagination';

/** Tenants listed by id are cut into pages in memory, in the order of `tenants-by-created`. */
const TENANTS_NAMED_BY_ID = { listingId: 'tenants:id', sortAttribute: 'gsi1sk' };

/** Concurrent tenant creates contend on the counter item; a cancelled transaction is retried this often. */
const MAX_TRANSACTION_TRIES = 5;

/**
 * Tenants live in the destinations table, in the partition of their destinations (`TENANT#<id>`),
 * so a tenant and all its destinations come back from one Query. The total count is a counter item
 * updated in the same transaction as each create and delete: listing reads one item instead of
 * counting the whole `tenants-by-created` index on every call.
 */
export class DynamoTenantRepository implements TenantRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly cipher: CredentialCipher,
  ) {}

  async upsert(
    id: string,
    metadata: StringMap | null,
    now: string,
  ): Promise<{ tenant: Tenant; created: boolean }> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return { tenant: await this.create(id, metadata, now), created: true };
      } catch (error) {
        const reason = cancellationReason(error);
        if (reason === 'ConditionalCheckFailed') {
          const updated = await this.update(id, metadata, now);
          // null: deleted between the two writes; go round again and create it.
          if (updated !== null) return { tenant: updated, created: false };
        } else if (reason !== 'TransactionConflict' || attempt >= MAX_TRANSACTION_TRIES) {
          throw error;
        }
      }
    }
  }

  private async create(id: string, metadata: StringMap | null, now: string): Promise<Tenant> {
    const tenant: Tenant = { id, metadata, created_at: now, updated_at: now };
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.table,
              Item: {
                pk: tenantPk(id),
                sk: tenantSk(id),
                gsi1pk: ALL_TENANTS_PARTITION,
                gsi1sk: timeSortKey(now, id),
                ...tenant,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          this.counterUpdate(1),
        ],
      }),
    );
    return tenant;
  }

  private async update(id: string, metadata: StringMap | null, now: string): Promise<Tenant | null> {
    try {
      const output = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: tenantPk(id), sk: tenantSk(id) },
          UpdateExpression: 'SET #metadata = :metadata, updated_at = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#metadata': 'metadata' },
          ExpressionAttributeValues: { ':metadata': metadata, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return output.Attributes === undefined ? null : toTenant(output.Attributes);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return null;
      throw error;
    }
  }

  private counterUpdate(delta: 1 | -1) {
    return {
      Update: {
        TableName: this.table,
        Key: TENANT_COUNTER_KEY,
        UpdateExpression: 'ADD #count :delta',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':delta': delta },
      },
    };
  }

  /** Consistent: it answers "does this tenant exist" (auth, destination create) right after a delete. */
  async get(id: string): Promise<Tenant | null> {
    const output = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantPk(id), sk: tenantSk(id) },
        ConsistentRead: true,
      }),
    );
    return output.Item === undefined ? null : toTenant(output.Item);
  }

  async getWithDestinations(id: string): Promise<{ tenant: Tenant; destinations: Destination[] } | null> {
    const items = await this.partition(id);
    const tenantItem = items.find((item) => item.sk === tenantSk(id));
    if (tenantItem === undefined) return null;
    const destinations = await Promise.all(
      items.filter(isDestinationItem).map((item) => fromDestinationItem(item, this.cipher)),
    );
    return { tenant: toTenant(tenantItem), destinations };
  }

  /** Every item of the tenant's partition: the tenant and its destinations. */
  private async partition(id: string): Promise<StoredItem[]> {
    const items: StoredItem[] = [];
    let startKey: StoredItem | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': tenantPk(id) },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(output.Items ?? []));
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  async delete(id: string): Promise<boolean> {
    const items = await this.partition(id);
    // Destinations first: if this is cut short, the tenant is still there and a retried delete
    // finishes the job, rather than leaving destinations nobody can reach.
    await batchWrite(
      this.client,
      this.table,
      items
        .filter(isDestinationItem)
        .map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })),
    );
    if (!items.some((item) => item.sk === tenantSk(id))) return false;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: this.table,
                  Key: { pk: tenantPk(id), sk: tenantSk(id) },
                  ConditionExpression: 'attribute_exists(pk)',
                },
              },
              this.counterUpdate(-1),
            ],
          }),
        );
        return true;
      } catch (error) {
        const reason = cancellationReason(error);
        if (reason === 'ConditionalCheckFailed') return false;
        if (reason !== 'TransactionConflict' || attempt >= MAX_TRANSACTION_TRIES) throw error;
      }
    }
  }

  async list(request: PageRequest & { ids?: string[] }): Promise<Page<Tenant> & { count: number }> {
    if (request.ids !== undefined) return this.listNamed(request, request.ids);
    const builder = new ExpressionBuilder();
    const [count, page] = await Promise.all([
      this.count(),
      seekPage(
        this.client,
        {
          input: {
            TableName: this.table,
            IndexName: 'tenants-by-created',
            KeyConditionExpression: builder.equals('gsi1pk', ALL_TENANTS_PARTITION),
            ...builder.attributes(),
          },
          keyAttributes: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
        },
        request,
      ),
    ]);
    return { models: page.items.map(toTenant), next: page.next, prev: page.prev, count };
  }

  /**
   * Tenants named by id (a tenant token's own; the admin's `id` filter) are read by key, not found by
   * filtering every tenant; `count` is how many were found, so a tenant token learns nothing of the
   * platform's other tenants.
   */
  private async listNamed(
    request: PageRequest,
    ids: readonly string[],
  ): Promise<Page<Tenant> & { count: number }> {
    checkNamedLookups(ids, undefined, 'id');
    const found = await batchGetInOrder(
      this.client,
      this.table,
      ids.map((id) => ({ pk: tenantPk(id), sk: tenantSk(id) })),
    );
    const page = pageOfItems(found, TENANTS_NAMED_BY_ID, request);
    return { models: page.items.map(toTenant), next: page.next, prev: page.prev, count: found.length };
  }

  private async count(): Promise<number> {
    const output = await this.client.send(new GetCommand({ TableName: this.table, Key: TENANT_COUNTER_KEY }));
    return typeof output.Item?.count === 'number' ? output.Item.count : 0;
  }
}

const isDestinationItem = (item: StoredItem): boolean =>
  typeof item.sk === 'string' && item.sk.startsWith(DESTINATION_SK_PREFIX);

function toTenant(item: StoredItem): Tenant {
  return {
    id: item.id,
    metadata: item.metadata ?? null,
    created_at: item.created_at,
    updated_at: item.updated_at,
  };
}
