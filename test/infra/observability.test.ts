import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { BillingMode } from 'aws-cdk-lib/aws-dynamodb';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DESTINATION_TYPES } from '../../lambdas/destinations/registry';
import { ATTEMPT_STATUSES, METRICS } from '../../lambdas/handlers/metric-names';
import { ENTRY_METADATA_KEY } from '../../lib/handler-function';
import { synthesizeTemplate, type CloudFormationTemplate } from '../../lib/synthesize-template';
import * as packageApi from '../../lib';

const template = synthesizeTemplate();
const assertions = Template.fromJSON(template);
const ofType = (type: string, from: CloudFormationTemplate = template) =>
  Object.entries(from.Resources).filter(([, resource]) => resource.Type === type);
const [topicId] = ofType('AWS::SNS::Topic').map(([id]) => id);
const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties ?? {});
const functionEnvironments = ofType('AWS::Lambda::Function').map(
  ([, fn]) => (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables,
);
const types = DESTINATION_TYPES.length;

describe('alerting', () => {
  it('has one KMS-encrypted, TLS-only alerts topic that CloudWatch may use', () => {
    expect(ofType('AWS::SNS::Topic')).toHaveLength(1);
    assertions.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    assertions.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    // Only this account's alarms in this region may use the key (no confused deputy).
    assertions.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':cloudwatch:',
                      { Ref: 'AWS::Region' },
                      ':',
                      { Ref: 'AWS::AccountId' },
                      ':alarm:*',
                    ],
                  ],
                },
              },
            },
          },
        ]),
      },
    });
    const cloudWatchUses = ofType('AWS::KMS::Key').flatMap(([, key]) =>
      (key.Properties?.KeyPolicy as { Statement: Array<Record<string, unknown>> }).Statement.filter(
        (statement) => JSON.stringify(statement.Principal).includes('cloudwatch'),
      ),
    );
    expect(cloudWatchUses).toHaveLength(1);
    expect(ofType('AWS::SNS::Subscription')).toHaveLength(0);
  });

  it('subscribes the alert email when given', () => {
    const custom = Template.fromJSON(synthesizeTemplate({ props: { alertEmail: 'ops@example.com' } }));
    custom.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('alarms on every DLQ, queue age, failure rate, function errors and throttles, and API 5xx', () => {
    const functions = 3 + types;
    // Per type: dead letters, queue age, failure rate; per function: errors, throttles; API 5xx; ingest
    // DLQ and queue age.
    expect(alarms).toHaveLength(3 * types + 2 * functions + 1 + 2);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
    const byMetric = (name: string) => alarms.filter((alarm) => alarm.MetricName === name);
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(types + 1);
    for (const alarm of byMetric('ApproximateNumberOfMessagesVisible'))
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    const ages = byMetric('ApproximateAgeOfOldestMessage');
    expect(ages).toHaveLength(types + 1);
    const [ingestQueue] = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('IngestQueue'))!;
    const ingestAge = (alarm: Record<string, unknown>) =>
      JSON.stringify(alarm.Dimensions).includes(`"${ingestQueue}"`);
    expect(ages.filter(ingestAge).map((alarm) => alarm.Threshold)).toEqual([300]);
    expect(ages.filter((alarm) => !ingestAge(alarm)).map((alarm) => alarm.Threshold)).toEqual(
      DESTINATION_TYPES.map(() => 1800),
    );
    expect(byMetric('Errors')).toHaveLength(functions);
    expect(byMetric('Throttles')).toHaveLength(functions);
    expect(byMetric('5xx')).toHaveLength(1);
  });

  it('computes each type’s failure rate from the EMF metrics the deliverers emit, in their namespace', () => {
    const namespaces = new Set(functionEnvironments.map((env) => env[METRICS.namespaceVariable]));
    expect(namespaces).toEqual(new Set(['EventDestinations/EventDestinations']));
    const rateAlarms = alarms.filter((alarm) => Array.isArray(alarm.Metrics));
    expect(rateAlarms).toHaveLength(types);
    const alarmedTypes = rateAlarms.map((alarm) => {
      const queries = alarm.Metrics as Array<{
        Id: string;
        Expression?: string;
        MetricStat?: {
          Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] };
        };
      }>;
      const expression = queries.find((query) => query.Expression);
      // FILL: a period with failures only (no `ok` datapoint) still yields a rate, 100 %.
      expect(expression?.Expression).toBe(
        'IF(FILL(ok, 0) + FILL(failed, 0) >= 20, 100 * FILL(failed, 0) / (FILL(ok, 0) + FILL(failed, 0)), 0)',
      );
      const stats = queries.filter((query) => query.MetricStat).map((query) => query.MetricStat!.Metric);
      expect(stats.map((metric) => metric.Namespace)).toEqual([...namespaces, ...namespaces]);
      expect(stats.map((metric) => metric.MetricName)).toEqual([
        METRICS.deliveryAttempts,
        METRICS.deliveryAttempts,
      ]);
      const dimensions = stats.map((metric) =>
        Object.fromEntries(metric.Dimensions.map((d) => [d.Name, d.Value])),
      );
      expect(dimensions.map((d) => d.status).sort()).toEqual([...ATTEMPT_STATUSES].sort());
      expect(alarm.Threshold).toBe(25);
      return dimensions[0]?.type;
    });
    expect(alarmedTypes.sort()).toEqual([...DESTINATION_TYPES].sort());
  });

  it('follows the alarm thresholds given as props', () => {
    const custom = synthesizeTemplate({
      props: {
        alarmThresholds: {
          failureRatePercent: 10,
          failureRateMinimumAttempts: 5,
          api5xxCount: 5,
          queueAge: Duration.minutes(45),
          ingestQueueAge: Duration.minutes(2),
        },
      },
    });
    const customAlarms = ofType('AWS::CloudWatch::Alarm', custom).map(([, alarm]) => alarm.Properties ?? {});
    const rateAlarms = customAlarms.filter((alarm) => Array.isArray(alarm.Metrics));
    expect(rateAlarms.map((alarm) => alarm.Threshold)).toEqual(DESTINATION_TYPES.map(() => 10));
    for (const alarm of rateAlarms) {
      const queries = alarm.Metrics as Array<{ Expression?: string }>;
      expect(queries.find((query) => query.Expression)?.Expression).toMatch(
        /^IF\(FILL\(ok, 0\) \+ FILL\(failed, 0\) >= 5, /,
      );
    }
    expect(customAlarms.find((alarm) => alarm.MetricName === '5xx')?.Threshold).toBe(5);
    expect(
      customAlarms
        .filter((alarm) => alarm.MetricName === 'ApproximateAgeOfOldestMessage')
        .map((alarm) => alarm.Threshold)
        .sort(),
    ).toEqual([120, ...DESTINATION_TYPES.map(() => 2700)]);
  });

  it.each([
    [
      { failureRatePercent: 100 },
      /alarmThresholds.failureRatePercent: expected a percentage from 0 to below 100, got 100/,
    ],
    [
      { failureRateMinimumAttempts: 0 },
      /alarmThresholds.failureRateMinimumAttempts: expected an integer from 1 up, got 0/,
    ],
    [{ api5xxCount: 1.5 }, /alarmThresholds.api5xxCount: expected an integer from 1 up, got 1.5/],
    [
      { queueAge: Duration.seconds(30) },
      /alarmThresholds.queueAge: expected at least 1 minute, got "30 seconds"/,
    ],
  ])('refuses alarm thresholds %j naming the prop', (alarmThresholds, message) => {
    expect(() => synthesizeTemplate({ props: { alarmThresholds } })).toThrow(message);
  });
});

describe('dashboard', () => {
  it('graphs publish rate, deliveries by type and status, latency percentiles, queue depth and age', () => {
    const [[, dashboard]] = [ofType('AWS::CloudWatch::Dashboard')[0]!];
    const body = JSON.stringify(dashboard.Properties?.DashboardBody);
    for (const name of Object.values(METRICS).filter((value) => value !== METRICS.namespaceVariable))
      expect(body).toContain(name);
    for (const statistic of ['p50', 'p90', 'p99']) expect(body).toContain(statistic);
    for (const metric of ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage'])
      expect(body).toContain(metric);
    for (const type of DESTINATION_TYPES) expect(body).toContain(`${type} failed`);
  });

  it('graphs the ingest queue: depth, in flight, oldest message age, and its dead letters', () => {
    const ingestFunction = ofType('AWS::Lambda::Function').find(
      ([, fn]) => fn.Metadata?.[ENTRY_METADATA_KEY] === 'lambdas/handlers/ingest.handler.ts',
    )![0];
    const mapping = ofType('AWS::Lambda::EventSourceMapping').find(
      ([, esm]) => JSON.stringify(esm.Properties?.FunctionName) === JSON.stringify({ Ref: ingestFunction }),
    )![1];
    const ingestQueue = (mapping.Properties?.EventSourceArn as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    const redrive = template.Resources[ingestQueue]!.Properties?.RedrivePolicy as {
      deadLetterTargetArn: { 'Fn::GetAtt': [string, string] };
    };
    const deadLetterQueue = redrive.deadLetterTargetArn['Fn::GetAtt'][0];
    const sqs = (metric: string, queue: string) => ['AWS/SQS', metric, 'QueueName', `${queue}.QueueName`];
    const metrics = dashboardWidgets().flatMap((widget) =>
      widget.properties.metrics.map((line) => line.slice(0, 4)),
    );
    expect(metrics).toEqual(
      expect.arrayContaining([
        sqs('ApproximateNumberOfMessagesVisible', ingestQueue),
        sqs('ApproximateNumberOfMessagesNotVisible', ingestQueue),
        sqs('ApproximateAgeOfOldestMessage', ingestQueue),
        sqs('ApproximateNumberOfMessagesVisible', deadLetterQueue),
      ]),
    );
  });
});

interface DashboardWidget {
  properties: { title: string; metrics: unknown[][] };
}

/** The dashboard's widgets; the body joins JSON text and tokens, each attribute shown as `<id>.<attribute>`. */
function dashboardWidgets(): DashboardWidget[] {
  const [, dashboard] = ofType('AWS::CloudWatch::Dashboard')[0]!;
  const body = dashboard.Properties?.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const attribute = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      return attribute ? attribute.join('.') : JSON.stringify(part).replace(/"/g, "'");
    })
    .join('');
  return (JSON.parse(text) as { widgets: DashboardWidget[] }).widgets;
}

describe('IAM precision', () => {
  const statements = ofType('AWS::IAM::Policy').flatMap(
    ([, policy]) => (policy.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
  );

  it('attaches no managed policy: each role writes only its own log group', () => {
    for (const [, role] of ofType('AWS::IAM::Role'))
      expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    const logWrites = statements.filter((statement) => JSON.stringify(statement.Action).includes('logs:'));
    expect(logWrites).toHaveLength(3 + types);
  });

  it('names every index instead of index/*, and uses wildcards in no action', () => {
    const text = JSON.stringify(statements);
    expect(text).not.toContain('/index/*');
    for (const statement of statements)
      for (const action of [statement.Action].flat()) expect(String(action)).not.toContain('*');
  });

  it('lets the credentials key be used only with the cipher’s encryption context', () => {
    const credentialUses = statements.filter((statement) =>
      JSON.stringify(statement.Condition ?? {}).includes('kms:EncryptionContextKeys'),
    );
    expect(credentialUses).toHaveLength(2 + types);
    for (const statement of credentialUses)
      expect(statement.Condition).toEqual({
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['tenant_id', 'destination_id'] },
        Null: { 'kms:EncryptionContextKeys': 'false' },
      });
  });
});

describe('props', () => {
  it('sets billing mode, log level, throttling and portal URL', () => {
    const custom = synthesizeTemplate({
      props: {
        billingMode: BillingMode.PROVISIONED,
        logLevel: 'DEBUG',
        apiThrottle: { rateLimit: 50, burstLimit: 100 },
        portalUrl: 'https://portal.example.com',
      },
    });
    const customAssertions = Template.fromJSON(custom);
    for (const [, table] of ofType('AWS::DynamoDB::Table', custom))
      expect(table.Properties?.ProvisionedThroughput).toEqual({
        ReadCapacityUnits: 5,
        WriteCapacityUnits: 5,
      });
    for (const [, table] of ofType('AWS::DynamoDB::Table'))
      expect(table.Properties?.BillingMode).toBe('PAY_PER_REQUEST');
    customAssertions.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    for (const [, fn] of ofType('AWS::Lambda::Function', custom)) {
      expect(fn.Properties?.Environment).toMatchObject({
        Variables: { POWERTOOLS_LOG_LEVEL: 'DEBUG', PORTAL_URL: 'https://portal.example.com' },
      });
    }
    expect(custom.Outputs?.PortalUrl?.Value).toBe('https://portal.example.com');
  });

  it('maps a custom domain to the stage and outputs its URL and DNS target', () => {
    const certificate = Certificate.fromCertificateArn(
      new Stack(),
      'Certificate',
      'arn:aws:acm:us-east-1:123456789012:certificate/abc',
    );
    const custom = synthesizeTemplate({
      props: { customDomain: { domainName: 'events.example.com', certificate } },
    });
    Template.fromJSON(custom).hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'events.example.com',
    });
    expect(ofType('AWS::ApiGatewayV2::ApiMapping', custom)).toHaveLength(1);
    expect(custom.Outputs?.ApiUrl?.Value).toBe('https://events.example.com/');
    expect(custom.Outputs).toHaveProperty('ApiDomainTarget');
  });

  it("bounds each destination type's deliverers to deliveryMaxConcurrency, and refuses what SQS would not take", () => {
    const custom = synthesizeTemplate({ props: { deliveryMaxConcurrency: 10 } });
    const deliverMappings = ofType('AWS::Lambda::EventSourceMapping', custom).filter(
      ([, mapping]) => !JSON.stringify(mapping.Properties?.EventSourceArn).includes('IngestQueue'),
    );
    expect(deliverMappings).toHaveLength(types);
    for (const [, mapping] of deliverMappings)
      expect(mapping.Properties?.ScalingConfig).toEqual({ MaximumConcurrency: 10 });
    for (const bad of [1, 1001, 2.5])
      expect(() => synthesizeTemplate({ props: { deliveryMaxConcurrency: bad } })).toThrow(
        `deliveryMaxConcurrency: expected an integer from 2 to 1000, got ${bad}`,
      );
  });

  it('turns on source-mapped stack traces in every function only when sourceMapStackTraces is set', () => {
    for (const env of functionEnvironments) expect(env.NODE_OPTIONS).toBeUndefined();
    const traced = synthesizeTemplate({ props: { sourceMapStackTraces: true } });
    const functions = ofType('AWS::Lambda::Function', traced);
    expect(functions.length).toBeGreaterThan(0);
    for (const [, fn] of functions)
      expect(fn.Properties?.Environment).toMatchObject({
        Variables: { NODE_OPTIONS: '--enable-source-maps' },
      });
  });

  it('carries manualRetryLimit to every function as MANUAL_RETRY_LIMIT (10 by default)', () => {
    for (const env of functionEnvironments) expect(env.MANUAL_RETRY_LIMIT).toBe('10');
    const custom = synthesizeTemplate({ props: { manualRetryLimit: 3 } });
    for (const [, fn] of ofType('AWS::Lambda::Function', custom))
      expect(fn.Properties?.Environment).toMatchObject({ Variables: { MANUAL_RETRY_LIMIT: '3' } });
  });

  it('carries the jitter, event size, response cap and rotation grace to every function', () => {
    const defaults = {
      RETRY_JITTER: '0.2',
      MAX_EVENT_DATA_BYTES: '262144',
      DELIVERY_RESPONSE_CAP_BYTES: '131072',
      SECRET_ROTATION_GRACE_HOURS: '24',
    };
    for (const env of functionEnvironments) expect(env).toMatchObject(defaults);
    const custom = synthesizeTemplate({
      props: {
        retry: { jitter: 0 },
        maxEventDataBytes: 65536,
        deliveryResponseCapBytes: 4096,
        secretRotationGraceHours: 1.5,
      },
    });
    for (const [, fn] of ofType('AWS::Lambda::Function', custom))
      expect(fn.Properties?.Environment).toMatchObject({
        Variables: {
          RETRY_JITTER: '0',
          MAX_EVENT_DATA_BYTES: '65536',
          DELIVERY_RESPONSE_CAP_BYTES: '4096',
          SECRET_ROTATION_GRACE_HOURS: '1.5',
        },
      });
    expect(() => synthesizeTemplate({ props: { maxEventDataBytes: 512 * 1024 } })).toThrow(
      /MAX_EVENT_DATA_BYTES: must be at most 393216/,
    );
  });

  it("allows any origin by default, the portal's origin when portalUrl is set, and corsAllowOrigins above both", () => {
    const originsOf = (props: Parameters<typeof synthesizeTemplate>[0]) => {
      const [, api] = ofType('AWS::ApiGatewayV2::Api', synthesizeTemplate(props))[0]!;
      return (api.Properties?.CorsConfiguration as { AllowOrigins: string[] }).AllowOrigins;
    };
    expect(originsOf({})).toEqual(['*']);
    expect(originsOf({ props: { portalUrl: 'https://portal.example.com/tenants/app?x=1' } })).toEqual([
      'https://portal.example.com',
    ]);
    expect(
      originsOf({
        props: { portalUrl: 'https://portal.example.com', corsAllowOrigins: ['https://admin.example.com'] },
      }),
    ).toEqual(['https://admin.example.com']);
  });

  it.each([
    [
      { removalPolicy: RemovalPolicy.SNAPSHOT },
      /removalPolicy: expected RETAIN .* or DESTROY; SNAPSHOT is not supported/,
    ],
    [{ alertEmail: 'oncall' }, /alertEmail: expected an email address, got "oncall"/],
    [{ portalUrl: 'portal.example.com' }, /portalUrl: expected an absolute http\(s\):\/\/ URL/],
    [{ apiThrottle: { rateLimit: -1 } }, /apiThrottle.rateLimit: expected a number from 0 up, got -1/],
    [{ apiThrottle: { burstLimit: 0.5 } }, /apiThrottle.burstLimit: expected an integer from 0 up, got 0.5/],
    [{ logLevel: 'TRACE' as never }, /logLevel: expected DEBUG, INFO, WARN, ERROR, got "TRACE"/],
    [
      { customDomain: { domainName: 'events.example.com' } },
      /customDomain: expected exactly one of certificate and certificateArn/,
    ],
    [
      { customDomain: { domainName: 'events.example.com', certificateArn: 'arn:aws:iam::1:role/x' } },
      /customDomain.certificateArn: expected an ACM certificate ARN/,
    ],
    [
      {
        customDomain: {
          domainName: 'https://events.example.com',
          certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/a',
        },
      },
      /customDomain.domainName: expected a host name/,
    ],
  ])('refuses %j at synth, naming the prop', (props, message) => {
    expect(() => synthesizeTemplate({ props })).toThrow(message);
  });

  it('is one per stack: a second construct would reuse the queue names and metrics namespace', () => {
    const stack = new Stack(undefined, 'Shared');
    new packageApi.EventDestinations(stack, 'First');
    expect(() => new packageApi.EventDestinations(stack, 'Second')).toThrow(
      'EventDestinations: Shared has one already; put each deployment in a stack of its own',
    );
  });

  it('exports the construct, the stack and their props from the package entry', () => {
    expect(typeof packageApi.EventDestinations).toBe('function');
    expect(typeof packageApi.EventDestinationsStack).toBe('function');
  });
});
