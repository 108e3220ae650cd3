import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { closeTransports } from '../../../lambdas/destinations/registry';
import {
  atLeast,
  startDestinationTestRuntime,
  type DestinationTestRuntime,
} from '../../support/destination-test-runtime';

/**
 * RabbitMQ destinations through the local runtime, against the real broker on 127.0.0.1:5672
 * (guest/guest; `rabbitmq-server -detached` starts it). Messages are read back with amqplib.
 */

const BROKER = '127.0.0.1:5672';

let harness: DestinationTestRuntime;
let consumer: ChannelModel;
let channel: Channel;
const received = new Map<string, ConsumeMessage[]>();

/** A fresh topic exchange (auto-deleted later with the test's connection) and a queue bound to `pattern`. */
async function exchangeWithQueue(pattern = '#'): Promise<{ exchange: string; queue: string }> {
  const exchange = `ed-test-${randomUUID()}`;
  await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
  const queue = await bindQueue(exchange, pattern);
  return { exchange, queue };
}

async function bindQueue(exchange: string, pattern: string): Promise<string> {
  const { queue } = await channel.assertQueue('', { exclusive: true });
  received.set(queue, []);
  await channel.bindQueue(queue, exchange, pattern);
  await channel.consume(queue, (message) => message && received.get(queue)!.push(message), { noAck: true });
  return queue;
}

function messagesIn(queue: string, count: number): Promise<ConsumeMessage[]> {
  return atLeast(`${count} messages in ${queue}`, count, () => received.get(queue) ?? []);
}

function rabbitDestination(exchange: string, topics: string[], extra: Record<string, string> = {}) {
  return harness.createDestination({
    type: 'rabbitmq',
    topics,
    config: { server_url: BROKER, exchange, tls: 'false', ...extra },
    credentials: { username: 'guest', password: 'guest' },
    delivery_metadata: { region: 'eu-west-1' },
  });
}

beforeAll(async () => {
  harness = await startDestinationTestRuntime();
  consumer = await amqp.connect(`amqp://guest:guest@${BROKER}`);
  channel = await consumer.createChannel();
}, 120000);

afterAll(async () => {
  await consumer?.close();
  await closeTransports();
  await harness?.stop();
});

it('publishes the data byte for byte with every metadata header, confirmed by the broker', async () => {
  const { exchange, queue } = await exchangeWithQueue();
  const destination = await rabbitDestination(exchange, ['user.created']);
  expect(destination.credentials).toEqual({ username: 'guest', password: '********' });
  expect(destination).toMatchObject({ target: exchange, target_url: null });

  const data = { user_id: 'u_1', name: 'Zoë', nested: { list: [1, 2.5, 'três'], flag: true } };
  const eventId = await harness.publish({
    topic: 'user.created',
    time: '2025-01-02T03:04:05Z',
    metadata: { source: 'crm' },
    data,
  });

  const [message] = await messagesIn(queue, 1);
  expect(message!.content.equals(Buffer.from(JSON.stringify(data), 'utf8'))).toBe(true);
  expect(message!.fields.routingKey).toBe('user.created');
  expect(message!.fields.exchange).toBe(exchange);
  expect(message!.properties).toMatchObject({
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    deliveryMode: 2,
    messageId: eventId,
    timestamp: Date.parse('2025-01-02T03:04:05Z') / 1000,
  });
  expect(message!.properties.headers).toEqual({
    'event-id': eventId,
    topic: 'user.created',
    // The event's time as stored (RFC 3339, milliseconds).
    timestamp: '2025-01-02T03:04:05.000Z',
    source: 'crm',
    region: 'eu-west-1',
  });

  const [attempt] = await harness.attemptsReach(eventId, 1);
  expect(attempt).toMatchObject({ status: 'success', code: 'OK', attempt_number: 1 });
});

it('routes by routing_key_template, falling back to the topic when the path is missing', async () => {
  const { exchange } = await exchangeWithQueue('none');
  const eu = await bindQueue(exchange, 'eu');
  const byTopic = await bindQueue(exchange, 'order.*');
  await rabbitDestination(exchange, ['order.paid'], { routing_key_template: 'data.region' });

  await harness.publish({ topic: 'order.paid', data: { region: 'eu', n: 1 } });
  await harness.publish({ topic: 'order.paid', data: { n: 2 } });

  const [inEu] = await messagesIn(eu, 1);
  expect(JSON.parse(inEu!.content.toString())).toEqual({ region: 'eu', n: 1 });
  const [inTopic] = await messagesIn(byTopic, 1);
  expect(inTopic!.fields.routingKey).toBe('order.paid');
  expect(JSON.parse(inTopic!.content.toString())).toEqual({ n: 2 });
});

it('fails an unroutable message (mandatory publish), retries it and delivers once a queue is bound', async () => {
  const { exchange } = await exchangeWithQueue('nothing.matches');
  await rabbitDestination(exchange, ['invoice.due']);
  const eventId = await harness.publish({ topic: 'invoice.due', data: { n: 3 } });

  const [first] = await harness.attemptsReach(eventId, 1);
  expect(first).toMatchObject({ status: 'failed', code: 'unroutable' });
  expect(first!.response_data?.error).toContain(exchange);

  const queue = await bindQueue(exchange, 'invoice.*');
  const attempts = await harness.attemptsReach(eventId, 2, (attempt) => attempt.status === 'success');
  expect(attempts.slice(0, -1).every((a) => a.status === 'failed' && a.code === 'unroutable')).toBe(true);
  expect(attempts.at(-1)).toMatchObject({ status: 'success', code: 'OK' });
  const [message] = await messagesIn(queue, 1);
  expect(message!.properties.messageId).toBe(eventId);
});

it('treats a missing exchange as a retryable failure and delivers once the exchange exists', async () => {
  const exchange = `ed-test-missing-${randomUUID()}`;
  await rabbitDestination(exchange, ['refund.issued']);
  const eventId = await harness.publish({ topic: 'refund.issued', data: { n: 4 } });

  const [first] = await harness.attemptsReach(eventId, 1);
  expect(first).toMatchObject({ status: 'failed', code: 'exchange_not_found' });
  expect(first!.response_data?.error).toContain('NOT_FOUND');

  await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
  const queue = await bindQueue(exchange, '#');
  const attempts = await harness.attemptsReach(eventId, 2, (attempt) => attempt.status === 'success');
  expect(attempts.at(-1)).toMatchObject({ status: 'success', code: 'OK' });
  expect((await messagesIn(queue, 1))[0]!.content.toString()).toBe('{"n":4}');
});

it('fails with connection_refused while the broker is unreachable', async () => {
  const destination = await harness.createDestination({
    type: 'rabbitmq',
    topics: ['user.deleted'],
    // Port 1 on loopback: nothing listens there.
    config: { server_url: '127.0.0.1:1', exchange: 'anything' },
    credentials: { username: 'guest', password: 'guest' },
  });
  const eventId = await harness.publish({ topic: 'user.deleted', data: { n: 5 } });
  const attempts = await harness.attemptsReach(eventId, 3);
  expect(attempts.map((a) => [a.status, a.code])).toEqual([
    ['failed', 'connection_refused'],
    ['failed', 'connection_refused'],
    ['failed', 'connection_refused'],
  ]);
  await harness.api.delete(`/tenants/${harness.tenantId}/destinations/${destination.id}`);
});
