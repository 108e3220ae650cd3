import { Stack } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { TableDefinition } from '../lambdas/store/table-definitions';

/** The DynamoDB calls the repositories make (Get, BatchGet, Query; transactions' condition checks). */
const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
/** Put, Update, Delete, BatchWrite (transactions need only these item-level permissions). */
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

export type TableAccess = 'read' | 'write' | 'readWrite';

/**
 * Item-level access to one table, naming each of its indexes rather than `index/*` (Query is the
 * only call made on an index), and the use of its KMS key through DynamoDB only. Unlike
 * `Table.grantReadWriteData`, no Scan, no stream reads, no DescribeTable, no `kms:ReEncrypt*`.
 */
export function grantTableAccess(
  grantee: IGrantable,
  table: Table,
  definition: TableDefinition,
  tableKey: IKey,
  access: TableAccess,
): void {
  const reads = access !== 'write';
  const writes = access !== 'read';
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: [...(reads ? READ_ACTIONS : []), ...(writes ? WRITE_ACTIONS : [])],
      resources: [table.tableArn],
    }),
  );
  if (reads && definition.indexes.length > 0) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: definition.indexes.map((index) => `${table.tableArn}/index/${index.indexName}`),
      }),
    );
  }
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: writes ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
      resources: [tableKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(table).region}.amazonaws.com` } },
    }),
  );
}

/**
 * Use of the credentials key for envelope encryption (lambdas/store/kms-credential-cipher.ts): only
 * the calls the cipher makes, and only with its encryption context (tenant and destination ids).
 */
export function grantCredentialsKey(
  grantee: IGrantable,
  key: IKey,
  actions: Array<'kms:GenerateDataKey' | 'kms:Decrypt'>,
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions,
      resources: [key.keyArn],
      conditions: {
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['tenant_id', 'destination_id'] },
        Null: { 'kms:EncryptionContextKeys': 'false' },
      },
    }),
  );
}
