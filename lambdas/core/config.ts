import { z } from 'zod';
import { ALERT_TOPICS, type AlertTopic } from './alerts';

/**
 * The one typed configuration object, parsed once from the environment. Names follow Outpost's
 * where Outpost has the setting, so an Outpost deployment's environment carries over.
 */

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const environmentSchema = z.object({
  DEPLOYMENT_MODE: z.enum(['local', 'aws']).default('aws'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3333),
  API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  API_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  TOPICS: commaList.optional(),
  MAX_RETRY_LIMIT: nonNegativeInt.max(100).default(10),
  RETRY_INTERVAL_SECONDS: positiveInt.default(30),
  RETRY_SCHEDULE: commaList
    .pipe(z.array(z.string().regex(/^[1-9][0-9]*$/, 'each delay must be a positive whole number of seconds')))
    .transform((delays) => delays.map(Number))
    .optional(),
  RETRY_MAX_DELAY_SECONDS: positiveInt.default(21600),
  RETRY_JITTER: z.coerce.number().min(0).max(1).default(0.2),
  DELIVERY_TIMEOUT_SECONDS: z.coerce.number().positive().max(900).default(5),
  DELIVERY_RESPONSE_CAP_BYTES: positiveInt.default(128 * 1024),
  // An event is one DynamoDB item, and an item holds at most 400 KB with its other attributes.
  MAX_EVENT_DATA_BYTES: positiveInt
    .max(384 * 1024, 'must be at most 393216 (an event is one DynamoDB item)')
    .default(256 * 1024),
  ALERT_CONSECUTIVE_FAILURE_COUNT: positiveInt.default(100),
  MANUAL_RETRY_LIMIT: nonNegativeInt.default(10),
  ALERT_AUTO_DISABLE_DESTINATION: booleanFlag.default(true),
  SECRET_ROTATION_GRACE_HOURS: z.coerce.number().min(0).default(24),
  EVENT_RETENTION_DAYS: positiveInt.default(30),
  PORTAL_URL: z.string().url().optional(),
  OPERATOR_EVENTS_HTTP_URL: z.string().url().optional(),
  OPERATOR_EVENTS_HTTP_SIGNING_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  OPERATOR_EVENTS_TOPICS: commaList
    .pipe(z.array(z.union([z.literal('*'), z.enum(ALERT_TOPICS)])))
    .transform((topics): AlertTopic[] | '*' =>
      topics.length === 0 || topics.includes('*') ? '*' : (topics as AlertTopic[]),
    )
    .default('*'),
  /** AWS mode: the SNS alerts topic. */
  ALERTS_TOPIC_ARN: z.string().optional(),
  DATA_DIR: z.string().default('.data'),
  DESTINATIONS_TABLE: z.string().default('event-destinations-destinations'),
  EVENTS_TABLE: z.string().default('event-destinations-events'),
  ATTEMPTS_TABLE: z.string().default('event-destinations-attempts'),
  /** JSON map of destination type -> delivery queue URL, written by the stack / local runtime. */
  DELIVERY_QUEUE_URLS: z
    .string()
    .transform((value, ctx) => {
      try {
        return z.record(z.string(), z.string()).parse(JSON.parse(value));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of type -> queue URL' });
        return z.NEVER;
      }
    })
    .default({}),
  /** Local mode: base64 32-byte key for credential encryption (the runtime keeps one in DATA_DIR). */
  CREDENTIALS_KEY: z.string().optional(),
  /** AWS mode: KMS key for credential envelope encryption. */
  CREDENTIALS_KMS_KEY_ID: z.string().optional(),
});

export interface RetryPolicy {
  /** Delay in seconds before retry n (index 0 = first retry); its length is the retry limit. */
  scheduleSeconds: number[];
  maxDelaySeconds: number;
  /** Fraction of each delay that is randomised (0.2 = the delay lands in [80 %, 120 %]). */
  jitter: number;
}

export interface Config {
  mode: 'local' | 'aws';
  api: {
    port: number;
    apiKey?: string;
    jwtSecret?: string;
    maxEventDataBytes: number;
    portalUrl?: string;
  };
  /** Configured topics, or null when any topic is accepted. */
  topics: string[] | null;
  retry: RetryPolicy;
  delivery: {
    timeoutMs: number;
    responseCapBytes: number;
    secretRotationGraceMs: number;
  };
  alerts: {
    consecutiveFailureCount: number;
    autoDisable: boolean;
    /** Outpost's OPERATOR_EVENTS_* settings: an optional signed HTTP sink and the topics sent. */
    httpUrl?: string;
    httpSigningSecret?: string;
    topics: AlertTopic[] | '*';
    snsTopicArn?: string;
  };
  /** Manual retries allowed per delivery (event, destination), so a tenant cannot hammer a target. */
  manualRetryLimit: number;
  retentionDays: number;
  dataDir: string;
  tables: { destinations: string; events: string; attempts: string };
  deliveryQueueUrls: Record<string, string>;
  credentials: { localKey?: string; kmsKeyId?: string };
}

export class ConfigError extends Error {}

/** Exponential schedule of Outpost: interval x 2^(n-1) for each of `limit` retries. */
export function exponentialSchedule(intervalSeconds: number, limit: number): number[] {
  return Array.from({ length: limit }, (_, index) => intervalSeconds * 2 ** index);
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = environmentSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    mode: e.DEPLOYMENT_MODE,
    api: {
      port: e.API_PORT,
      apiKey: e.API_KEY,
      jwtSecret: e.API_JWT_SECRET,
      maxEventDataBytes: e.MAX_EVENT_DATA_BYTES,
      portalUrl: e.PORTAL_URL,
    },
    topics: e.TOPICS && e.TOPICS.length > 0 ? e.TOPICS : null,
    retry: {
      scheduleSeconds: e.RETRY_SCHEDULE ?? exponentialSchedule(e.RETRY_INTERVAL_SECONDS, e.MAX_RETRY_LIMIT),
      maxDelaySeconds: e.RETRY_MAX_DELAY_SECONDS,
      jitter: e.RETRY_JITTER,
    },
    delivery: {
      timeoutMs: Math.round(e.DELIVERY_TIMEOUT_SECONDS * 1000),
      responseCapBytes: e.DELIVERY_RESPONSE_CAP_BYTES,
      secretRotationGraceMs: e.SECRET_ROTATION_GRACE_HOURS * 3600 * 1000,
    },
    alerts: {
      consecutiveFailureCount: e.ALERT_CONSECUTIVE_FAILURE_COUNT,
      autoDisable: e.ALERT_AUTO_DISABLE_DESTINATION,
      httpUrl: e.OPERATOR_EVENTS_HTTP_URL,
      httpSigningSecret: e.OPERATOR_EVENTS_HTTP_SIGNING_SECRET,
      topics: e.OPERATOR_EVENTS_TOPICS,
      snsTopicArn: e.ALERTS_TOPIC_ARN,
    },
    manualRetryLimit: e.MANUAL_RETRY_LIMIT,
    retentionDays: e.EVENT_RETENTION_DAYS,
    dataDir: e.DATA_DIR,
    tables: { destinations: e.DESTINATIONS_TABLE, events: e.EVENTS_TABLE, attempts: e.ATTEMPTS_TABLE },
    deliveryQueueUrls: e.DELIVERY_QUEUE_URLS,
    credentials: { localKey: e.CREDENTIALS_KEY, kmsKeyId: e.CREDENTIALS_KMS_KEY_ID },
  };
}
