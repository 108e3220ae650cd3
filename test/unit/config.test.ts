import { ConfigError, exponentialSchedule, loadConfig } from '../../lambdas/core/config';

describe('loadConfig', () => {
  it('applies Outpost-compatible defaults', () => {
    const config = loadConfig({});
    expect(config.api.port).toBe(3333);
    expect(config.topics).toBeNull();
    expect(config.retry.scheduleSeconds).toEqual([30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360]);
    expect(config.delivery.timeoutMs).toBe(5000);
    expect(config.delivery.responseCapBytes).toBe(128 * 1024);
    expect(config.alerts).toMatchObject({ consecutiveFailureCount: 100, autoDisable: true, topics: '*' });
    expect(config.alerts.httpUrl).toBeUndefined();
    expect(config.dataDir).toBe('.data');
  });

  it.each([
    [
      { TOPICS: 'user.created, user.deleted,,' },
      (c: ReturnType<typeof loadConfig>) => c.topics,
      ['user.created', 'user.deleted'],
    ],
    [
      { MAX_RETRY_LIMIT: '3', RETRY_INTERVAL_SECONDS: '5' },
      (c: ReturnType<typeof loadConfig>) => c.retry.scheduleSeconds,
      [5, 10, 20],
    ],
    [
      { RETRY_SCHEDULE: '1,5,60', MAX_RETRY_LIMIT: '9' },
      (c: ReturnType<typeof loadConfig>) => c.retry.scheduleSeconds,
      [1, 5, 60],
    ],
    [{ MAX_RETRY_LIMIT: '0' }, (c: ReturnType<typeof loadConfig>) => c.retry.scheduleSeconds, []],
    [{ DELIVERY_TIMEOUT_SECONDS: '1.5' }, (c: ReturnType<typeof loadConfig>) => c.delivery.timeoutMs, 1500],
    [
      { ALERT_AUTO_DISABLE_DESTINATION: 'false' },
      (c: ReturnType<typeof loadConfig>) => c.alerts.autoDisable,
      false,
    ],
    [{ API_PORT: '0' }, (c: ReturnType<typeof loadConfig>) => c.api.port, 0],
    [
      { OPERATOR_EVENTS_TOPICS: 'alert.destination.disabled, alert.destination.recovered' },
      (c: ReturnType<typeof loadConfig>) => c.alerts.topics,
      ['alert.destination.disabled', 'alert.destination.recovered'],
    ],
    [
      { OPERATOR_EVENTS_TOPICS: 'alert.destination.disabled,*' },
      (c: ReturnType<typeof loadConfig>) => c.alerts.topics,
      '*',
    ],
    [
      { DELIVERY_QUEUE_URLS: '{"webhook":"http://q"}' },
      (c: ReturnType<typeof loadConfig>) => c.deliveryQueueUrls,
      { webhook: 'http://q' },
    ],
  ])('parses %j', (env, pick, expected) => {
    expect(pick(loadConfig(env))).toEqual(expected);
  });

  it.each([
    [{ API_PORT: 'eighty' }, 'API_PORT'],
    [{ API_PORT: '70000' }, 'API_PORT'],
    [{ MAX_RETRY_LIMIT: '-1' }, 'MAX_RETRY_LIMIT'],
    [{ RETRY_SCHEDULE: '1,x,3' }, 'RETRY_SCHEDULE'],
    [{ RETRY_SCHEDULE: '0' }, 'RETRY_SCHEDULE'],
    [{ ALERT_AUTO_DISABLE_DESTINATION: 'maybe' }, 'ALERT_AUTO_DISABLE_DESTINATION'],
    [{ API_KEY: 'short' }, 'API_KEY'],
    [{ DEPLOYMENT_MODE: 'cloud' }, 'DEPLOYMENT_MODE'],
    [{ OPERATOR_EVENTS_TOPICS: 'alert.nope' }, 'OPERATOR_EVENTS_TOPICS'],
    [{ OPERATOR_EVENTS_HTTP_URL: 'not a url' }, 'OPERATOR_EVENTS_HTTP_URL'],
    [{ DELIVERY_QUEUE_URLS: 'not json' }, 'DELIVERY_QUEUE_URLS'],
  ])('rejects %j naming the variable', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ TOPICS: '', API_KEY: '' }).topics).toBeNull();
  });
});

describe('exponentialSchedule', () => {
  it('doubles from the interval for each retry (about 8.5 h in total by default)', () => {
    const schedule = exponentialSchedule(30, 10);
    expect(schedule[0]).toBe(30);
    expect(schedule[9]).toBe(15360);
    expect(schedule.reduce((sum, delay) => sum + delay, 0)).toBe(30690);
  });
});
