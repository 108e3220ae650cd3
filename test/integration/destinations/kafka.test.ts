import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { guardedSocketFactory } from '../../../lambdas/destinations/kafka-socket';
import { classifyKafkaError, transport } from '../../../lambdas/destinations/kafka.transport';
import { closeTransports } from '../../../lambdas/destinations/registry';
import { forbiddenAddressReason } from '../../../lambdas/destinations/target-guard';
import {
  atLeast,
  startDestinationTestRuntime,
  storedDestination,
  type DestinationTestRuntime,
} from '../../support/destination-test-runtime';
import { startKafkaTestBroker, type KafkaTestBroker } from '../../support/kafka-test-broker';

/**
 * Kafka destinations through the local runtime: the real kafkajs producer against the Kafka test
 * broker (test/support/kafka-test-broker.ts, the Kafka wire protocol on loopback). Records are read
 * back by a real kafkajs consumer (consumer group, offsets, Fetch) from the same broker.
 */

const NOT_ENOUGH_REPLICAS = 19;
/** acks=all on the wire. */
const ALL_IN_SYNC_REPLICAS = -1;

let harness: DestinationTestRuntime;
let broker: KafkaTestBroker;
let consumers = 0;

beforeAll(async () => {
  broker = await startKafkaTestBroker();
  harness = await startDestinationTestRuntime();
}, 120000);

afterAll(async () => {
  await closeTransports();
  await harness?.stop();
  await broker?.close();
});

/** Reads `topic` from the beginning with a kafkajs consumer of a group of its own, until `count` records came. */
async function consume(topic: string, count: number): Promise<KafkaMessage[]> {
  const kafka = new Kafka({
    clientId: 'test-consumer',
    brokers: [broker.brokers],
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `test-group-${++consumers}`, maxWaitTimeInMs: 100 });
  const received: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message);
      },
    });
    return await atLeast(`${count} records consumed from ${topic}`, count, () => received);
  } finally {
    await consumer.disconnect();
  }
}

function headersAsText(message: KafkaMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([key, value]) => [key, String(value)]),
  );
}

function kafkaDestination(topic: string, topics: string[], extra: Record<string, string> = {}) {
  return harness.createDestination({
    type: 'kafka',
    topics,
    config: { brokers: broker.brokers, topic, sasl_mechanism: 'none', tls: 'false', ...extra },
    delivery_metadata: { region: 'eu-west-1' },
  });
}

async function deliverOne(topic: string, data: unknown): Promise<string> {
  const eventId = await harness.publish({ topic, data });
  const [attempt] = await harness.attemptsReach(eventId, 1);
  expect(attempt).toMatchObject({ status: 'success', code: 'OK' });
  return eventId;
}

it('produces the data byte for byte with acks=all, keyed by the event id, with every metadata header', async () => {
  const destination = await kafkaDestination('user-events', ['user.created']);
  expect(destination).toMatchObject({ target: 'user-events', target_url: null });
  const data = { user_id: 'u_1', name: 'Zoë', nested: { list: [1, 2.5, 'três'], flag: true } };
  const produces = broker.produceRequests.length;
  const eventId = await harness.publish({
    topic: 'user.created',
    time: '2025-01-02T03:04:05Z',
    metadata: { source: 'crm' },
    data,
  });

  const [record] = await consume('user-events', 1);
  expect(record!.value!.equals(Buffer.from(JSON.stringify(data), 'utf8'))).toBe(true);
  expect(record!.key!.toString()).toBe(eventId);
  expect(record!.offset).toBe('0');
  expect(headersAsText(record!)).toEqual({
    'event-id': eventId,
    topic: 'user.created',
    timestamp: '2025-01-02T03:04:05.000Z',
    source: 'crm',
    region: 'eu-west-1',
  });
  // Written with acks=all by an idempotent producer: the broker handed it a producer id.
  const [produce] = broker.produceRequests.slice(produces);
  expect(produce!.acks).toBe(ALL_IN_SYNC_REPLICAS);
  expect(produce!.producerIds).toHaveLength(1);
  expect(produce!.producerIds[0]).not.toBe('-1');

  const [attempt] = await harness.attemptsReach(eventId, 1);
  expect(attempt).toMatchObject({ status: 'success', code: 'OK' });
  expect(JSON.parse(attempt!.response_data?.body ?? '{}')).toEqual({ partition: 0, offset: '0' });
});

it('reuses one connection for the deliveries to one destination', async () => {
  await kafkaDestination('reused', ['conn.reused']);
  await deliverOne('conn.reused', { n: 1 });
  const connectionsAfterFirst = broker.connections;
  await deliverOne('conn.reused', { n: 2 });
  await deliverOne('conn.reused', { n: 3 });
  expect(broker.connections).toBe(connectionsAfterFirst);

  const records = await consume('reused', 3);
  expect(records.map((record) => [record.offset, record.value!.toString()])).toEqual([
    ['0', '{"n":1}'],
    ['1', '{"n":2}'],
    ['2', '{"n":3}'],
  ]);
});

it('keys records by partition_key_template', async () => {
  await kafkaDestination('orders', ['order.paid'], { partition_key_template: 'data.customer_id' });
  await harness.publish({ topic: 'order.paid', data: { customer_id: 'c_42', total: 10 } });
  const [record] = await consume('orders', 1);
  expect(record!.key!.toString()).toBe('c_42');
});

it('records the broker refusing a write (NOT_ENOUGH_REPLICAS), retries, and delivers once it accepts', async () => {
  await kafkaDestination('invoices', ['invoice.due']);
  broker.rejectProducesWith(NOT_ENOUGH_REPLICAS);
  const eventId = await harness.publish({ topic: 'invoice.due', data: { n: 3 } });

  const [first] = await harness.attemptsReach(eventId, 1);
  broker.rejectProducesWith(null);
  expect(first).toMatchObject({ status: 'failed', code: 'not_enough_replicas' });

  const attempts = await harness.attemptsReach(eventId, 2, (attempt) => attempt.status === 'success');
  expect(attempts.slice(0, -1).every((a) => a.code === 'not_enough_replicas')).toBe(true);
  expect(attempts.at(-1)).toMatchObject({ status: 'success', code: 'OK' });
  const records = await consume('invoices', 1);
  expect(records.map((record) => record.value!.toString())).toEqual(['{"n":3}']);
});

it('fails with connection_refused while no broker listens', async () => {
  await harness.createDestination({
    type: 'kafka',
    topics: ['user.deleted'],
    config: { brokers: '127.0.0.1:1', topic: 'nowhere', sasl_mechanism: 'none', tls: 'false' },
  });
  const eventId = await harness.publish({ topic: 'user.deleted', data: { n: 4 } });
  const [first] = await harness.attemptsReach(eventId, 1);
  expect(first).toMatchObject({ status: 'failed', code: 'connection_refused' });
});

describe('deployed mode: every broker connection goes through the address guard', () => {
  it.each([
    ['an IP literal', () => broker.brokers],
    ['a hostname that resolves to loopback', () => `localhost:${broker.port}`],
  ])(
    'refuses a loopback bootstrap broker given as %s before connecting (target_forbidden, not retried)',
    async (_name, brokers) => {
      const connections = broker.connections;
      const result = await transport.send(
        { topic: 'guarded', key: 'k', value: Buffer.from('{}'), headers: {} },
        storedDestination('kafka', {
          brokers: brokers(),
          topic: 'guarded',
          sasl_mechanism: 'none',
          tls: 'false',
        }),
        { timeoutMs: 3000, responseCapBytes: 1024, allowPrivateTargets: false },
      );
      expect(result).toMatchObject({ ok: false, code: 'target_forbidden', retryable: false });
      expect(broker.connections).toBe(connections);
    },
  );

  it('refuses the address a bootstrap broker advertises (169.254.169.254) before connecting to it', async () => {
    const advertising = await startKafkaTestBroker({ advertisedHost: '169.254.169.254' });
    // The deployed rule with the test broker's loopback let through, so that the bootstrap
    // connection works and what is refused is the advertised address.
    const loopbackAllowed = (address: string) =>
      address === '127.0.0.1' ? undefined : forbiddenAddressReason(address);
    const kafka = new Kafka({
      clientId: 'guarded',
      brokers: [advertising.brokers],
      socketFactory: guardedSocketFactory(loopbackAllowed),
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    try {
      await producer.connect();
      const sent = producer.send({ topic: 'metadata', acks: -1, messages: [{ value: '{}' }] });
      const error = await sent.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeDefined();
      expect(classifyKafkaError(error, 1024)).toMatchObject({ code: 'target_forbidden', retryable: false });
      expect(String((error as Error).message)).toContain('169.254.169.254');
      // The metadata request went to the bootstrap broker; no record reached any broker.
      expect(advertising.produceRequests).toEqual([]);
    } finally {
      await producer.disconnect();
      await advertising.close();
    }
  });
});
