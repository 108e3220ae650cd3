import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type Projection,
} from '@aws-sdk/client-dynamodb';
import type { Config } from '../../lambdas/core/config';
import {
  TABLE_DEFINITIONS,
  type IndexDefinition,
  type KeyAttribute,
  type TableDefinition,
} from '../../lambdas/store/table-definitions';

/** Creates every table of TABLE_DEFINITIONS, named `<prefix><id>`, with its indexes and TTL. */
export async function createTables(client: DynamoDBClient, prefix: string): Promise<Config['tables']> {
  const names = {
    destinations: `${prefix}destinations`,
    events: `${prefix}events`,
    attempts: `${prefix}attempts`,
  };
  await Promise.all(
    TABLE_DEFINITIONS.map((definition) => createTable(client, definition, names[definition.id])),
  );
  return names;
}

async function createTable(client: DynamoDBClient, definition: TableDefinition, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributeDefinitions(definition),
      KeySchema: keySchema(definition.partitionKey, definition.sortKey),
      ...(definition.indexes.length > 0
        ? {
            GlobalSecondaryIndexes: definition.indexes.map((index) => ({
              IndexName: index.indexName,
              KeySchema: keySchema(index.partitionKey, index.sortKey),
              Projection: projection(index),
            })),
          }
        : {}),
    }),
  );
  if (definition.timeToLiveAttribute !== undefined) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
      }),
    );
  }
}

function attributeDefinitions(definition: TableDefinition): AttributeDefinition[] {
  const keys = [
    definition.partitionKey,
    definition.sortKey,
    ...definition.indexes.flatMap((index) => [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])]),
  ];
  const unique = new Map(keys.map((key) => [key.name, key]));
  return [...unique.values()].map((key) => ({ AttributeName: key.name, AttributeType: key.type }));
}

function keySchema(partitionKey: KeyAttribute, sortKey: KeyAttribute | undefined) {
  return [
    { AttributeName: partitionKey.name, KeyType: 'HASH' as const },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
  ];
}

function projection(index: IndexDefinition): Projection {
  if (index.projection === 'ALL' || index.projection === 'KEYS_ONLY') {
    return { ProjectionType: index.projection };
  }
  return { ProjectionType: 'INCLUDE', NonKeyAttributes: index.projection.include };
}
