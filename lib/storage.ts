import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  CfnTable,
  ProjectionType,
  Table,
  TableEncryption,
  type Attribute,
} from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  TABLE_DEFINITIONS,
  type IndexDefinition,
  type KeyAttribute,
  type TableDefinition,
} from '../lambdas/store/table-definitions';

/** Template metadata key naming which TABLE_DEFINITIONS entry a table is (for the local runtime). */
export const TABLE_METADATA_KEY = 'event-destinations:table';

export type TableId = TableDefinition['id'];

export interface StorageProps {
  /** What happens to the tables and keys when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Capacity mode of every table. @default BillingMode.PAY_PER_REQUEST */
  readonly billingMode?: BillingMode;
}

/**
 * The DynamoDB tables of TABLE_DEFINITIONS (on-demand by default, point-in-time recovery, TTL where declared,
 * encrypted with a customer-managed key) and the key that envelope-encrypts destination credentials.
 */
export class Storage extends Construct {
  readonly tables: Readonly<Record<TableId, Table>>;
  /** Encrypts the tables at rest. */
  readonly tableKey: Key;
  /** Envelope-encrypts destination credentials, so table readers alone cannot read them. */
  readonly credentialsKey: Key;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.tableKey = new Key(this, 'TableKey', {
      description: 'event-destinations: DynamoDB tables at rest',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.credentialsKey = new Key(this, 'CredentialsKey', {
      description: 'event-destinations: destination credentials (envelope encryption)',
      enableKeyRotation: true,
      removalPolicy,
    });
    const tables = {} as Record<TableId, Table>;
    for (const definition of TABLE_DEFINITIONS) {
      tables[definition.id] = this.buildTable(
        definition,
        removalPolicy,
        props.billingMode ?? BillingMode.PAY_PER_REQUEST,
      );
    }
    this.tables = tables;
  }

  private buildTable(
    definition: TableDefinition,
    removalPolicy: RemovalPolicy,
    billingMode: BillingMode,
  ): Table {
    const table = new Table(this, tableConstructId(definition.id), {
      partitionKey: attribute(definition.partitionKey),
      sortKey: attribute(definition.sortKey),
      billingMode,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.tableKey,
      timeToLiveAttribute: definition.timeToLiveAttribute,
      removalPolicy,
    });
    for (const index of definition.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: index.sortKey && attribute(index.sortKey),
        ...projection(index),
      });
    }
    (table.node.defaultChild as CfnTable).addMetadata(TABLE_METADATA_KEY, definition.id);
    return table;
  }
}

function tableConstructId(id: TableId): string {
  return `${id.charAt(0).toUpperCase()}${id.slice(1)}Table`;
}

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}

function projection(index: IndexDefinition): { projectionType: ProjectionType; nonKeyAttributes?: string[] } {
  if (index.projection === 'ALL') return { projectionType: ProjectionType.ALL };
  if (index.projection === 'KEYS_ONLY') return { projectionType: ProjectionType.KEYS_ONLY };
  return { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: index.projection.include };
}
