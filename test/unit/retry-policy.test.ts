import { exponentialSchedule, type RetryPolicy } from '../../lambdas/core/config';
import { nextRetryDelay, parseRetryAfter } from '../../lambdas/core/retry-policy';

const defaultPolicy: RetryPolicy = {
  scheduleSeconds: exponentialSchedule(30, 10),
  maxDelaySeconds: 21600,
  jitter: 0.2,
};
const middle = (): number => 0.5;

describe('nextRetryDelay', () => {
  it.each([
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [5, 480_000],
    [10, 15_360_000],
  ])(
    'default schedule: retry after attempt %i waits %i ms (no jitter at random 0.5)',
    (attempt, expected) => {
      expect(nextRetryDelay(defaultPolicy, attempt, { random: middle })).toBe(expected);
    },
  );

  it.each([11, 12, 100])('returns null after the 10 retries are used up (attempt %i)', (attempt) => {
    expect(nextRetryDelay(defaultPolicy, attempt, { random: middle })).toBeNull();
  });

  it.each([
    ['lowest random', 0, 24_000],
    ['highest random', 0.999_999, 35_999.976],
    ['quarter', 0.25, 27_000],
  ])('jitter lands in [d(1-j), d(1+j)]: %s', (_label, random, expected) => {
    expect(nextRetryDelay(defaultPolicy, 1, { random: () => random })).toBe(Math.round(expected));
  });

  it.each<[string, RetryPolicy, number, { retryAfterMs?: number; random?: () => number }, number | null]>([
    [
      'schedule above the cap is capped',
      { scheduleSeconds: [7200], maxDelaySeconds: 3600, jitter: 0 },
      1,
      {},
      3_600_000,
    ],
    [
      'jitter above the cap is capped',
      { scheduleSeconds: [3600], maxDelaySeconds: 3600, jitter: 0.5 },
      1,
      { random: () => 0.99 },
      3_600_000,
    ],
    [
      'Retry-After longer than the schedule wins',
      { scheduleSeconds: [30], maxDelaySeconds: 3600, jitter: 0 },
      1,
      { retryAfterMs: 120_000 },
      120_000,
    ],
    [
      'Retry-After shorter than the schedule is ignored',
      { scheduleSeconds: [30], maxDelaySeconds: 3600, jitter: 0 },
      1,
      { retryAfterMs: 5_000 },
      30_000,
    ],
    [
      'Retry-After above the cap is capped',
      { scheduleSeconds: [30], maxDelaySeconds: 60, jitter: 0 },
      1,
      { retryAfterMs: 86_400_000 },
      60_000,
    ],
    [
      'Retry-After does not extend the retry limit',
      { scheduleSeconds: [30], maxDelaySeconds: 60, jitter: 0 },
      2,
      { retryAfterMs: 1_000 },
      null,
    ],
    [
      'a custom schedule is used as given',
      { scheduleSeconds: [5, 300, 3600], maxDelaySeconds: 86400, jitter: 0 },
      2,
      {},
      300_000,
    ],
    [
      'an empty schedule means no retries',
      { scheduleSeconds: [], maxDelaySeconds: 60, jitter: 0 },
      1,
      {},
      null,
    ],
  ])('%s', (_label, policy, attempt, options, expected) => {
    expect(nextRetryDelay(policy, attempt, options)).toBe(expected);
  });

  it('stays within the jitter bounds with the default random source', () => {
    const delay = nextRetryDelay(defaultPolicy, 2, {});
    expect(delay).toBeGreaterThanOrEqual(48_000);
    expect(delay).toBeLessThanOrEqual(72_000);
  });

  it.each([0, -1, 1.5])('rejects attempt number %p', (attempt) => {
    expect(() => nextRetryDelay(defaultPolicy, attempt, {})).toThrow(RangeError);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2025-03-01T12:00:00Z');
  it.each<[string, string | undefined, number | undefined]>([
    ['delay-seconds', '120', 120_000],
    ['delay-seconds with spaces', ' 5 ', 5_000],
    ['zero', '0', 0],
    ['IMF-fixdate in the future', 'Sat, 01 Mar 2025 12:00:30 GMT', 30_000],
    ['RFC 850 date', 'Saturday, 01-Mar-25 12:01:00 GMT', 60_000],
    ['date in the past means now', 'Sat, 01 Mar 2025 11:00:00 GMT', 0],
    ['absent', undefined, undefined],
    ['empty', '', undefined],
    ['negative', '-5', undefined],
    ['fraction', '1.5', undefined],
    ['garbage', 'soon', undefined],
    ['ISO date is not an HTTP-date', '2025-03-01T12:00:30Z', undefined],
  ])('%s: %p', (_label, header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});
