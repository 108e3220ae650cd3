import { RemovalPolicy } from 'aws-cdk-lib';
import type { EventDestinationsStackProps } from './event-destinations-stack';

/** Reads one context value (`-c key=value` on the CLI, or cdk.json's `context`). */
export type ContextReader = (key: string) => unknown;

/**
 * Stack props from CDK context, e.g. `cdk deploy -c topics=user.created,user.deleted -c maxRetries=5`.
 * CLI values arrive as strings, cdk.json values as JSON; both are accepted. Unset keys keep the defaults.
 */
export function stackPropsFromContext(read: ContextReader): EventDestinationsStackProps {
  const number = (key: string) => numberValue(key, read(key));
  const list = (key: string) => listValue(key, read(key));
  const schedule = list('retrySchedule');
  const operatorEventsHttpUrl = stringValue('operatorEventsHttpUrl', read('operatorEventsHttpUrl'));
  const operatorEventsTopics = list('operatorEventsTopics');
  if (operatorEventsTopics && !operatorEventsHttpUrl) {
    throw new Error('context operatorEventsTopics: set operatorEventsHttpUrl too');
  }
  return {
    topics: list('topics'),
    retry: {
      intervalSeconds: number('retryIntervalSeconds'),
      maxRetries: number('maxRetries'),
      schedule: schedule?.map((delay) => numberValue('retrySchedule', delay) as number),
      maxDelaySeconds: number('retryMaxDelaySeconds'),
    },
    deliveryTimeoutSeconds: number('deliveryTimeoutSeconds'),
    alertConsecutiveFailureCount: number('alertConsecutiveFailureCount'),
    autoDisableDestinations: booleanValue('autoDisableDestinations', read('autoDisableDestinations')),
    retentionDays: number('retentionDays'),
    removalPolicy: removalPolicyValue(read('removalPolicy')),
    corsAllowOrigins: list('corsAllowOrigins'),
    alertEmail: stringValue('alertEmail', read('alertEmail')),
    portalUrl: stringValue('portalUrl', read('portalUrl')),
    logLevel: stringValue('logLevel', read('logLevel')) as EventDestinationsStackProps['logLevel'],
    operatorEvents: operatorEventsHttpUrl
      ? { httpUrl: operatorEventsHttpUrl, topics: operatorEventsTopics }
      : undefined,
  };
}

function numberValue(key: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'boolean' || value === '' || !Number.isFinite(parsed)) {
    throw new Error(`context ${key}: expected a number, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function stringValue(key: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new Error(`context ${key}: expected a string, got ${JSON.stringify(value)}`);
}

function listValue(key: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') throw new Error(`context ${key}: expected a comma-separated list`);
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function booleanValue(key: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Error(`context ${key}: expected true or false, got ${JSON.stringify(value)}`);
}

const REMOVAL_POLICIES: Record<string, RemovalPolicy> = {
  retain: RemovalPolicy.RETAIN,
  destroy: RemovalPolicy.DESTROY,
  snapshot: RemovalPolicy.SNAPSHOT,
};

function removalPolicyValue(value: unknown): RemovalPolicy | undefined {
  if (value === undefined) return undefined;
  const policy = typeof value === 'string' ? REMOVAL_POLICIES[value.toLowerCase()] : undefined;
  if (!policy)
    throw new Error(
      `context removalPolicy: expected retain, destroy or snapshot, got ${JSON.stringify(value)}`,
    );
  return policy;
}
