import { RemovalPolicy } from 'aws-cdk-lib';
import { stackPropsFromContext } from '../../lib/context-props';

const fromContext = (context: Record<string, unknown>) => stackPropsFromContext((key) => context[key]);

describe('stackPropsFromContext', () => {
  it('leaves every prop at its default when no context is given', () => {
    const props = fromContext({});
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
      removalPolicy: undefined,
      corsAllowOrigins: undefined,
    });
  });

  it('parses CLI strings (-c key=value)', () => {
    expect(
      fromContext({
        topics: 'user.created, user.deleted,',
        retryIntervalSeconds: '10',
        maxRetries: '4',
        retrySchedule: '5,60',
        retryMaxDelaySeconds: '600',
        deliveryTimeoutSeconds: '2.5',
        alertConsecutiveFailureCount: '20',
        autoDisableDestinations: 'false',
        retentionDays: '7',
        removalPolicy: 'Destroy',
        corsAllowOrigins: 'https://portal.example.com',
      }),
    ).toEqual({
      topics: ['user.created', 'user.deleted'],
      retry: { intervalSeconds: 10, maxRetries: 4, schedule: [5, 60], maxDelaySeconds: 600 },
      deliveryTimeoutSeconds: 2.5,
      alertConsecutiveFailureCount: 20,
      autoDisableDestinations: false,
      retentionDays: 7,
      removalPolicy: RemovalPolicy.DESTROY,
      corsAllowOrigins: ['https://portal.example.com'],
    });
  });

  it('accepts JSON values from cdk.json', () => {
    const props = fromContext({
      topics: ['a', 'b'],
      retrySchedule: [1, 2],
      maxRetries: 2,
      autoDisableDestinations: true,
    });
    expect(props.topics).toEqual(['a', 'b']);
    expect(props.retry).toMatchObject({ schedule: [1, 2], maxRetries: 2 });
    expect(props.autoDisableDestinations).toBe(true);
  });

  it('builds operatorEvents from operatorEventsHttpUrl and operatorEventsTopics', () => {
    expect(fromContext({ operatorEventsHttpUrl: 'https://ops.example.com/alerts' }).operatorEvents).toEqual({
      httpUrl: 'https://ops.example.com/alerts',
      topics: undefined,
    });
    expect(
      fromContext({
        operatorEventsHttpUrl: 'https://ops.example.com/alerts',
        operatorEventsTopics: 'alert.destination.disabled, alert.destination.recovered',
      }).operatorEvents,
    ).toEqual({
      httpUrl: 'https://ops.example.com/alerts',
      topics: ['alert.destination.disabled', 'alert.destination.recovered'],
    });
    expect(fromContext({}).operatorEvents).toBeUndefined();
  });

  it.each([
    [{ operatorEventsTopics: '*' }, /operatorEventsTopics: set operatorEventsHttpUrl too/],
    [{ operatorEventsHttpUrl: 42 }, /operatorEventsHttpUrl: expected a string/],
    [{ maxRetries: 'ten' }, /maxRetries: expected a number/],
    [{ retentionDays: '' }, /retentionDays: expected a number/],
    [{ retrySchedule: '30,soon' }, /retrySchedule: expected a number/],
    [{ autoDisableDestinations: 'maybe' }, /autoDisableDestinations: expected true or false/],
    [{ removalPolicy: 'keep' }, /removalPolicy: expected retain, destroy or snapshot/],
    [{ topics: 3 }, /topics: expected a comma-separated list/],
  ])('rejects %j', (context, message) => {
    expect(() => fromContext(context)).toThrow(message);
  });
});
