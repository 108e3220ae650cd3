import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BillingMode } from 'aws-cdk-lib/aws-dynamodb';
import {
  appSettingsFrom,
  environmentVariableOf,
  SETTING_KEYS,
  type SettingKey,
} from '../../lib/context-props';
import { PROJECT_ROOT } from '../../lib/handler-function';
import { synthesizeTemplate } from '../../lib/synthesize-template';

const fromContext = (context: Record<string, unknown>, env: Record<string, string> = {}) =>
  appSettingsFrom((key) => context[key], env);
const propsFrom = (context: Record<string, unknown>, env?: Record<string, string>) =>
  fromContext(context, env).props;

describe('appSettingsFrom', () => {
  it('leaves every prop at its default when nothing is given', () => {
    const { stackName, props } = fromContext({});
    expect(stackName).toBeUndefined();
    expect(props).toEqual({
      topics: undefined,
      retry: {
        intervalSeconds: undefined,
        maxRetries: undefined,
        schedule: undefined,
        maxDelaySeconds: undefined,
      },
      deliveryTimeoutSeconds: undefined,
      alertConsecutiveFailureCount: undefined,
      autoDisableDestinations: undefined,
      retentionDays: undefined,
      manualRetryLimit: undefined,
      removalPolicy: undefined,
      billingMode: undefined,
      corsAllowOrigins: undefined,
      alertEmail: undefined,
      portalUrl: undefined,
      logLevel: undefined,
      deliveryMaxConcurrency: undefined,
      operatorEvents: undefined,
    });
  });

  it('parses CLI strings (-c key=value)', () => {
    expect(
      propsFrom({
        topics: 'user.created, user.deleted,',
        retryIntervalSeconds: '10',
        maxRetries: '4',
        retrySchedule: '5,60',
        retryMaxDelaySeconds: '600',
        retryJitter: '0.1',
        deliveryTimeoutSeconds: '2.5',
        alertConsecutiveFailureCount: '20',
        autoDisableDestinations: 'false',
        retentionDays: '7',
        manualRetryLimit: '3',
        maxEventDataBytes: '65536',
        deliveryResponseCapBytes: '4096',
        secretRotationGraceHours: '1.5',
        removalPolicy: 'Destroy',
        billingMode: 'provisioned',
        corsAllowOrigins: 'https://portal.example.com',
        apiThrottleRateLimit: '50.5',
        apiThrottleBurstLimit: '100',
        customDomainName: 'events.example.com',
        customDomainCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123',
        alertEmail: 'oncall@example.com',
        portalUrl: 'https://portal.example.com/app',
        logLevel: 'debug',
        sourceMapStackTraces: 'true',
        deliveryMaxConcurrency: '20',
        alarmQueueAgeSeconds: '600',
        alarmIngestQueueAgeSeconds: '120',
        alarmFailureRatePercent: '12.5',
        alarmFailureRateMinimumAttempts: '40',
        alarmApi5xxCount: '3',
      }),
    ).toEqual({
      topics: ['user.created', 'user.deleted'],
      retry: { intervalSeconds: 10, maxRetries: 4, schedule: [5, 60], maxDelaySeconds: 600, jitter: 0.1 },
      deliveryTimeoutSeconds: 2.5,
      alertConsecutiveFailureCount: 20,
      autoDisableDestinations: false,
      retentionDays: 7,
      manualRetryLimit: 3,
      maxEventDataBytes: 65536,
      deliveryResponseCapBytes: 4096,
      secretRotationGraceHours: 1.5,
      removalPolicy: RemovalPolicy.DESTROY,
      billingMode: BillingMode.PROVISIONED,
      corsAllowOrigins: ['https://portal.example.com'],
      apiThrottle: { rateLimit: 50.5, burstLimit: 100 },
      customDomain: {
        domainName: 'events.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123',
      },
      alertEmail: 'oncall@example.com',
      portalUrl: 'https://portal.example.com/app',
      logLevel: 'DEBUG',
      sourceMapStackTraces: true,
      deliveryMaxConcurrency: 20,
      alarmThresholds: {
        queueAge: Duration.seconds(600),
        ingestQueueAge: Duration.seconds(120),
        failureRatePercent: 12.5,
        failureRateMinimumAttempts: 40,
        api5xxCount: 3,
      },
      operatorEvents: undefined,
    });
  });

  it('accepts JSON values from cdk.json', () => {
    const props = propsFrom({
      topics: ['a', 'b'],
      retrySchedule: [1, 2],
      maxRetries: 2,
      autoDisableDestinations: true,
      deliveryMaxConcurrency: 10,
    });
    expect(props.topics).toEqual(['a', 'b']);
    expect(props.retry).toMatchObject({ schedule: [1, 2], maxRetries: 2 });
    expect(props.autoDisableDestinations).toBe(true);
    expect(props.deliveryMaxConcurrency).toBe(10);
  });

  it('sets only the thresholds given, leaving the others to their defaults', () => {
    expect(propsFrom({ alarmFailureRatePercent: '5' }).alarmThresholds).toEqual({
      queueAge: undefined,
      ingestQueueAge: undefined,
      failureRatePercent: 5,
      failureRateMinimumAttempts: undefined,
      api5xxCount: undefined,
    });
    expect(propsFrom({ apiThrottleBurstLimit: '10' }).apiThrottle).toEqual({
      rateLimit: undefined,
      burstLimit: 10,
    });
  });

  it('reads EVENT_DESTINATIONS_* environment variables, and context wins over them', () => {
    const env = {
      EVENT_DESTINATIONS_STACK_NAME: 'events-staging',
      EVENT_DESTINATIONS_TOPICS: 'a,b',
      EVENT_DESTINATIONS_MAX_RETRIES: '3',
      EVENT_DESTINATIONS_ALERT_EMAIL: 'ops@example.com',
      EVENT_DESTINATIONS_PORTAL_URL: 'https://portal.example.com',
      EVENT_DESTINATIONS_LOG_LEVEL: 'WARN',
      EVENT_DESTINATIONS_BILLING_MODE: 'PAY_PER_REQUEST',
      EVENT_DESTINATIONS_DELIVERY_MAX_CONCURRENCY: '8',
      EVENT_DESTINATIONS_ALARM_API5XX_COUNT: '2',
      EVENT_DESTINATIONS_CUSTOM_DOMAIN_NAME: 'events.example.com',
      EVENT_DESTINATIONS_CUSTOM_DOMAIN_CERTIFICATE_ARN: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
      EVENT_DESTINATIONS_RETENTION_DAYS: '',
    };
    const fromEnv = fromContext({}, env);
    expect(fromEnv.stackName).toBe('events-staging');
    expect(fromEnv.props).toMatchObject({
      topics: ['a', 'b'],
      retry: { maxRetries: 3 },
      alertEmail: 'ops@example.com',
      portalUrl: 'https://portal.example.com',
      logLevel: 'WARN',
      billingMode: BillingMode.PAY_PER_REQUEST,
      deliveryMaxConcurrency: 8,
      alarmThresholds: { api5xxCount: 2 },
      customDomain: { domainName: 'events.example.com' },
      // An empty variable is unset.
      retentionDays: undefined,
    });
    const both = fromContext({ maxRetries: '7', logLevel: 'error', stackName: 'events-prod' }, env);
    expect(both.stackName).toBe('events-prod');
    expect(both.props.retry?.maxRetries).toBe(7);
    expect(both.props.logLevel).toBe('ERROR');
    expect(both.props.topics).toEqual(['a', 'b']);
  });

  it('names each key EVENT_DESTINATIONS_ + SCREAMING_SNAKE_CASE', () => {
    expect(environmentVariableOf('maxRetries')).toBe('EVENT_DESTINATIONS_MAX_RETRIES');
    expect(environmentVariableOf('alarmApi5xxCount')).toBe('EVENT_DESTINATIONS_ALARM_API5XX_COUNT');
    expect(environmentVariableOf('customDomainCertificateArn')).toBe(
      'EVENT_DESTINATIONS_CUSTOM_DOMAIN_CERTIFICATE_ARN',
    );
  });

  it('builds operatorEvents from operatorEventsHttpUrl and operatorEventsTopics', () => {
    expect(propsFrom({ operatorEventsHttpUrl: 'https://ops.example.com/alerts' }).operatorEvents).toEqual({
      httpUrl: 'https://ops.example.com/alerts',
      topics: undefined,
    });
    expect(
      propsFrom({
        operatorEventsHttpUrl: 'https://ops.example.com/alerts',
        operatorEventsTopics: 'alert.destination.disabled, alert.destination.recovered',
      }).operatorEvents,
    ).toEqual({
      httpUrl: 'https://ops.example.com/alerts',
      topics: ['alert.destination.disabled', 'alert.destination.recovered'],
    });
    expect(propsFrom({}).operatorEvents).toBeUndefined();
  });

  it.each([
    [{ operatorEventsTopics: '*' }, /^context operatorEventsTopics: set operatorEventsHttpUrl too/],
    [{ operatorEventsHttpUrl: 42 }, /^context operatorEventsHttpUrl: expected a string/],
    [{ maxRetries: 'ten' }, /^context maxRetries: expected an integer, got "ten"/],
    [{ maxRetries: '2.5' }, /^context maxRetries: expected an integer/],
    [{ retentionDays: '' }, /^context retentionDays: expected an integer/],
    [{ retrySchedule: '30,soon' }, /^context retrySchedule: expected a number, got "soon"/],
    [{ autoDisableDestinations: 'maybe' }, /^context autoDisableDestinations: expected true or false/],
    [{ removalPolicy: 'keep' }, /^context removalPolicy: expected retain or destroy, got "keep"/],
    [{ removalPolicy: 'snapshot' }, /^context removalPolicy: expected retain or destroy/],
    [{ billingMode: 'on-demand' }, /^context billingMode: expected pay_per_request or provisioned/],
    [{ logLevel: 'verbose' }, /^context logLevel: expected debug, info, warn or error, got "verbose"/],
    [{ topics: 3 }, /^context topics: expected a comma-separated list/],
    [{ deliveryMaxConcurrency: 'many' }, /^context deliveryMaxConcurrency: expected an integer/],
    [{ apiThrottleRateLimit: 'fast' }, /^context apiThrottleRateLimit: expected a number/],
    [{ alarmQueueAgeSeconds: '10m' }, /^context alarmQueueAgeSeconds: expected an integer/],
    [
      { customDomainName: 'events.example.com' },
      /^customDomainCertificateArn \(context or EVENT_DESTINATIONS_CUSTOM_DOMAIN_CERTIFICATE_ARN\): required with customDomainName/,
    ],
    [
      { customDomainCertificateArn: 'arn:aws:acm:us-east-1:1:certificate/x' },
      /^customDomainName \(context or EVENT_DESTINATIONS_CUSTOM_DOMAIN_NAME\): required with customDomainCertificateArn/,
    ],
  ])('rejects %j naming the key', (context, message) => {
    expect(() => fromContext(context)).toThrow(message);
  });

  it('names the environment variable when the bad value came from one', () => {
    expect(() => fromContext({}, { EVENT_DESTINATIONS_MAX_RETRIES: 'x' })).toThrow(
      /^EVENT_DESTINATIONS_MAX_RETRIES: expected an integer, got "x"/,
    );
    expect(() => fromContext({}, { EVENT_DESTINATIONS_RETRY_SCHEDULE: '5,x' })).toThrow(
      /^EVENT_DESTINATIONS_RETRY_SCHEDULE: expected a number, got "x"/,
    );
  });

  it('gives props the stack accepts: a custom domain from a certificate ARN synthesizes', () => {
    const { props } = fromContext({
      customDomainName: 'events.example.com',
      customDomainCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      portalUrl: 'https://portal.example.com',
      logLevel: 'warn',
    });
    const template = synthesizeTemplate({ props });
    const [, domain] = Object.entries(template.Resources).find(
      ([, resource]) => resource.Type === 'AWS::ApiGatewayV2::DomainName',
    )!;
    expect(domain.Properties).toMatchObject({
      DomainName: 'events.example.com',
      DomainNameConfigurations: [
        expect.objectContaining({
          CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
        }),
      ],
    });
  });

  it('are all documented in docs/deploy.md with their environment variables', () => {
    const deployDoc = readFileSync(path.join(PROJECT_ROOT, 'docs/deploy.md'), 'utf8');
    const missing = SETTING_KEYS.flatMap((key: SettingKey) =>
      [`\`${key}\``, `\`${environmentVariableOf(key)}\``].filter((name) => !deployDoc.includes(name)),
    );
    expect(missing).toEqual([]);
  });
});
