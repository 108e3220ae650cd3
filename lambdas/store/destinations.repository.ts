import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, DestinationNotFoundError } from '../core/errors';
import type { Destination } from '../core/model';
import type { CredentialCipher, DestinationRepository } from '../core/ports';
import { fromDestinationItem, toDestinationItem } from './destination-item';
import { isConditionalCheckFailed } from './dynamo-errors';
import { destinationSk, tenantPk } from './keys';

/** Destinations: `TENANT#<tenant>` / `DEST#<id>` in the destinations table, beside their tenant. */
export class DynamoDestinationRepository implements DestinationRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly cipher: CredentialCipher,
  ) {}

  async get(tenantId: string, destinationId: string): Promise<Destination | null> {
    const output = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantPk(tenantId), sk: destinationSk(destinationId) },
      }),
    );
    return output.Item === undefined ? null : fromDestinationItem(output.Item, this.cipher);
  }

  async create(destination: Destination): Promise<void> {
    try {
      await this.put(destination, 'attribute_not_exists(pk)');
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ConflictError(`destination ${destination.id} already exists`);
      }
      throw error;
    }
  }

  async update(destination: Destination): Promise<void> {
    try {
      await this.put(destination, 'attribute_exists(pk)');
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new DestinationNotFoundError();
      throw error;
    }
  }

  private async put(destination: Destination, condition: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: await toDestinationItem(destination, this.cipher),
        ConditionExpression: condition,
      }),
    );
  }

  async delete(tenantId: string, destinationId: string): Promise<boolean> {
    const output = await this.client.send(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: tenantPk(tenantId), sk: destinationSk(destinationId) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return output.Attributes !== undefined;
  }
}
