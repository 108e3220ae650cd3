import { closeTransports } from '../../../lambdas/destinations/registry';
import {
  atLeast,
  startDestinationTestRuntime,
  type DestinationTestRuntime,
} from '../../support/destination-test-runtime';
import {
  startKafkaTestBroker,
  type KafkaTestBroker,
  type KafkaTestRecord,
} from '../../support/kafka-test-broker';

/**
 * Kafka destinations through the local runtime: the real kafkajs producer against the Kafka test
 * broker (test/support/kafka-test-broker.ts, the Kafka wire protocol on loopback). Records are read
 * back from the broker's log.
 */

const NOT_ENOUGH_REPLICAS = 19;

let harness: DestinationTestRuntime;
let broker: KafkaTestBroker;

beforeAll(async () => {
  broker = await startKafkaTestBroker();
  harness = await startDestinationTestRuntime();
}, 120000);

afterAll(async () => {
  await closeTransports();
  await harness?.stop();
  await broker?.close();
});

function recordsIn(topic: string, count: number): Promise<KafkaTestRecord[]> {
  return atLeast(`${count} records in ${topic}`, count, () => broker.records(topic));
}

function headersAsText(record: KafkaTestRecord): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record.headers).map(([key, value]) => [key, value.toString('utf8')]),
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

it('produces the data byte for byte, keyed by the event id, with every metadata header', async () => {
  const destination = await kafkaDestination('user-events', ['user.created']);
  expect(destination).toMatchObject({ target: 'user-events', target_url: null });
  const data = { user_id: 'u_1', name: 'Zoë', nested: { list: [1, 2.5, 'três'], flag: true } };
  const eventId = await harness.publish({
    topic: 'user.created',
    time: '2025-01-02T03:04:05Z',
    metadata: { source: 'crm' },
    data,
  });

  const [record] = await recordsIn('user-events', 1);
  expect(record!.value!.equals(Buffer.from(JSON.stringify(data), 'utf8'))).toBe(true);
  expect(record!.key!.toString()).toBe(eventId);
  expect(headersAsText(record!)).toEqual({
    'event-id': eventId,
    topic: 'user.created',
    timestamp: '2025-01-02T03:04:05.000Z',
    source: 'crm',
    region: 'eu-west-1',
  });
  // Written by an idempotent producer: the broker handed it a producer id.
  expect(record!.producerId).not.toBe('-1');

  const [attempt] = await harness.attemptsReach(eventId, 1);
  expect(attempt).toMatchObject({ status: 'success', code: 'OK' });
  expect(JSON.parse(attempt!.response_data?.body ?? '{}')).toEqual({ partition: 0, offset: '0' });
});

it('keys records by partition_key_template', async () => {
  await kafkaDestination('orders', ['order.paid'], { partition_key_template: 'data.customer_id' });
  await harness.publish({ topic: 'order.paid', data: { customer_id: 'c_42', total: 10 } });
  const [record] = await recordsIn('orders', 1);
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
  const records = await recordsIn('invoices', 1);
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
