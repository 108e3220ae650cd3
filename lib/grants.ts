import { Aws, Stack, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable, type IRole } from 'aws-cdk-lib/aws-iam';
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
] as const;

export type TableWriteAction = (typeof WRITE_ACTIONS)[number];

/**
 * `read`, `write` (every item write), `readWrite`, or reads plus only the writes listed (a function
 * that makes one kind of write gets that one).
 */
export type TableAccess = 'read' | 'write' | 'readWrite' | { readonly readAnd: readonly TableWriteAction[] };

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
  const writeActions: readonly string[] =
    typeof access === 'object' ? access.readAnd : access === 'read' ? [] : WRITE_ACTIONS;
  const writes = writeActions.length > 0;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: [...(reads ? READ_ACTIONS : []), ...writeActions],
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

/** Any role in any account: the tenants' roles, whose ARNs are only known when a destination is created. */
export const TENANT_ROLES_ARN = `arn:${Aws.PARTITION}:iam::*:role/*`;

/**
 * sts:AssumeRole of the tenants' roles (role_arn + external_id credentials): the deliver function
 * reaches the tenant's AWS resources only through a role the tenant created to trust this account.
 */
export function grantTenantRoleAssumption(role: IRole): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['sts:AssumeRole'], resources: [TENANT_ROLES_ARN] }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/*]',
    reason:
      "Tenants' roles live in accounts unknown at deploy time (each destination names its own role_arn), so " +
      'no narrower resource exists. Access is decided by the trust policy of each tenant role, which must ' +
      "name this account and require the destination's sts:ExternalId (confused-deputy protection); " +
      'sts:AssumeRole is the only action, and only the aws_* deliver functions have it.',
  });
}
