import { clearAwsClients } from '../../../lambdas/destinations/aws-client';
import {
  atLeast,
  STATIC_AWS_KEYS,
  startDestinationTestRuntime,
  type DestinationTestRuntime,
} from '../../support/destination-test-runtime';
import {
  startEventBridgeTestServer,
  type EventBridgeTestServer,
} from '../../support/eventbridge-test-server';

/**
 * aws_eventbridge destinations through the local runtime's API, sent by the real
 * @aws-sdk/client-eventbridge to a test server speaking AWS JSON 1.1 PutEvents.
 */

let harness: DestinationTestRuntime;
let eventBridge: EventBridgeTestServer;

beforeAll(async () => {
  [harness, eventBridge] = await Promise.all([startDestinationTestRuntime(), startEventBridgeTestServer()]);
}, 120000);

afterAll(async () => {
  await clearAwsClients();
  await eventBridge?.close();
  await harness?.stop();
});

function entriesFor(source: string, count: number) {
  return atLeast(`${count} entries from ${source}`, count, () =>
    eventBridge.entries.filter((entry) => entry.Source === source),
  );
}

it('puts one event with detail = data byte for byte, source, detail-type and time', async () => {
  await harness.createDestination({
    type: 'aws_eventbridge',
    topics: ['user.created'],
    config: {
      event_bus_name: 'tenant-bus',
      region: 'eu-west-1',
      source: 'com.example.app',
      detail_type_template: "join('.', ['app', topic])",
      endpoint: eventBridge.endpoint,
    },
    credentials: STATIC_AWS_KEYS,
  });
  const data = { user_id: 'u_1', name: 'Zoë', nested: { list: [1, 2.5, 'três'] } };
  const eventId = await harness.publish({ topic: 'user.created', time: '2025-01-02T03:04:05Z', data });

  const [entry] = await entriesFor('com.example.app', 1);
  expect(entry).toEqual({
    EventBusName: 'tenant-bus',
    Source: 'com.example.app',
    DetailType: 'app.user.created',
    Detail: JSON.stringify(data),
    Time: Date.parse('2025-01-02T03:04:05Z') / 1000,
  });
  const [attempt] = await harness.attemptsReach(eventId, 1);
  expect(attempt).toMatchObject({ status: 'success', code: 'OK' });
});

it('treats a throttled entry (FailedEntryCount) as a retryable failure and delivers on the retry', async () => {
  await harness.createDestination({
    type: 'aws_eventbridge',
    topics: ['order.paid'],
    config: {
      event_bus_name: 'arn:aws:events:us-east-1:123456789012:event-bus/orders',
      source: 'com.example.orders',
      endpoint: eventBridge.endpoint,
    },
    credentials: STATIC_AWS_KEYS,
  });
  eventBridge.failNextEntries(1, 'ThrottlingException');
  const eventId = await harness.publish({ topic: 'order.paid', data: { n: 1 } });
  const attempts = await harness.attemptsReach(eventId, 2, (attempt) => attempt.status === 'success');
  expect(attempts.map((a) => [a.attempt_number, a.status, a.code])).toEqual([
    [1, 'failed', 'ThrottlingException'],
    [2, 'success', 'OK'],
  ]);
  const [entry] = await entriesFor('com.example.orders', 1);
  expect(entry).toMatchObject({ DetailType: 'order.paid', Detail: '{"n":1}' });
});

it('fails with the service error code on an HTTP error from PutEvents; access denied is retried', async () => {
  await harness.createDestination({
    type: 'aws_eventbridge',
    topics: ['denied.topic'],
    config: {
      event_bus_name: 'default',
      region: 'us-east-1',
      source: 'com.example.denied',
      endpoint: eventBridge.endpoint,
    },
    credentials: STATIC_AWS_KEYS,
  });
  eventBridge.failNextRequests(1, 400, 'AccessDeniedException');
  const eventId = await harness.publish({ topic: 'denied.topic', data: { n: 2 } });
  const attempts = await harness.attemptsReach(eventId, 2, (attempt) => attempt.status === 'success');
  expect(attempts.map((a) => [a.attempt_number, a.status, a.code])).toEqual([
    [1, 'failed', 'AccessDeniedException'],
    [2, 'success', 'OK'],
  ]);
});

it('with metadata_in_payload, puts detail = {"metadata": …, "data": <data>} that rules can match on', async () => {
  await harness.createDestination({
    type: 'aws_eventbridge',
    topics: ['user.updated'],
    config: {
      event_bus_name: 'tenant-bus',
      region: 'eu-west-1',
      source: 'com.example.enveloped',
      metadata_in_payload: 'true',
      endpoint: eventBridge.endpoint,
    },
    credentials: STATIC_AWS_KEYS,
    delivery_metadata: { team: 'billing' },
  });
  const data = { user_id: 'u_7', name: 'Zoë' };
  const eventId = await harness.publish({
    topic: 'user.updated',
    time: '2025-01-02T03:04:05Z',
    metadata: { region: 'eu' },
    data,
  });

  const [entry] = await entriesFor('com.example.enveloped', 1);
  expect(entry).toMatchObject({
    DetailType: 'user.updated',
    Time: Date.parse('2025-01-02T03:04:05Z') / 1000,
  });
  expect(JSON.parse(entry!.Detail!)).toEqual({
    metadata: {
      'event-id': eventId,
      topic: 'user.updated',
      timestamp: '2025-01-02T03:04:05.000Z',
      region: 'eu',
      team: 'billing',
    },
    data,
  });
  expect(entry!.Detail!.endsWith(`"data":${JSON.stringify(data)}}`)).toBe(true);
});
