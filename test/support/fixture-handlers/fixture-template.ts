import type { CloudFormationTemplate } from '../../../lib/synthesize-template';

/**
 * A small template shaped like the synthesized stack (same resource types, intrinsics and metadata)
 * whose functions are the fixture handlers beside this file: the local runtime's own tests do not
 * depend on the product's handlers.
 */

const entry = (file: string) => ({ 'event-destinations:entry': `test/support/fixture-handlers/${file}` });

export const FIXTURE_TABLE = 'RecordsTable';
export const FIXTURE_WORK_QUEUE = 'WorkQueue';
export const FIXTURE_DEAD_LETTER_QUEUE = 'WorkDeadLetterQueue';

const sharedEnvironment = {
  RECORDS_TABLE: { Ref: FIXTURE_TABLE },
  RECORDS_TABLE_ARN: { 'Fn::GetAtt': [FIXTURE_TABLE, 'Arn'] },
  WORK_QUEUE_URL: { Ref: FIXTURE_WORK_QUEUE },
  // The stack builds DELIVERY_QUEUE_URLS the same way: a JSON object joined around queue Refs.
  DELIVERY_QUEUE_URLS: { 'Fn::Join': ['', ['{"work":"', { Ref: FIXTURE_WORK_QUEUE }, '"}']] },
  WORK_QUEUE_ARN: {
    'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${WorkQueue.QueueName}',
  },
  API_KEY_SECRET_ARN: { Ref: 'AdminApiKey' },
  ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' },
  FIXTURE_GREETING: 'hello from the template',
};

const FIXTURE_ROLE = { 'Fn::GetAtt': ['FixtureRole', 'Arn'] };

export function fixtureTemplate(): CloudFormationTemplate {
  return {
    Parameters: {
      BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/version' },
    },
    Resources: {
      [FIXTURE_TABLE]: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'gsi1pk', AttributeType: 'S' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'by-gsi1',
              KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
        },
      },
      [FIXTURE_DEAD_LETTER_QUEUE]: {
        Type: 'AWS::SQS::Queue',
        Properties: { MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true },
      },
      [FIXTURE_WORK_QUEUE]: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          VisibilityTimeout: 2,
          SqsManagedSseEnabled: true,
          RedrivePolicy: {
            deadLetterTargetArn: { 'Fn::GetAtt': [FIXTURE_DEAD_LETTER_QUEUE, 'Arn'] },
            maxReceiveCount: 3,
          },
        },
        Metadata: { 'event-destinations:delivery-type': 'work' },
      },
      AdminApiKey: { Type: 'AWS::SecretsManager::Secret', Properties: {} },
      AlertsTopic: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: 'alias/aws/sns' } },
      ApiHandler: {
        Type: 'AWS::Lambda::Function',
        Properties: { Role: FIXTURE_ROLE, Environment: { Variables: sharedEnvironment } },
        Metadata: entry('api.handler.ts'),
      },
      WorkHandler: {
        Type: 'AWS::Lambda::Function',
        Properties: { Role: FIXTURE_ROLE, Environment: { Variables: sharedEnvironment } },
        Metadata: entry('work.handler.ts'),
      },
      SweeperHandler: {
        Type: 'AWS::Lambda::Function',
        Properties: { Role: FIXTURE_ROLE, Environment: { Variables: sharedEnvironment } },
        Metadata: entry('sweeper.handler.ts'),
      },
      // One role for the three functions, allowed what the fixture handlers and the mapping do.
      FixtureRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
        },
      },
      FixturePolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'FixtureRole' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: 'dynamodb:PutItem',
                Resource: { 'Fn::GetAtt': [FIXTURE_TABLE, 'Arn'] },
              },
              {
                Effect: 'Allow',
                Action: [
                  'sqs:SendMessage',
                  'sqs:ReceiveMessage',
                  'sqs:DeleteMessage',
                  'sqs:GetQueueAttributes',
                ],
                Resource: { 'Fn::GetAtt': [FIXTURE_WORK_QUEUE, 'Arn'] },
              },
            ],
          },
        },
      },
      // A CDK helper function (no entry metadata): not run locally.
      LogRetentionProvider: { Type: 'AWS::Lambda::Function', Properties: {} },
      WorkMapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: { 'Fn::GetAtt': [FIXTURE_WORK_QUEUE, 'Arn'] },
          FunctionName: { Ref: 'WorkHandler' },
          BatchSize: 5,
          MaximumBatchingWindowInSeconds: 1,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 2 },
        },
      },
      HttpApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP' } },
      ApiIntegration: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: {
          ApiId: { Ref: 'HttpApi' },
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: { 'Fn::GetAtt': ['ApiHandler', 'Arn'] },
          PayloadFormatVersion: '2.0',
        },
      },
      ProxyRoute: {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: {
          ApiId: { Ref: 'HttpApi' },
          RouteKey: 'ANY /api/v1/{proxy+}',
          Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'ApiIntegration' }]] },
        },
      },
      SweepSchedule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          ScheduleExpression: 'rate(1 minute)',
          State: 'ENABLED',
          Targets: [{ Arn: { 'Fn::GetAtt': ['SweeperHandler', 'Arn'] }, Id: 'Target0' }],
        },
      },
    },
  };
}
