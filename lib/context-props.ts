import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BillingMode } from 'aws-cdk-lib/aws-dynamodb';
import type { EventDestinationsStackProps } from './event-destinations-stack';

/** Reads one context value (`-c key=value` on the CLI, or cdk.json's `context`). */
export type ContextReader = (key: string) => unknown;

type Environment = Record<string, string | undefined>;

/**
 * Every key the CDK app reads. Each is also read from the environment variable
 * `EVENT_DESTINATIONS_<KEY IN SCREAMING_SNAKE_CASE>` (environmentVariableOf) when the context does
 * not set it: context wins. docs/deploy.md lists them.
 */
export const SETTING_KEYS = [
  'stackName',
  'topics',
  'retryIntervalSeconds',
  'maxRetries',
  'retrySchedule',
  'retryMaxDelaySeconds',
  'retryJitter',
  'deliveryTimeoutSeconds',
  'alertConsecutiveFailureCount',
  'autoDisableDestinations',
  'retentionDays',
  'manualRetryLimit',
  'maxEventDataBytes',
  'deliveryResponseCapBytes',
  'secretRotationGraceHours',
  'removalPolicy',
  'billingMode',
  'corsAllowOrigins',
  'apiThrottleRateLimit',
  'apiThrottleBurstLimit',
  'customDomainName',
  'customDomainCertificateArn',
  'alertEmail',
  'portalUrl',
  'logLevel',
  'sourceMapStackTraces',
  'deliveryMaxConcurrency',
  'alarmQueueAgeSeconds',
  'alarmIngestQueueAgeSeconds',
  'alarmFailureRatePercent',
  'alarmFailureRateMinimumAttempts',
  'alarmApi5xxCount',
  'operatorEventsHttpUrl',
  'operatorEventsTopics',
] as const;

export type SettingKey = (typeof SETTING_KEYS)[number];

/** `maxRetries` -> `EVENT_DESTINATIONS_MAX_RETRIES`. */
export function environmentVariableOf(key: SettingKey): string {
  return `EVENT_DESTINATIONS_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

export interface AppSettings {
  /** @default - DEFAULT_STACK_NAME */
  readonly stackName?: string;
  readonly props: EventDestinationsStackProps;
}

/**
 * The app's stack name and props from CDK context, e.g.
 * `cdk deploy -c topics=user.created,user.deleted -c maxRetries=5`, else from the environment
 * (`EVENT_DESTINATIONS_TOPICS=…`). CLI and environment values are strings, cdk.json values JSON; both
 * are accepted. Unset keys keep the construct's defaults; a bad value throws naming its key.
 */
export function appSettingsFrom(readContext: ContextReader, env: Environment = {}): AppSettings {
  const setting = (key: SettingKey): Setting => {
    const fromContext = readContext(key);
    if (fromContext !== undefined) return { value: fromContext, name: `context ${key}` };
    const variable = environmentVariableOf(key);
    const fromEnv = env[variable];
    return { value: fromEnv === '' ? undefined : fromEnv, name: variable };
  };
  const number = (key: SettingKey) => numberValue(setting(key));
  const integer = (key: SettingKey) => numberValue(setting(key), { integer: true });
  const list = (key: SettingKey) => listValue(setting(key));
  const string = (key: SettingKey) => stringValue(setting(key));
  const schedule = setting('retrySchedule');
  const operatorEventsHttpUrl = string('operatorEventsHttpUrl');
  const operatorEventsTopics = list('operatorEventsTopics');
  if (operatorEventsTopics && !operatorEventsHttpUrl) {
    throw new Error(`${setting('operatorEventsTopics').name}: set operatorEventsHttpUrl too`);
  }
  const customDomainName = string('customDomainName');
  const customDomainCertificateArn = string('customDomainCertificateArn');
  if ((customDomainName === undefined) !== (customDomainCertificateArn === undefined)) {
    const [missing, given]: [SettingKey, SettingKey] =
      customDomainName === undefined
        ? ['customDomainName', 'customDomainCertificateArn']
        : ['customDomainCertificateArn', 'customDomainName'];
    throw new Error(`${missing} (context or ${environmentVariableOf(missing)}): required with ${given}`);
  }
  const apiThrottle = optionalObject({
    rateLimit: number('apiThrottleRateLimit'),
    burstLimit: integer('apiThrottleBurstLimit'),
  });
  const seconds = (key: SettingKey) => {
    const value = integer(key);
    return value === undefined ? undefined : Duration.seconds(value);
  };
  const alarmThresholds = optionalObject({
    queueAge: seconds('alarmQueueAgeSeconds'),
    ingestQueueAge: seconds('alarmIngestQueueAgeSeconds'),
    failureRatePercent: number('alarmFailureRatePercent'),
    failureRateMinimumAttempts: integer('alarmFailureRateMinimumAttempts'),
    api5xxCount: integer('alarmApi5xxCount'),
  });
  return {
    stackName: string('stackName'),
    props: {
      topics: list('topics'),
      retry: {
        intervalSeconds: number('retryIntervalSeconds'),
        maxRetries: integer('maxRetries'),
        schedule: listValue(schedule)?.map((delay) => numberValue({ ...schedule, value: delay }) as number),
        maxDelaySeconds: number('retryMaxDelaySeconds'),
        jitter: number('retryJitter'),
      },
      deliveryTimeoutSeconds: number('deliveryTimeoutSeconds'),
      alertConsecutiveFailureCount: integer('alertConsecutiveFailureCount'),
      autoDisableDestinations: booleanValue(setting('autoDisableDestinations')),
      retentionDays: integer('retentionDays'),
      manualRetryLimit: integer('manualRetryLimit'),
      maxEventDataBytes: integer('maxEventDataBytes'),
      deliveryResponseCapBytes: integer('deliveryResponseCapBytes'),
      secretRotationGraceHours: number('secretRotationGraceHours'),
      removalPolicy: oneOf(setting('removalPolicy'), REMOVAL_POLICIES),
      billingMode: oneOf(setting('billingMode'), BILLING_MODES),
      corsAllowOrigins: list('corsAllowOrigins'),
      ...(apiThrottle ? { apiThrottle } : {}),
      ...(customDomainName && customDomainCertificateArn
        ? { customDomain: { domainName: customDomainName, certificateArn: customDomainCertificateArn } }
        : {}),
      alertEmail: string('alertEmail'),
      portalUrl: string('portalUrl'),
      logLevel: oneOf(setting('logLevel'), LOG_LEVELS),
      sourceMapStackTraces: booleanValue(setting('sourceMapStackTraces')),
      deliveryMaxConcurrency: integer('deliveryMaxConcurrency'),
      ...(alarmThresholds ? { alarmThresholds } : {}),
      operatorEvents: operatorEventsHttpUrl
        ? { httpUrl: operatorEventsHttpUrl, topics: operatorEventsTopics }
        : undefined,
    },
  };
}

/** A raw value and how to name it in an error: `context maxRetries` or `EVENT_DESTINATIONS_MAX_RETRIES`. */
interface Setting {
  value: unknown;
  name: string;
}

/** The object, or undefined when none of its fields is set (so the construct's default applies). */
function optionalObject<T extends object>(fields: T): T | undefined {
  return Object.values(fields).some((value) => value !== undefined) ? fields : undefined;
}

function numberValue({ value, name }: Setting, options: { integer?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const parsed = typeof value === 'number' ? value : Number(value);
  const what = options.integer ? 'an integer' : 'a number';
  if (
    typeof value === 'boolean' ||
    value === '' ||
    !Number.isFinite(parsed) ||
    (options.integer && !Number.isInteger(parsed))
  ) {
    throw new Error(`${name}: expected ${what}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function stringValue({ value, name }: Setting): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new Error(`${name}: expected a string, got ${JSON.stringify(value)}`);
}

function listValue({ value, name }: Setting): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') throw new Error(`${name}: expected a comma-separated list`);
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function booleanValue({ value, name }: Setting): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Error(`${name}: expected true or false, got ${JSON.stringify(value)}`);
}

/** One of `choices` by its key, case-insensitively. */
function oneOf<T>({ value, name }: Setting, choices: Record<string, T>): T | undefined {
  if (value === undefined) return undefined;
  const choice = typeof value === 'string' ? choices[value.toLowerCase()] : undefined;
  if (choice === undefined) {
    const keys = Object.keys(choices);
    throw new Error(
      `${name}: expected ${keys.slice(0, -1).join(', ')} or ${keys.at(-1)}, got ${JSON.stringify(value)}`,
    );
  }
  return choice;
}

// SNAPSHOT is not offered: none of the stack's resources supports it (EventDestinations refuses it).
const REMOVAL_POLICIES: Record<string, RemovalPolicy> = {
  retain: RemovalPolicy.RETAIN,
  destroy: RemovalPolicy.DESTROY,
};

const BILLING_MODES: Record<string, BillingMode> = {
  pay_per_request: BillingMode.PAY_PER_REQUEST,
  provisioned: BillingMode.PROVISIONED,
};

const LOG_LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' } as const;
