import { status } from '@grpc/grpc-js';
import { transport } from '../../../lambdas/destinations/gcp-pubsub.transport';
import { closeTransports } from '../../../lambdas/destinations/registry';
import {
  atLeast,
  startDestinationTestRuntime,
  storedDestination,
  type DestinationTestRuntime,
} from '../../support/destination-test-runtime';
import {
  startPubSubTestServer,
  type PubSubTestMessage,
  type PubSubTestServer,
} from '../../support/pubsub-test-server';

/**
 * Pub/Sub destinations through the local runtime: the real @google-cloud/pubsub client, in its
 * emulator mode, against the gRPC Publisher test server (test/support/pubsub-test-server.ts).
 */

// Belt and braces: no Google metadata server lookup even if a code path asked for credentials.
process.env.METADATA_SERVER_DETECTION = 'none';

let harness: DestinationTestRuntime;
let server: PubSubTestServer;

beforeAll(async () => {
  server = await startPubSubTestServer();
  harness = await startDestinationTestRuntime();
}, 120000);

afterAll(async () => {
  await closeTransports();
  await harness?.stop();
  await server?.close();
});

function messagesOn(topic: string, count: number): Promise<PubSubTestMessage[]> {
  return atLeast(`${count} messages on ${topic}`, count, () =>
    server.messages.filter((message) => message.topic === `projects/demo-project/topics/${topic}`),
  );
}

function pubsubDestination(topic: string, topics: string[]) {
  return harness.createDestination({
    type: 'gcp_pubsub',
    topics,
    config: { project_id: 'demo-project', topic, endpoint: server.endpoint },
    delivery_metadata: { region: 'eu-west-1' },
  });
}

it('publishes the data byte for byte with every metadata attribute and records the message id', async () => {
  const destination = await pubsubDestination('user-events', ['user.created']);
  expect(destination).toMatchObject({ target: 'projects/demo-project/topics/user-events', target_url: null });
  const data = { user_id: 'u_1', name: 'Zoë', nested: { list: [1, 2.5, 'três'], flag: true } };
  const eventId = await harness.publish({
    topic: 'user.created',
    time: '2025-01-02T03:04:05Z',
    metadata: { source: 'crm' },
    data,
  });

  const [message] = await messagesOn('user-events', 1);
  expect(message!.data.equals(Buffer.from(JSON.stringify(data), 'utf8'))).toBe(true);
  expect(message!.attributes).toEqual({
    'event-id': eventId,
    topic: 'user.created',
    timestamp: '2025-01-02T03:04:05.000Z',
    source: 'crm',
    region: 'eu-west-1',
  });

  const [attempt] = await harness.attemptsReach(eventId, 1);
  expect(attempt).toMatchObject({ status: 'success', code: 'OK' });
  expect(JSON.parse(attempt!.response_data?.body ?? '{}')).toEqual({ message_id: message!.messageId });
});

it('records a gRPC UNAVAILABLE as a failed attempt, retries, and delivers once the server accepts', async () => {
  await pubsubDestination('invoices', ['invoice.due']);
  server.failWith(status.UNAVAILABLE, 'backend restarting');
  const eventId = await harness.publish({ topic: 'invoice.due', data: { n: 3 } });

  const [first] = await harness.attemptsReach(eventId, 1);
  server.failWith(null);
  expect(first).toMatchObject({ status: 'failed', code: 'unavailable' });
  expect(first!.response_data?.error).toContain('backend restarting');

  const attempts = await harness.attemptsReach(eventId, 2, (attempt) => attempt.status === 'success');
  expect(attempts.at(-1)).toMatchObject({ status: 'success', code: 'OK' });
  const messages = await messagesOn('invoices', 1);
  expect(messages.map((message) => message.data.toString())).toEqual(['{"n":3}']);
});

it('refuses a service account key without client_email/private_key (422 naming the field)', async () => {
  const response = await harness.api.post<{ data: string[] }>(`/tenants/${harness.tenantId}/destinations`, {
    type: 'gcp_pubsub',
    topics: ['user.created'],
    config: { project_id: 'demo-project', topic: 'events' },
    credentials: { service_account_json: '{"type":"service_account"}' },
  });
  expect(response.status).toBe(422);
  expect(JSON.stringify(response.body)).toContain('credentials.service_account_json');
});

it('in deployed mode, refuses to deliver to an emulator endpoint without contacting it (target_forbidden, not retried)', async () => {
  const calls = server.publishCalls;
  const result = await transport.send(
    { topic: 'events', data: Buffer.from('{}'), attributes: {} },
    storedDestination('gcp_pubsub', {
      project_id: 'demo-project',
      topic: 'events',
      endpoint: server.endpoint,
    }),
    { timeoutMs: 3000, responseCapBytes: 1024, allowPrivateTargets: false },
  );
  expect(result).toMatchObject({ ok: false, code: 'target_forbidden', retryable: false });
  expect(server.publishCalls).toBe(calls);
});
