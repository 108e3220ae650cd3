import { localResources } from '../../../local/template-resources';
import { TemplateResolutionError } from '../../../local/intrinsics';
import { TABLE_DEFINITIONS } from '../../../lambdas/store/table-definitions';
import { synthesizeTemplate, type CloudFormationTemplate } from '../../../lib/synthesize-template';
import { fixtureTemplate } from '../../support/fixture-handlers/fixture-template';

const naming = { queueUrl: (name: string) => `http://sqs.us-east-1.localhost:4566/000000000000/${name}` };

function withResource(
  name: string,
  resource: CloudFormationTemplate['Resources'][string],
): CloudFormationTemplate {
  const template = fixtureTemplate();
  template.Resources[name] = resource;
  return template;
}

describe('localResources on the fixture template', () => {
  const resources = localResources(fixtureTemplate(), naming);

  it('creates tables on demand with their GSIs (capacity dropped) and TTL', () => {
    expect(resources.tables).toEqual([
      {
        logicalId: 'RecordsTable',
        tableName: 'RecordsTable',
        timeToLiveAttribute: 'expires_at',
        createTable: {
          TableName: 'RecordsTable',
          BillingMode: 'PAY_PER_REQUEST',
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
        },
      },
    ]);
  });

  it('creates the DLQ first and points the redrive policy at its local ARN', () => {
    expect(resources.queues.map((queue) => queue.logicalId)).toEqual(['WorkDeadLetterQueue', 'WorkQueue']);
    const work = resources.queues[1]!;
    expect(work).toMatchObject({
      queueName: 'WorkQueue',
      queueUrl: 'http://sqs.us-east-1.localhost:4566/000000000000/WorkQueue',
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:WorkQueue',
      metadata: { 'event-destinations:delivery-type': 'work' },
    });
    expect(work.attributes).toEqual({
      VisibilityTimeout: '2',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:WorkDeadLetterQueue',
        maxReceiveCount: 3,
      }),
    });
    expect(resources.queues[0]!.attributes).toEqual({ MessageRetentionPeriod: '1209600' });
  });

  it('names SNS topics after their logical id', () => {
    expect(resources.topics).toEqual([
      {
        logicalId: 'AlertsTopic',
        topicName: 'AlertsTopic',
        topicArn: 'arn:aws:sns:us-east-1:000000000000:AlertsTopic',
      },
    ]);
  });

  it('reads the event source mapping, the route and the schedule', () => {
    expect(resources.eventSourceMappings).toEqual([
      {
        logicalId: 'WorkMapping',
        queueLogicalId: 'WorkQueue',
        functionLogicalId: 'WorkHandler',
        batchSize: 5,
        maximumBatchingWindowSeconds: 1,
        reportBatchItemFailures: true,
        maximumConcurrency: 2,
      },
    ]);
    expect(resources.routes).toEqual([{ routeKey: 'ANY /api/v1/{proxy+}', functionLogicalId: 'ApiHandler' }]);
    expect(resources.schedules).toEqual([
      {
        logicalId: 'SweepSchedule',
        ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/SweepSchedule',
        intervalMs: 60_000,
        functionLogicalId: 'SweeperHandler',
      },
    ]);
  });

  it('resolves Ref, Fn::GetAtt, Fn::Join and Fn::Sub in function environments', () => {
    expect(Object.keys(resources.functions).sort()).toEqual(['ApiHandler', 'SweeperHandler', 'WorkHandler']);
    expect(resources.functions.ApiHandler).toEqual({
      logicalId: 'ApiHandler',
      entry: 'test/support/fixture-handlers/api.handler.ts',
      environment: {
        RECORDS_TABLE: 'RecordsTable',
        RECORDS_TABLE_ARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/RecordsTable',
        WORK_QUEUE_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/WorkQueue',
        DELIVERY_QUEUE_URLS: '{"work":"http://sqs.us-east-1.localhost:4566/000000000000/WorkQueue"}',
        WORK_QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:WorkQueue',
        API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:AdminApiKey',
        ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:AlertsTopic',
        FIXTURE_GREETING: 'hello from the template',
      },
      wiredVariables: [
        'RECORDS_TABLE',
        'RECORDS_TABLE_ARN',
        'WORK_QUEUE_URL',
        'DELIVERY_QUEUE_URLS',
        'WORK_QUEUE_ARN',
        'API_KEY_SECRET_ARN',
        'ALERTS_TOPIC_ARN',
      ],
      policy: [
        {
          effect: 'Allow',
          actions: ['dynamodb:PutItem'],
          resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/RecordsTable'],
          condition: {},
        },
        {
          effect: 'Allow',
          actions: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          resources: ['arn:aws:sqs:us-east-1:000000000000:WorkQueue'],
          condition: {},
        },
      ],
    });
  });

  it("reads each function's role policy: its attached policies and inline ones; managed ones cannot be read", () => {
    const template = fixtureTemplate();
    template.Resources.FixtureRole!.Properties!.Policies = [
      {
        PolicyName: 'inline',
        PolicyDocument: { Statement: [{ Effect: 'Deny', Action: 'sqs:SendMessage', Resource: '*' }] },
      },
    ];
    expect(localResources(template, naming).functions.WorkHandler!.policy[0]).toEqual({
      effect: 'Deny',
      actions: ['sqs:SendMessage'],
      resources: ['*'],
      condition: {},
    });
    template.Resources.FixtureRole!.Properties!.ManagedPolicyArns = [
      'arn:aws:iam::aws:policy/AdministratorAccess',
    ];
    expect(() => localResources(template, naming)).toThrow(/managed policies cannot be read offline/);
    delete template.Resources.FixtureRole!.Properties!.ManagedPolicyArns;
    delete template.Resources.WorkHandler!.Properties!.Role;
    expect(() => localResources(template, naming)).toThrow(
      /WorkHandler: its role is not a role of the template/,
    );
  });
});

describe('localResources failures', () => {
  const withEnvironment = (value: unknown): CloudFormationTemplate =>
    withResource('OddHandler', {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Role: { 'Fn::GetAtt': ['FixtureRole', 'Arn'] },
        Environment: { Variables: { ODD: value } },
      },
      Metadata: { 'event-destinations:entry': 'odd.ts' },
    });

  it.each([
    ['an unsupported intrinsic', { 'Fn::ImportValue': 'Shared' }, /unsupported intrinsic Fn::ImportValue/],
    ['a Ref to a missing resource', { Ref: 'Nowhere' }, /Ref to Nowhere, which is not in the template/],
    [
      'an attribute that is not emulated',
      { 'Fn::GetAtt': ['WorkQueue', 'Nope'] },
      /WorkQueue.Nope .* not emulated/,
    ],
    ['an unknown pseudo parameter', { 'Fn::Sub': '${AWS::NotifyArns}' }, /unsupported pseudo parameter/],
    ['a non-string result', { 'Fn::Join': ['', [{ Ref: 'RecordsTable' }, ['nested']]] }, /expected a string/],
  ])('throws a clear error for %s', (_case, value, message) => {
    expect(() => localResources(withEnvironment(value), naming)).toThrow(TemplateResolutionError);
    expect(() => localResources(withEnvironment(value), naming)).toThrow(message);
  });

  it('resolves template parameters by their default', () => {
    const resources = localResources(withEnvironment({ Ref: 'BootstrapVersion' }), naming);
    expect(resources.functions.OddHandler!.environment.ODD).toBe('/cdk-bootstrap/version');
  });

  it('rejects schedules it cannot run and mappings to functions without an entry', () => {
    const cron = withResource('CronRule', {
      Type: 'AWS::Events::Rule',
      Properties: {
        ScheduleExpression: 'cron(0 12 * * ? *)',
        Targets: [{ Arn: { 'Fn::GetAtt': ['ApiHandler', 'Arn'] } }],
      },
    });
    expect(() => localResources(cron, naming)).toThrow(/only rate\(\.\.\.\) schedules run locally/);
    const helperMapping = withResource('HelperMapping', {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': ['WorkQueue', 'Arn'] },
        FunctionName: { Ref: 'LogRetentionProvider' },
      },
    });
    expect(() => localResources(helperMapping, naming)).toThrow(
      /LogRetentionProvider has no event-destinations:entry/,
    );
  });
});

describe('localResources on the synthesized stack', () => {
  const template = synthesizeTemplate();
  const resources = localResources(template, naming);

  it('builds every table of table-definitions.ts with its indexes and TTL', () => {
    const tableOf = (envVar: string) => {
      const name = Object.values(resources.functions)[0]!.environment[envVar];
      return resources.tables.find((table) => table.tableName === name);
    };
    for (const definition of TABLE_DEFINITIONS) {
      const table = tableOf(definition.envVar);
      expect(table).toBeDefined();
      expect(table!.createTable.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(
        expect.arrayContaining(definition.indexes.map((index) => index.indexName)),
      );
      expect(table!.timeToLiveAttribute).toBe(definition.timeToLiveAttribute);
    }
  });

  it('gives every delivery queue a DLQ, a mapping with partial batch responses, and a DELIVERY_QUEUE_URLS entry', () => {
    const deliveryQueues = resources.queues.filter(
      (queue) => queue.metadata['event-destinations:delivery-type'],
    );
    expect(deliveryQueues.length).toBeGreaterThan(0);
    for (const fn of Object.values(resources.functions)) {
      const urls = JSON.parse(fn.environment.DELIVERY_QUEUE_URLS!) as Record<string, string>;
      expect(Object.values(urls).sort()).toEqual(deliveryQueues.map((queue) => queue.queueUrl).sort());
    }
    for (const queue of deliveryQueues) {
      const redrive = JSON.parse(queue.attributes.RedrivePolicy!) as { deadLetterTargetArn: string };
      expect(resources.queues.map((candidate) => candidate.queueArn)).toContain(redrive.deadLetterTargetArn);
      const mapping = resources.eventSourceMappings.find(
        (candidate) => candidate.queueLogicalId === queue.logicalId,
      );
      expect(mapping).toMatchObject({ reportBatchItemFailures: true });
      expect(resources.functions[mapping!.functionLogicalId]!.entry).toBe(
        'lambdas/handlers/deliver.handler.ts',
      );
    }
  });

  it('routes /api/v1 to the api handler and schedules the sweeper every minute', () => {
    expect(resources.routes.map((route) => route.routeKey)).toEqual(
      expect.arrayContaining(['GET /api/v1/healthz', 'ANY /api/v1/{proxy+}']),
    );
    for (const route of resources.routes) {
      expect(resources.functions[route.functionLogicalId]!.entry).toBe('lambdas/handlers/api.handler.ts');
    }
    expect(resources.schedules).toHaveLength(1);
    expect(resources.schedules[0]!.intervalMs).toBe(60_000);
    expect(resources.functions[resources.schedules[0]!.functionLogicalId]!.entry).toBe(
      'lambdas/handlers/sweeper.handler.ts',
    );
  });
});
