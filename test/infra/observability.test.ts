import { Stack } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { BillingMode } from 'aws-cdk-lib/aws-dynamodb';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DESTINATION_TYPES } from '../../lambdas/destinations/registry';
import { ATTEMPT_STATUSES, METRICS } from '../../lambdas/handlers/metric-names';
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
    assertions.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    });
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
    // Per type: dead letters, queue age, failure rate; per function: errors, throttles; API 5xx; ingest DLQ.
    expect(alarms).toHaveLength(3 * types + 2 * functions + 1 + 1);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
    const byMetric = (name: string) => alarms.filter((alarm) => alarm.MetricName === name);
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(types + 1);
    for (const alarm of byMetric('ApproximateNumberOfMessagesVisible'))
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(byMetric('ApproximateAgeOfOldestMessage')).toHaveLength(types);
    for (const alarm of byMetric('ApproximateAgeOfOldestMessage')) expect(alarm.Threshold).toBe(1800);
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
      props: { alarmThresholds: { failureRatePercent: 10, api5xxCount: 5 } },
    });
    const customAlarms = ofType('AWS::CloudWatch::Alarm', custom).map(([, alarm]) => alarm.Properties ?? {});
    expect(
      customAlarms.filter((alarm) => Array.isArray(alarm.Metrics)).map((alarm) => alarm.Threshold),
    ).toEqual(DESTINATION_TYPES.map(() => 10));
    expect(customAlarms.find((alarm) => alarm.MetricName === '5xx')?.Threshold).toBe(5);
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
});

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

  it('exports the construct, the stack and their props from the package entry', () => {
    expect(typeof packageApi.EventDestinations).toBe('function');
    expect(typeof packageApi.EventDestinationsStack).toBe('function');
  });
});
