import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A table key of the events and attempts tables. */
export interface TableKey {
  pk: string;
  sk: string;
}

/**
 * The table key of the item whose id-only index (`events-by-id`, `attempts-by-id`) partition is
 * `idKey`: how an admin finds a record without its tenant. Undefined when there is none.
 */
export async function keyFromIdIndex(
  client: DynamoDBDocumentClient,
  table: string,
  index: { indexName: string; partitionAttribute: string },
  idKey: string,
): Promise<TableKey | undefined> {
  const output = await client.send(
    new QueryCommand({
      TableName: table,
      IndexName: index.indexName,
      KeyConditionExpression: `${index.partitionAttribute} = :id`,
      ExpressionAttributeValues: { ':id': idKey },
      Limit: 1,
    }),
  );
  const item = output.Items?.[0];
  return item === undefined ? undefined : { pk: String(item.pk), sk: String(item.sk) };
}
