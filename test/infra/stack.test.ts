import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigError, loadConfig } from '../../lambdas/core/config';
import { DESTINATION_TYPES } from '../../lambdas/destinations/registry';
import { TABLE_DEFINITIONS } from '../../lambdas/store/table-definitions';
import { DELIVERY_TYPE_METADATA_KEY } from '../../lib/delivery';
import { ENTRY_METADATA_KEY, PROJECT_ROOT } from '../../lib/handler-function';
import { TABLE_METADATA_KEY } from '../../lib/storage';
import { synthesizeTemplate, type CloudFormationTemplate } from '../../lib/synthesize-template';

const template = synthesizeTemplate();
const assertions = Template.fromJSON(template);

const ENTRIES = {
  api: 'lambdas/handlers/api.handler.ts',
  deliver: 'lambdas/handlers/deliver.handler.ts',
  sweeper: 'lambdas/handlers/sweeper.handler.ts',
  ingest: 'lambdas/handlers/ingest.handler.ts',
};

type Resource = CloudFormationTemplate['Resources'][string];

function resourcesOfType(type: string, from: CloudFormationTemplate = template): [string, Resource][] {
  return Object.entries(from.Resources).filter(([, resource]) => resource.Type === type);
}

function onlyOne<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected exactly one ${what}, found ${items.length}`);
  return items[0] as T;
}

function withMetadata(type: string, key: string, value: string, from = template): [string, Resource] {
  return onlyOne(
    resourcesOfType(type, from).filter(([, resource]) => resource.Metadata?.[key] === value),
    `${type} with ${key}=${value}`,
  );
}

const functionsByEntry = (entry: string): [string, Resource][] =>
  resourcesOfType('AWS::Lambda::Function').filter(([, fn]) => fn.Metadata?.[ENTRY_METADATA_KEY] === entry);
const functionId = (entry: string): string => onlyOne(functionsByEntry(entry), entry)[0];
const queueId = (type: string): string =>
  withMetadata('AWS::SQS::Queue', DELIVERY_TYPE_METADATA_KEY, type)[0];
const tableId = (id: string): string => withMetadata('AWS::DynamoDB::Table', TABLE_METADATA_KEY, id)[0];
const props = (logicalId: string, from = template): Record<string, unknown> =>
  from.Resources[logicalId]?.Properties ?? {};
const environmentOf = (logicalId: string, from = template): Record<string, unknown> =>
  (props(logicalId, from).Environment as { Variables: Record<string, unknown> }).Variables;

/** Every logical id a CloudFormation expression refers to (Ref and Fn::GetAtt), however nested. */
function referencedIds(expression: unknown): string[] {
  if (Array.isArray(expression)) return expression.flatMap(referencedIds);
  if (expression === null || typeof expression !== 'object') return [];
  const object = expression as Record<string, unknown>;
  if (typeof object.Ref === 'string') return [object.Ref];
  if (Array.isArray(object['Fn::GetAtt'])) return [String(object['Fn::GetAtt'][0])];
  return Object.values(object).flatMap(referencedIds);
}

interface Grant {
  action: string;
  resources: string[];
}

type Statement = Record<string, unknown>;

/** The Allow statements of the policies attached to a function's role. */
function statementsOf(functionLogicalId: string, from = template): Statement[] {
  const role = referencedIds(props(functionLogicalId, from).Role)[0];
  return resourcesOfType('AWS::IAM::Policy', from)
    .filter(([, policy]) => referencedIds(policy.Properties?.Roles).includes(role as string))
    .flatMap(([, policy]) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((statement) => statement.Effect === 'Allow');
}

/** The Allow statements of a function's role, one entry per action. */
function grantsOf(functionLogicalId: string, from = template): Grant[] {
  return statementsOf(functionLogicalId, from).flatMap((statement) =>
    [statement.Action].flat().map((action) => ({
      action: String(action),
      resources: referencedIds(statement.Resource),
    })),
  );
}

const actionsOn = (grants: Grant[], logicalId: string): string[] =>
  [
    ...new Set(grants.filter((grant) => grant.resources.includes(logicalId)).map((grant) => grant.action)),
  ].sort();

describe('storage', () => {
  it('builds exactly the tables of TABLE_DEFINITIONS', () => {
    expect(resourcesOfType('AWS::DynamoDB::Table')).toHaveLength(TABLE_DEFINITIONS.length);
  });

  it.each(TABLE_DEFINITIONS.map((definition) => [definition.id, definition] as const))(
    '%s: keys, indexes, TTL, on-demand, PITR and a customer-managed key',
    (id, definition) => {
      const table = props(tableId(id));
      expect(table.KeySchema).toEqual([
        { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
      ]);
      expect(table.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.SSESpecification).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: expect.objectContaining({ 'Fn::GetAtt': expect.any(Array) }),
      });
      expect(table.TimeToLiveSpecification).toEqual(
        definition.timeToLiveAttribute
          ? { AttributeName: definition.timeToLiveAttribute, Enabled: true }
          : undefined,
      );
      const indexes = (table.GlobalSecondaryIndexes ?? []) as Record<string, unknown>[];
      expect(indexes.map((index) => index.IndexName)).toEqual(
        definition.indexes.map((index) => index.indexName),
      );
      for (const index of definition.indexes) {
        const built = indexes.find((candidate) => candidate.IndexName === index.indexName);
        expect(built?.KeySchema).toEqual([
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
        ]);
        expect(built?.Projection).toEqual(
          typeof index.projection === 'string'
            ? { ProjectionType: index.projection }
            : { ProjectionType: 'INCLUDE', NonKeyAttributes: index.projection.include },
        );
      }
      const keyAttributes = [definition.partitionKey, definition.sortKey].concat(
        definition.indexes.flatMap((index) => [
          index.partitionKey,
          ...(index.sortKey ? [index.sortKey] : []),
        ]),
      );
      expect(table.AttributeDefinitions).toEqual(
        expect.arrayContaining(
          keyAttributes.map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
        ),
      );
    },
  );

  it('rotates every KMS key', () => {
    const keys = resourcesOfType('AWS::KMS::Key');
    expect(keys.length).toBeGreaterThan(0);
    for (const [, key] of keys) expect(key.Properties?.EnableKeyRotation).toBe(true);
  });

  it('retains data by default and follows removalPolicy', () => {
    for (const [, table] of resourcesOfType('AWS::DynamoDB::Table')) {
      expect((table as { DeletionPolicy?: string }).DeletionPolicy).toBe('Retain');
    }
    const destroyable = synthesizeTemplate({ props: { removalPolicy: RemovalPolicy.DESTROY } });
    for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      for (const [, resource] of resourcesOfType(type, destroyable)) {
        expect((resource as { DeletionPolicy?: string }).DeletionPolicy).toBe('Delete');
      }
    }
  });
});

describe('delivery', () => {
  it.each(DESTINATION_TYPES.map((type) => [type]))(
    '%s: queue with SSE, TLS only and a 5-receive redrive',
    (type) => {
      const queue = props(queueId(type));
      expect(queue.QueueName).toBe(`EventDestinations-deliver-${type}`);
      expect(queue.SqsManagedSseEnabled).toBe(true);
      const redrive = queue.RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: number };
      expect(redrive.maxReceiveCount).toBe(5);
      const dlqId = onlyOne(referencedIds(redrive.deadLetterTargetArn), 'DLQ');
      expect(props(dlqId)).toMatchObject({
        QueueName: `EventDestinations-deliver-${type}-dlq`,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      for (const id of [queueId(type), dlqId]) {
        assertions.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    },
  );

  it.each(DESTINATION_TYPES.map((type) => [type]))(
    '%s: event source mapping batches with partial failures; visibility timeout is 6x the function timeout + the batching window',
    (type) => {
      const [, mapping] = onlyOne(
        resourcesOfType('AWS::Lambda::EventSourceMapping').filter(([, candidate]) =>
          referencedIds(candidate.Properties?.EventSourceArn).includes(queueId(type)),
        ),
        `event source mapping of ${type}`,
      );
      expect(mapping.Properties).toMatchObject({
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 50 },
      });
      const fn = onlyOne(referencedIds(mapping.Properties?.FunctionName), 'mapped function');
      expect(template.Resources[fn]?.Metadata?.[ENTRY_METADATA_KEY]).toBe(ENTRIES.deliver);
      expect(props(fn)).toMatchObject({ Timeout: 60, MemorySize: 512 });
      expect(props(queueId(type)).VisibilityTimeout).toBe(6 * 60 + 1);
    },
  );
});

describe('ingest (publishing from a queue)', () => {
  const [ingestId] = onlyOne(functionsByEntry(ENTRIES.ingest), 'ingest function');
  const [, mapping] = onlyOne(
    resourcesOfType('AWS::Lambda::EventSourceMapping').filter(([, candidate]) =>
      referencedIds(candidate.Properties?.FunctionName).includes(ingestId),
    ),
    'ingest event source mapping',
  );
  const queueLogicalId = onlyOne(referencedIds(mapping.Properties?.EventSourceArn), 'ingest queue');

  it('feeds the ingest Lambda from an encrypted queue in batches, with partial failures and bounded concurrency', () => {
    expect(mapping.Properties).toMatchObject({
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 20 },
    });
    expect(props(ingestId)).toMatchObject({ Timeout: 30 });
    expect(props(queueLogicalId)).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 30 + 1,
    });
  });

  it('has a DLQ that the redrive policy and the handler (malformed messages, with a reason) both use', () => {
    const redrive = props(queueLogicalId).RedrivePolicy as {
      deadLetterTargetArn: unknown;
      maxReceiveCount: number;
    };
    expect(redrive.maxReceiveCount).toBe(5);
    const dlqId = onlyOne(referencedIds(redrive.deadLetterTargetArn), 'ingest DLQ');
    const env = (props(ingestId).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.INGEST_DEAD_LETTER_QUEUE_URL).toEqual({ Ref: dlqId });
    assertions.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Resource: { 'Fn::GetAtt': [dlqId, 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('outputs the ingest queue URL', () => {
    expect(template.Outputs?.IngestQueueUrl?.Value).toEqual({ Ref: queueLogicalId });
  });
});

describe('functions', () => {
  const functions = resourcesOfType('AWS::Lambda::Function');

  it('are the api, one deliverer per destination type, the sweeper and the ingest publisher', () => {
    expect(functionsByEntry(ENTRIES.api)).toHaveLength(1);
    expect(functionsByEntry(ENTRIES.deliver)).toHaveLength(DESTINATION_TYPES.length);
    expect(functionsByEntry(ENTRIES.sweeper)).toHaveLength(1);
    expect(functionsByEntry(ENTRIES.ingest)).toHaveLength(1);
    expect(functions).toHaveLength(3 + DESTINATION_TYPES.length);
  });

  it('run Node.js 24 on arm64, traced by X-Ray, without the cold-start cost of source-mapped traces, and name an entry module that exists', () => {
    for (const [id, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      });
      expect(environmentOf(id).NODE_OPTIONS).toBeUndefined();
      const entry = fn.Metadata?.[ENTRY_METADATA_KEY];
      expect(Object.values(ENTRIES)).toContain(entry);
      expect(existsSync(path.join(PROJECT_ROOT, String(entry)))).toBe(true);
    }
  });

  it('carry every setting loadConfig reads, resolving to its defaults', () => {
    const tableEnv = Object.fromEntries(
      TABLE_DEFINITIONS.map((definition) => [definition.envVar, definition.id]),
    );
    for (const [id] of functions) {
      const env = environmentOf(id);
      expect(env.DEPLOYMENT_MODE).toBe('aws');
      for (const [envVar, table] of Object.entries(tableEnv))
        expect(env[envVar]).toEqual({ Ref: tableId(table) });
      expect(referencedIds(env.DELIVERY_QUEUE_URLS).sort()).toEqual(DESTINATION_TYPES.map(queueId).sort());
      expect(env).toHaveProperty('CREDENTIALS_KMS_KEY_ID');
      const settings = [
        'TOPICS',
        'MAX_RETRY_LIMIT',
        'RETRY_INTERVAL_SECONDS',
        'RETRY_SCHEDULE',
        'RETRY_MAX_DELAY_SECONDS',
        'DELIVERY_TIMEOUT_SECONDS',
        'ALERT_CONSECUTIVE_FAILURE_COUNT',
        'ALERT_AUTO_DISABLE_DESTINATION',
        'EVENT_RETENTION_DAYS',
      ];
      for (const name of settings) expect(typeof env[name]).toBe('string');
      const literal = Object.fromEntries(settings.map((name) => [name, env[name] as string]));
      const { retry, delivery, alerts, retentionDays, topics } = loadConfig(literal);
      const defaults = loadConfig({});
      expect({ retry, delivery, alerts, retentionDays, topics }).toEqual({
        retry: defaults.retry,
        delivery: defaults.delivery,
        alerts: defaults.alerts,
        retentionDays: defaults.retentionDays,
        topics: defaults.topics,
      });
    }
  });

  it('carry the deployment settings given as props', () => {
    const custom = synthesizeTemplate({
      props: {
        topics: ['user.created', 'user.deleted'],
        retry: { schedule: [5, 60, 600], maxDelaySeconds: 3600 },
        deliveryTimeoutSeconds: 10,
        alertConsecutiveFailureCount: 20,
        autoDisableDestinations: false,
        retentionDays: 7,
      },
    });
    const [sweeper] = onlyOne(
      resourcesOfType('AWS::Lambda::Function', custom).filter(
        ([, fn]) => fn.Metadata?.[ENTRY_METADATA_KEY] === ENTRIES.sweeper,
      ),
      'sweeper',
    );
    const env = environmentOf(sweeper, custom);
    const config = loadConfig(
      Object.fromEntries(
        Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      ),
    );
    expect(config.topics).toEqual(['user.created', 'user.deleted']);
    expect(config.retry).toMatchObject({ scheduleSeconds: [5, 60, 600], maxDelaySeconds: 3600 });
    expect(env.MAX_RETRY_LIMIT).toBe('3');
    expect(config.delivery.timeoutMs).toBe(10_000);
    expect(config.alerts).toMatchObject({ consecutiveFailureCount: 20, autoDisable: false });
    expect(config.retentionDays).toBe(7);
  });

  it('refuse settings loadConfig would reject, at synth', () => {
    expect(() => synthesizeTemplate({ props: { retry: { schedule: [0, 30] } } })).toThrow(ConfigError);
    expect(() => synthesizeTemplate({ props: { retentionDays: -1 } })).toThrow(ConfigError);
    expect(() => synthesizeTemplate({ props: { retry: { schedule: [30], maxRetries: 4 } } })).toThrow(
      /contradicts/,
    );
    expect(() => synthesizeTemplate({ props: { topics: ['a,b'] } })).toThrow(/comma/);
    expect(() => synthesizeTemplate({ props: { deliveryTimeoutSeconds: 60 } })).toThrow(
      /below the deliver Lambda timeout/,
    );
  });

  it('give the secrets ARNs to the api Lambda only', () => {
    const secrets = resourcesOfType('AWS::SecretsManager::Secret').map(([id]) => id);
    expect(secrets).toHaveLength(2);
    const apiEnv = environmentOf(functionId(ENTRIES.api));
    expect([apiEnv.API_KEY_SECRET_ARN, apiEnv.API_JWT_SECRET_ARN].flatMap(referencedIds).sort()).toEqual(
      [...secrets].sort(),
    );
    for (const [id] of functions.filter(([id]) => id !== functionId(ENTRIES.api))) {
      expect(environmentOf(id)).not.toHaveProperty('API_KEY_SECRET_ARN');
      expect(environmentOf(id)).not.toHaveProperty('API_JWT_SECRET_ARN');
    }
  });
});

describe('api', () => {
  const apiFunction = functionId(ENTRIES.api);

  it.each([['ANY /api/v1/{proxy+}'], ['GET /api/v1/healthz']])('routes %s to the api Lambda', (routeKey) => {
    const [, route] = onlyOne(
      resourcesOfType('AWS::ApiGatewayV2::Route').filter(
        ([, candidate]) => candidate.Properties?.RouteKey === routeKey,
      ),
      routeKey,
    );
    const integration = onlyOne(referencedIds(route.Properties?.Target), 'integration');
    expect(props(integration)).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    expect(referencedIds(props(integration).IntegrationUri)).toEqual([apiFunction]);
  });

  it('has only those routes, CORS, and a throttled, logged default stage', () => {
    expect(resourcesOfType('AWS::ApiGatewayV2::Route')).toHaveLength(2);
    assertions.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['*'],
        AllowHeaders: ['authorization', 'content-type'],
      }),
    });
    assertions.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('outputs the API URL, portal URL, alerts topic, secrets ARNs, dashboard name, ingest queue URL and api function', () => {
    expect(template.Outputs?.ApiFunctionName?.Value).toEqual({ Ref: apiFunction });
    expect(Object.keys(template.Outputs ?? {}).sort()).toEqual([
      'AdminApiKeySecretArn',
      'AlertsTopicArn',
      'ApiFunctionName',
      'ApiUrl',
      'DashboardName',
      'IngestQueueUrl',
      'JwtSecretArn',
      'PortalUrl',
    ]);
  });
});

describe('operator events', () => {
  const OPERATOR_EVENTS_VARIABLES = [
    'OPERATOR_EVENTS_HTTP_URL',
    'OPERATOR_EVENTS_TOPICS',
    'OPERATOR_EVENTS_HTTP_SIGNING_SECRET',
    'OPERATOR_EVENTS_HTTP_SIGNING_SECRET_ARN',
  ];
  const withSink = synthesizeTemplate({
    props: {
      operatorEvents: {
        httpUrl: 'https://ops.example.com/alerts',
        topics: ['alert.destination.disabled', 'alert.attempt.exhausted_retries'],
      },
    },
  });
  const entryOf = (id: string) => withSink.Resources[id]?.Metadata?.[ENTRY_METADATA_KEY];
  const functionsWithSink = resourcesOfType('AWS::Lambda::Function', withSink).map(([id]) => id);
  const deliverers = functionsWithSink.filter((id) => entryOf(id) === ENTRIES.deliver);
  const signingSecret = onlyOne(
    resourcesOfType('AWS::SecretsManager::Secret', withSink)
      .map(([id]) => id)
      .filter((id) => !resourcesOfType('AWS::SecretsManager::Secret').some(([existing]) => existing === id)),
    'operator events secret',
  );

  it('are off by default: no settings, secret, grant or output', () => {
    for (const [id] of resourcesOfType('AWS::Lambda::Function')) {
      for (const name of OPERATOR_EVENTS_VARIABLES) expect(environmentOf(id)).not.toHaveProperty(name);
    }
    expect(resourcesOfType('AWS::SecretsManager::Secret')).toHaveLength(2);
    expect(template.Outputs).not.toHaveProperty('OperatorEventsSigningSecretArn');
  });

  it('give every deliver function, and only those, the URL, topics and the signing secret ARN', () => {
    expect(deliverers).toHaveLength(DESTINATION_TYPES.length);
    for (const id of deliverers) {
      const env = environmentOf(id, withSink);
      const literal = Object.fromEntries(
        Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      );
      expect(loadConfig(literal).alerts).toMatchObject({
        httpUrl: 'https://ops.example.com/alerts',
        topics: ['alert.destination.disabled', 'alert.attempt.exhausted_retries'],
      });
      expect(referencedIds(env.OPERATOR_EVENTS_HTTP_SIGNING_SECRET_ARN)).toEqual([signingSecret]);
      // The value itself is read at run time, never written into the template.
      expect(env).not.toHaveProperty('OPERATOR_EVENTS_HTTP_SIGNING_SECRET');
    }
    for (const id of functionsWithSink.filter((id) => !deliverers.includes(id))) {
      for (const name of OPERATOR_EVENTS_VARIABLES)
        expect(environmentOf(id, withSink)).not.toHaveProperty(name);
    }
  });

  it('let only the deliver functions read the signing secret', () => {
    for (const id of functionsWithSink) {
      const actions = actionsOn(grantsOf(id, withSink), signingSecret);
      if (deliverers.includes(id)) expect(actions).toContain('secretsmanager:GetSecretValue');
      else expect(actions).toEqual([]);
    }
  });

  it('generate the signing secret and output its ARN', () => {
    expect(props(signingSecret, withSink).GenerateSecretString).toMatchObject({
      PasswordLength: 48,
      ExcludePunctuation: true,
    });
    expect(withSink.Outputs?.OperatorEventsSigningSecretArn?.Value).toEqual({ Ref: signingSecret });
  });

  it('send every alert when no topics are given', () => {
    const everyTopic = synthesizeTemplate({
      props: { operatorEvents: { httpUrl: 'https://ops.example.com/alerts' } },
    });
    const deliverer = resourcesOfType('AWS::Lambda::Function', everyTopic).find(
      ([, fn]) => fn.Metadata?.[ENTRY_METADATA_KEY] === ENTRIES.deliver,
    );
    expect(environmentOf(deliverer![0], everyTopic).OPERATOR_EVENTS_TOPICS).toBe('*');
  });

  it('refuse a URL that is not https or an unknown topic, at synth', () => {
    const synth = (operatorEvents: { httpUrl: string; topics?: string[] }) => () =>
      synthesizeTemplate({ props: { operatorEvents } });
    expect(synth({ httpUrl: 'http://ops.example.com/alerts' })).toThrow(/https/);
    expect(synth({ httpUrl: 'ops.example.com' })).toThrow(/https/);
    expect(synth({ httpUrl: 'https://ops.example.com', topics: ['alert.destination.gone'] })).toThrow(
      /unknown alert.destination.gone/,
    );
    expect(synth({ httpUrl: 'https://ops.example.com', topics: ['*'] })).not.toThrow();
  });
});

describe('sweeper', () => {
  it('runs every minute', () => {
    const [, rule] = onlyOne(resourcesOfType('AWS::Events::Rule'), 'rule');
    expect(rule.Properties?.ScheduleExpression).toBe('rate(1 minute)');
    expect(referencedIds(rule.Properties?.Targets)).toEqual([functionId(ENTRIES.sweeper)]);
  });
});

describe('IAM', () => {
  const tables = Object.fromEntries(
    TABLE_DEFINITIONS.map((definition) => [definition.id, tableId(definition.id)]),
  );
  const queues = DESTINATION_TYPES.map(queueId);
  const secrets = resourcesOfType('AWS::SecretsManager::Secret').map(([id]) => id);
  const credentialsKey = onlyOne(
    referencedIds(environmentOf(functionId(ENTRIES.api)).CREDENTIALS_KMS_KEY_ID),
    'credentials key',
  );
  const READ = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'];
  const WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
  const dynamoActions = (grants: Grant[], table: string) =>
    actionsOn(grants, table).filter((action) => action.startsWith('dynamodb:'));

  it('grants no wildcard action to any function', () => {
    for (const [id] of resourcesOfType('AWS::Lambda::Function')) {
      const grants = grantsOf(id);
      expect(grants.length).toBeGreaterThan(0);
      for (const { action } of grants) expect(action).not.toMatch(/^\*$|:\*$/);
    }
  });

  it('grants nothing on Resource "*" but the X-Ray writes, which have no resource-level permissions', () => {
    for (const [id] of resourcesOfType('AWS::Lambda::Function')) {
      const onAnything = statementsOf(id).filter((statement) => [statement.Resource].flat().includes('*'));
      expect(onAnything).toEqual([
        {
          Effect: 'Allow',
          Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          Resource: '*',
        },
      ]);
    }
    // Nor a resource ending in a bare wildcard, but the acknowledged tenant roles (arn:…:iam::*:role/*).
    const policies = resourcesOfType('AWS::IAM::Policy').flatMap(
      ([, policy]) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    const wildcardResources = policies
      .flatMap((statement) => [statement.Resource].flat())
      .filter((resource) => JSON.stringify(resource).includes('*') && resource !== '*');
    expect(new Set(wildcardResources.map((resource) => JSON.stringify(resource)))).toEqual(
      new Set([JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/*']] })]),
    );
  });

  it('api: reads and writes every table, enqueues, encrypts credentials, reads the secrets', () => {
    const grants = grantsOf(functionId(ENTRIES.api));
    for (const table of Object.values(tables))
      expect(dynamoActions(grants, table)).toEqual(expect.arrayContaining([...READ, ...WRITE]));
    for (const queue of queues) expect(actionsOn(grants, queue)).toContain('sqs:SendMessage');
    expect(actionsOn(grants, credentialsKey).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    for (const secret of secrets)
      expect(actionsOn(grants, secret)).toContain('secretsmanager:GetSecretValue');
  });

  it.each(DESTINATION_TYPES.map((type) => [type]))(
    'deliver %s: reads destinations and events, writes attempts, enqueues to every type, decrypts credentials only',
    (type) => {
      const [, mapping] = onlyOne(
        resourcesOfType('AWS::Lambda::EventSourceMapping').filter(([, candidate]) =>
          referencedIds(candidate.Properties?.EventSourceArn).includes(queueId(type)),
        ),
        'mapping',
      );
      const grants = grantsOf(onlyOne(referencedIds(mapping.Properties?.FunctionName), 'function'));
      expect(dynamoActions(grants, tables.destinations as string)).toEqual(
        expect.arrayContaining([...READ, ...WRITE]),
      );
      expect(dynamoActions(grants, tables.events as string)).toEqual(
        expect.arrayContaining([...READ, ...WRITE]),
      );
      expect(dynamoActions(grants, tables.attempts as string)).toEqual(expect.arrayContaining(WRITE));
      expect(dynamoActions(grants, tables.attempts as string)).not.toContain('dynamodb:Query');
      for (const queue of queues) expect(actionsOn(grants, queue)).toContain('sqs:SendMessage');
      expect(actionsOn(grants, queueId(type))).toContain('sqs:DeleteMessage');
      expect(actionsOn(grants, credentialsKey)).toEqual(['kms:Decrypt']);
      expect(grants.filter((grant) => grant.action.startsWith('secretsmanager:'))).toEqual([]);
    },
  );

  it('sweeper: reads the events table, puts taken-over deliveries back, enqueues, nothing else', () => {
    const sweeper = functionId(ENTRIES.sweeper);
    const grants = grantsOf(sweeper);
    // takeOver (lambdas/core/sweep.ts) writes the delivery with a new task id: DeliveriesRepository.replaceTask,
    // a conditional PutItem, and nothing else.
    expect(dynamoActions(grants, tables.events as string)).toEqual(
      [...READ, 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem'].sort(),
    );
    expect(dynamoActions(grants, tables.destinations as string)).toEqual([]);
    expect(dynamoActions(grants, tables.attempts as string)).toEqual([]);
    // The write reaches the table's key only through DynamoDB, as every other writer's does.
    const tableKey = onlyOne(
      referencedIds(
        (props(tables.events as string).SSESpecification as { KMSMasterKeyId: unknown }).KMSMasterKeyId,
      ),
      'table key',
    );
    const keyStatements = statementsOf(sweeper).filter((statement) =>
      referencedIds(statement.Resource).includes(tableKey),
    );
    expect(keyStatements).toEqual([
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Condition: {
          StringEquals: {
            'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
          },
        },
      }),
    ]);
    for (const queue of queues)
      expect(actionsOn(grants, queue)).toEqual([
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ]);
    expect(actionsOn(grants, credentialsKey)).toEqual([]);
    expect(grants.filter((grant) => grant.action.startsWith('secretsmanager:'))).toEqual([]);
    expect(grants.filter((grant) => grant.action.startsWith('sts:'))).toEqual([]);
  });

  const ROLE_ASSUMING_TYPES = ['aws_eventbridge', 'aws_kinesis', 'aws_s3', 'aws_sns', 'aws_sqs'];
  const delivererOf = (type: string): string => {
    const [, mapping] = onlyOne(
      resourcesOfType('AWS::Lambda::EventSourceMapping').filter(([, candidate]) =>
        referencedIds(candidate.Properties?.EventSourceArn).includes(queueId(type)),
      ),
      `mapping of ${type}`,
    );
    return onlyOne(referencedIds(mapping.Properties?.FunctionName), 'function');
  };

  it.each(ROLE_ASSUMING_TYPES.map((type) => [type]))(
    "deliver %s: may assume tenants' roles (sts:AssumeRole on any role ARN) and nothing else of STS",
    (type) => {
      const sts = statementsOf(delivererOf(type)).filter((statement) =>
        JSON.stringify(statement.Action).includes('sts:'),
      );
      expect(sts).toEqual([
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/*']] },
        },
      ]);
    },
  );

  it('only the aws_* deliverers may assume roles: not the webhook and broker deliverers, api, sweeper or ingest', () => {
    expect(DESTINATION_TYPES.filter((type) => type.startsWith('aws_')).sort()).toEqual(ROLE_ASSUMING_TYPES);
    const others = [
      ...DESTINATION_TYPES.filter((type) => !ROLE_ASSUMING_TYPES.includes(type)).map(delivererOf),
      functionId(ENTRIES.api),
      functionId(ENTRIES.sweeper),
      functionId(ENTRIES.ingest),
    ];
    expect(others).toHaveLength(3 + DESTINATION_TYPES.length - ROLE_ASSUMING_TYPES.length);
    for (const id of others)
      expect(grantsOf(id).filter((grant) => grant.action.startsWith('sts:'))).toEqual([]);
  });
});
