import { iamRequestsFor } from '../../local/iam-guard';
import {
  evaluate,
  parseStatements,
  UnsupportedPolicyError,
  wildcardMatch,
  type IamStatement,
} from '../../local/iam-policy';

const ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/Events';
const KEY = 'arn:aws:kms:us-east-1:000000000000:key/Credentials';

const allow = (actions: string[], resources: string[], condition = {}): IamStatement => ({
  effect: 'Allow',
  actions,
  resources,
  condition,
});

describe('evaluate', () => {
  const credentialsKey = allow(['kms:Decrypt'], [KEY], {
    'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['tenant_id', 'destination_id'] },
    Null: { 'kms:EncryptionContextKeys': ['false'] },
  });
  const tableKeyViaDynamo = allow(['kms:Encrypt'], [KEY], {
    StringEquals: { 'kms:ViaService': ['dynamodb.us-east-1.amazonaws.com'] },
  });

  it.each([
    [
      'exact action and resource',
      [allow(['dynamodb:PutItem'], [ARN])],
      'dynamodb:PutItem',
      ARN,
      {},
      'allowed',
    ],
    [
      'actions are case-insensitive',
      [allow(['DynamoDB:putitem'], [ARN])],
      'dynamodb:PutItem',
      ARN,
      {},
      'allowed',
    ],
    ['another action', [allow(['dynamodb:GetItem'], [ARN])], 'dynamodb:PutItem', ARN, {}, 'not allowed'],
    ['another table', [allow(['dynamodb:PutItem'], [`${ARN}2`])], 'dynamodb:PutItem', ARN, {}, 'not allowed'],
    [
      'the table is not its index',
      [allow(['dynamodb:Query'], [ARN])],
      'dynamodb:Query',
      `${ARN}/index/by-time`,
      {},
      'not allowed',
    ],
    [
      'a wildcard resource',
      [allow(['sts:AssumeRole'], ['arn:aws:iam::*:role/*'])],
      'sts:AssumeRole',
      'arn:aws:iam::123456789012:role/r',
      {},
      'allowed',
    ],
    [
      'a wildcard is not a user',
      [allow(['sts:AssumeRole'], ['arn:aws:iam::*:role/*'])],
      'sts:AssumeRole',
      'arn:aws:iam::123456789012:user/u',
      {},
      'not allowed',
    ],
    [
      'an explicit deny wins',
      [allow(['sqs:*'], ['*']), { ...allow(['sqs:SendMessage'], ['*']), effect: 'Deny' as const }],
      'sqs:SendMessage',
      'q',
      {},
      'explicitly denied',
    ],
    [
      'the cipher context',
      [credentialsKey],
      'kms:Decrypt',
      KEY,
      { 'kms:EncryptionContextKeys': ['tenant_id', 'destination_id'] },
      'allowed',
    ],
    [
      'another context key',
      [credentialsKey],
      'kms:Decrypt',
      KEY,
      { 'kms:EncryptionContextKeys': ['tenant_id', 'other'] },
      'not allowed',
    ],
    ['no context at all', [credentialsKey], 'kms:Decrypt', KEY, {}, 'not allowed'],
    [
      'a key usable only via DynamoDB, called directly',
      [tableKeyViaDynamo],
      'kms:Encrypt',
      KEY,
      {},
      'not allowed',
    ],
  ] as const)('%s', (_name, statements, action, resource, context, decision) => {
    expect(evaluate(statements, { action, resource, context: { ...context } })).toBe(decision);
  });
});

describe('wildcardMatch', () => {
  it.each([
    ['*', 'anything:at/all', true],
    ['arn:aws:sqs:*:*:q?', 'arn:aws:sqs:us-east-1:1:q1', true],
    ['arn:aws:sqs:*:*:q?', 'arn:aws:sqs:us-east-1:1:q12', false],
    ['a.b', 'aXb', false],
  ])('%s ~ %s: %s', (pattern, value, matches) => {
    expect(wildcardMatch(pattern, value)).toBe(matches);
  });
});

describe('parseStatements', () => {
  const resolve = (value: unknown) => String(value);

  it('reads single and listed actions and resources', () => {
    expect(
      parseStatements(
        { Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: ['t1', 't2'] }] },
        resolve,
        'P',
      ),
    ).toEqual([{ effect: 'Allow', actions: ['sns:Publish'], resources: ['t1', 't2'], condition: {} }]);
  });

  it.each([
    [{ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }, /NotAction/],
    [{ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'x' }, /NotResource/],
    [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { DateGreaterThan: {} } },
      /DateGreaterThan/,
    ],
  ])('refuses what it cannot judge: %j', (statement, message) => {
    expect(() => parseStatements({ Statement: [statement] }, resolve, 'P')).toThrow(UnsupportedPolicyError);
    expect(() => parseStatements({ Statement: [statement] }, resolve, 'P')).toThrow(message);
  });
});

describe('iamRequestsFor', () => {
  const table = (name: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;

  it.each([
    ['DynamoDBClient', 'PutItemCommand', { TableName: 'Events' }, [['dynamodb:PutItem', table('Events')]]],
    [
      'DynamoDBClient',
      'QueryCommand',
      { TableName: 'Events', IndexName: 'due' },
      [['dynamodb:Query', `${table('Events')}/index/due`]],
    ],
    [
      'DynamoDBClient',
      'BatchGetItemCommand',
      { RequestItems: { A: {}, B: {} } },
      [
        ['dynamodb:BatchGetItem', table('A')],
        ['dynamodb:BatchGetItem', table('B')],
      ],
    ],
    [
      'DynamoDBClient',
      'TransactWriteItemsCommand',
      {
        TransactItems: [
          { Put: { TableName: 'A' } },
          { ConditionCheck: { TableName: 'B' } },
          { Update: { TableName: 'A' } },
        ],
      },
      [
        ['dynamodb:PutItem', table('A')],
        ['dynamodb:ConditionCheckItem', table('B')],
        ['dynamodb:UpdateItem', table('A')],
      ],
    ],
    [
      'SQSClient',
      'SendMessageBatchCommand',
      { QueueUrl: 'http://sqs.us-east-1.localhost:1/000000000000/deliver' },
      [['sqs:SendMessage', 'arn:aws:sqs:us-east-1:000000000000:deliver']],
    ],
    [
      'SQSClient',
      'DeleteMessageBatchCommand',
      { QueueUrl: 'http://h/000000000000/q' },
      [['sqs:DeleteMessage', 'arn:aws:sqs:us-east-1:000000000000:q']],
    ],
    [
      'SNSClient',
      'PublishCommand',
      { TopicArn: 'arn:aws:sns:us-east-1:000000000000:Alerts' },
      [['sns:Publish', 'arn:aws:sns:us-east-1:000000000000:Alerts']],
    ],
    ['KMSClient', 'DecryptCommand', { KeyId: 'Credentials' }, [['kms:Decrypt', KEY]]],
    [
      'STSClient',
      'AssumeRoleCommand',
      { RoleArn: 'arn:aws:iam::1:role/r' },
      [['sts:AssumeRole', 'arn:aws:iam::1:role/r']],
    ],
    [
      'SecretsManagerClient',
      'GetSecretValueCommand',
      { SecretId: 'arn:aws:secretsmanager:us-east-1:0:secret:s' },
      [['secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:us-east-1:0:secret:s']],
    ],
  ])('%s %s', (client, command, input, expected) => {
    expect(iamRequestsFor(client, command, input).map(({ action, resource }) => [action, resource])).toEqual(
      expected,
    );
  });

  it('gives KMS calls their encryption context keys', () => {
    const [request] = iamRequestsFor('KMSClient', 'GenerateDataKeyCommand', {
      KeyId: 'Credentials',
      EncryptionContext: { tenant_id: 't', destination_id: 'd' },
    });
    expect(request?.context).toMatchObject({ 'kms:EncryptionContextKeys': ['tenant_id', 'destination_id'] });
  });

  it('fails closed for a client it has no mapping for', () => {
    expect(() => iamRequestsFor('S3Client', 'PutObjectCommand', {})).toThrow(/no IAM mapping for S3Client/);
  });
});
