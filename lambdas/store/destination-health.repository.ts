import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DestinationHealth, DestinationHealthRepository } from '../core/ports';
import { tenantPk } from './keys';

/** One small item per destination beside it in the destinations table, so health writes stay 1 WCU. */
const healthSk = (destinationId: string): string => `HEALTH#${destinationId}`;

function toHealth(item: Record<string, unknown> | undefined): DestinationHealth {
  const levels = item?.alerted_levels instanceof Set ? [...(item.alerted_levels as Set<number>)] : [];
  return {
    current: typeof item?.consecutive_failures === 'number' ? item.consecutive_failures : 0,
    alertedLevels: levels.sort((a, b) => a - b),
    // Items written before alert_open existed had only their alerted levels to say so.
    alertOpen: item?.alert_open === true || levels.length > 0,
  };
}

export class DynamoDestinationHealthRepository implements DestinationHealthRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(tenantId: string, destinationId: string) {
    return { pk: tenantPk(tenantId), sk: healthSk(destinationId) };
  }

  async get(tenantId: string, destinationId: string): Promise<DestinationHealth> {
    const output = await this.client.send(
      new GetCommand({ TableName: this.table, Key: this.key(tenantId, destinationId), ConsistentRead: true }),
    );
    return toHealth(output.Item);
  }

  async increment(tenantId: string, destinationId: string): Promise<DestinationHealth> {
    const output = await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(tenantId, destinationId),
        UpdateExpression: 'ADD consecutive_failures :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toHealth(output.Attributes);
  }

  /**
   * A set of the levels alerted, not the highest one: concurrent failures may cross 90 % and 100 % in
   * either order, and each crossing must still alert once.
   */
  async markAlerted(tenantId: string, destinationId: string, level: number): Promise<boolean> {
    return this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(tenantId, destinationId),
        UpdateExpression: 'ADD alerted_levels :levels SET alert_open = :open',
        ConditionExpression: 'attribute_not_exists(alerted_levels) OR NOT contains(alerted_levels, :level)',
        ExpressionAttributeValues: { ':levels': new Set([level]), ':level': level, ':open': true },
      }),
    );
  }

  async reset(tenantId: string, destinationId: string): Promise<void> {
    await this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(tenantId, destinationId),
        UpdateExpression: 'SET consecutive_failures = :zero REMOVE alerted_levels',
        ConditionExpression: 'consecutive_failures > :zero OR attribute_exists(alerted_levels)',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  }

  async recover(tenantId: string, destinationId: string): Promise<DestinationHealth | null> {
    try {
      const output = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(tenantId, destinationId),
          UpdateExpression: 'SET consecutive_failures = :zero REMOVE alerted_levels, alert_open',
          ConditionExpression:
            'consecutive_failures > :zero OR attribute_exists(alerted_levels) OR attribute_exists(alert_open)',
          ExpressionAttributeValues: { ':zero': 0 },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return toHealth(output.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  async claimExhaustedAlert(
    tenantId: string,
    destinationId: string,
    now: Date,
    windowMs: number,
  ): Promise<boolean> {
    return this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(tenantId, destinationId),
        UpdateExpression: 'SET exhausted_alert_until = :until, alert_open = :open',
        ConditionExpression: 'attribute_not_exists(exhausted_alert_until) OR exhausted_alert_until <= :now',
        ExpressionAttributeValues: {
          ':until': now.getTime() + windowMs,
          ':now': now.getTime(),
          ':open': true,
        },
      }),
    );
  }

  private async conditionally(command: UpdateCommand): Promise<boolean> {
    try {
      await this.client.send(command);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
