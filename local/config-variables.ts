/**
 * The environment variables of lambdas/core/config.ts as the local runtime sees them: which ones a
 * developer may set for `npm start` (passed through to the handlers) and which ones the runtime owns
 * (table names and queue URLs stay those of the local emulators). config.ts does not export its
 * variable names, so test/integration/local-runtime/config-variables.test.ts keeps this list in step.
 */

export interface ConfigVariable {
  name: string;
  /** One line for `npm start -- --help`. */
  description: string;
  /** True when the local runtime sets it and ignores the developer's value. */
  managed: boolean;
}

const settable = (name: string, description: string): ConfigVariable => ({
  name,
  description,
  managed: false,
});
const managed = (name: string, description: string): ConfigVariable => ({ name, description, managed: true });

export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  managed('DEPLOYMENT_MODE', 'always "local" here'),
  settable('API_PORT', 'API port (default 3333; --port wins)'),
  settable('API_KEY', 'admin API key (default: generated once and kept in <data dir>/secrets.json)'),
  settable('API_JWT_SECRET', 'tenant JWT signing secret, >= 32 characters (default: generated and kept)'),
  settable('TOPICS', 'comma-separated topic list (default: any topic)'),
  settable('MAX_RETRY_LIMIT', 'automatic retries per delivery (default 10)'),
  settable('RETRY_INTERVAL_SECONDS', 'base of the exponential retry schedule (default 30)'),
  settable('RETRY_SCHEDULE', 'explicit comma-separated retry delays in seconds (overrides the two above)'),
  settable('RETRY_MAX_DELAY_SECONDS', 'cap on one retry delay (default 21600)'),
  settable('RETRY_JITTER', 'fraction of each delay that is randomised, 0..1 (default 0.2)'),
  settable('DELIVERY_TIMEOUT_SECONDS', 'timeout of one delivery attempt (default 5)'),
  settable('DELIVERY_RESPONSE_CAP_BYTES', 'response bytes kept per attempt (default 131072)'),
  settable('MAX_EVENT_DATA_BYTES', 'largest event data accepted by POST /publish (default 262144)'),
  settable(
    'ALERT_CONSECUTIVE_FAILURE_COUNT',
    'consecutive failures that disable a destination (default 100)',
  ),
  settable(
    'ALERT_AUTO_DISABLE_DESTINATION',
    'disable a destination at the threshold, true/false (default true)',
  ),
  settable('MANUAL_RETRY_LIMIT', 'manual retries allowed per event and destination (default 10)'),
  settable('SECRET_ROTATION_GRACE_HOURS', 'hours a rotated webhook secret still signs (default 24)'),
  settable('EVENT_RETENTION_DAYS', 'days events and attempts are kept (default 30)'),
  settable('OPERATOR_EVENTS_HTTP_URL', 'URL of a signed HTTP sink for operator alerts'),
  settable('OPERATOR_EVENTS_HTTP_SIGNING_SECRET', 'secret signing the alert sink requests, >= 16 characters'),
  settable('OPERATOR_EVENTS_TOPICS', 'comma-separated alert topics sent, or * (default *)'),
  managed('ALERTS_TOPIC_ARN', 'the local SNS alerts topic, when the stack has one'),
  settable('PORTAL_URL', 'URL of the tenant portal'),
  settable('DATA_DIR', 'where local data persists (default .data; --data-dir wins)'),
  managed('DESTINATIONS_TABLE', 'the local destinations table'),
  managed('EVENTS_TABLE', 'the local events table'),
  managed('ATTEMPTS_TABLE', 'the local attempts table'),
  managed('DELIVERY_QUEUE_URLS', 'the local delivery queues'),
  settable(
    'CREDENTIALS_KEY',
    'base64 32-byte key encrypting destination credentials (default: generated and kept)',
  ),
  managed('CREDENTIALS_KMS_KEY_ID', 'AWS only'),
];

export const MANAGED_VARIABLES: ReadonlySet<string> = new Set(
  CONFIG_VARIABLES.filter((variable) => variable.managed).map((variable) => variable.name),
);

/** The developer's settings among `env` (for `npm start`, which reads them from process.env). */
export function configOverrides(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    CONFIG_VARIABLES.flatMap(({ name, managed: isManaged }) => {
      const value = env[name];
      return !isManaged && value !== undefined && value !== '' ? [[name, value]] : [];
    }),
  );
}
