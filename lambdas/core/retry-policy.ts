import type { RetryPolicy } from './config';

export interface RetryDelayOptions {
  /** The pause the target asked for (Retry-After), in ms. */
  retryAfterMs?: number;
  /** Uniform in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

/**
 * Delay in ms before the attempt after `failedAttemptNumber` (1-based), or null when the policy's
 * retries are used up. Pure over the policy it is given, so a per-destination policy is just
 * another argument.
 *
 * The scheduled delay is spread uniformly over [d·(1-jitter), d·(1+jitter)] so that deliveries that
 * failed together (a target outage) do not all come back in the same second. A Retry-After longer
 * than that is honoured, but nothing ever waits longer than maxDelaySeconds.
 */
export function nextRetryDelay(
  policy: RetryPolicy,
  failedAttemptNumber: number,
  options: RetryDelayOptions = {},
): number | null {
  if (!Number.isInteger(failedAttemptNumber) || failedAttemptNumber < 1) {
    throw new RangeError(`attempt numbers start at 1, got ${failedAttemptNumber}`);
  }
  const scheduledSeconds = policy.scheduleSeconds[failedAttemptNumber - 1];
  if (scheduledSeconds === undefined) return null;

  const maxDelayMs = policy.maxDelaySeconds * 1000;
  const random = options.random ?? Math.random;
  const spread = 1 - policy.jitter + 2 * policy.jitter * random();
  const jitteredMs = Math.min(scheduledSeconds * 1000 * spread, maxDelayMs);
  const askedMs = options.retryAfterMs ?? 0;
  return Math.round(Math.min(Math.max(jitteredMs, askedMs), maxDelayMs));
}

const DELAY_SECONDS = /^\d+$/;
/** IMF-fixdate, RFC 850 and asctime all start with a day name; V8's Date.parse alone accepts "1.5". */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /;

/**
 * A Retry-After header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) as ms from `now`;
 * undefined when absent or unparseable. A date in the past means "now" (0).
 */
export function parseRetryAfter(headerValue: string | undefined, now: Date): number | undefined {
  const value = headerValue?.trim();
  if (!value) return undefined;
  if (DELAY_SECONDS.test(value)) return Number(value) * 1000;
  const at = HTTP_DATE.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
