import { loadConfig } from '../lambdas/core/config';

/** Delivery retry policy of a deployment; every destination inherits it unless it sets its own. */
export interface RetrySettings {
  /** Base of the exponential schedule: retry n waits interval × 2^(n-1) seconds. @default 30 */
  readonly intervalSeconds?: number;
  /** Retries after the first attempt. @default 10 */
  readonly maxRetries?: number;
  /**
   * Explicit delay in seconds before each retry (its length is the retry limit); replaces the
   * exponential schedule.
   * @default - the exponential schedule of intervalSeconds and maxRetries
   */
  readonly schedule?: number[];
  /** Cap on any single delay, `Retry-After` included. @default 21600 (6 hours) */
  readonly maxDelaySeconds?: number;
  /** Fraction of each delay that is randomised, 0..1 (0.2: each delay lands in 80-120 %). @default 0.2 */
  readonly jitter?: number;
}

/** The deployment settings every handler reads through loadConfig (lambdas/core/config.ts). */
export interface RuntimeSettings {
  /** Topics events may be published to. @default - any topic */
  readonly topics?: string[];
  /** @default - 30 s doubling for 10 retries, each delay at most 6 hours */
  readonly retry?: RetrySettings;
  /** Timeout of one delivery attempt. @default 5 */
  readonly deliveryTimeoutSeconds?: number;
  /** Consecutive failures that disable a destination; alerts fire at 50/70/90/100 % of it. @default 100 */
  readonly alertConsecutiveFailureCount?: number;
  /** Disable a destination when its consecutive failures reach the threshold. @default true */
  readonly autoDisableDestinations?: boolean;
  /** Days events and attempts are kept (DynamoDB TTL). @default 30 */
  readonly retentionDays?: number;
  /** Manual retries (POST /retry) allowed per delivery, so a tenant cannot hammer a target. @default 10 */
  readonly manualRetryLimit?: number;
  /** Largest event `data` accepted, in bytes (413 beyond). @default 262144 (256 KiB) */
  readonly maxEventDataBytes?: number;
  /** Bytes of each destination response kept on its attempt. @default 131072 (128 KiB) */
  readonly deliveryResponseCapBytes?: number;
  /** Hours a rotated webhook secret keeps signing beside the new one. @default 24 */
  readonly secretRotationGraceHours?: number;
}

/**
 * The settings as the environment variables loadConfig reads (Outpost's names), every one present so a
 * function's configuration can be read off the template. Validated here by loadConfig itself, so a
 * bad value fails `cdk synth` rather than every cold start.
 */
export function runtimeSettingsEnvironment(settings: RuntimeSettings): Record<string, string> {
  const retry = settings.retry ?? {};
  if (retry.schedule && retry.maxRetries !== undefined && retry.maxRetries !== retry.schedule.length) {
    throw new Error(
      `retry.maxRetries (${retry.maxRetries}) contradicts retry.schedule (${retry.schedule.length} delays)`,
    );
  }
  const commaTopic = settings.topics?.find((topic) => topic.includes(','));
  if (commaTopic !== undefined) throw new Error(`topic "${commaTopic}" contains a comma, the list separator`);
  const environment = {
    TOPICS: (settings.topics ?? []).join(','),
    MAX_RETRY_LIMIT: String(retry.schedule?.length ?? retry.maxRetries ?? 10),
    RETRY_INTERVAL_SECONDS: String(retry.intervalSeconds ?? 30),
    RETRY_SCHEDULE: (retry.schedule ?? []).join(','),
    RETRY_MAX_DELAY_SECONDS: String(retry.maxDelaySeconds ?? 21600),
    RETRY_JITTER: String(retry.jitter ?? 0.2),
    DELIVERY_TIMEOUT_SECONDS: String(settings.deliveryTimeoutSeconds ?? 5),
    ALERT_CONSECUTIVE_FAILURE_COUNT: String(settings.alertConsecutiveFailureCount ?? 100),
    ALERT_AUTO_DISABLE_DESTINATION: String(settings.autoDisableDestinations ?? true),
    EVENT_RETENTION_DAYS: String(settings.retentionDays ?? 30),
    MANUAL_RETRY_LIMIT: String(settings.manualRetryLimit ?? 10),
    MAX_EVENT_DATA_BYTES: String(settings.maxEventDataBytes ?? 256 * 1024),
    DELIVERY_RESPONSE_CAP_BYTES: String(settings.deliveryResponseCapBytes ?? 128 * 1024),
    SECRET_ROTATION_GRACE_HOURS: String(settings.secretRotationGraceHours ?? 24),
  };
  loadConfig(environment);
  return environment;
}
