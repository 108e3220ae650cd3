import { generateKeyPairSync } from 'node:crypto';
import { Outpost } from '@hookdeck/outpost-sdk';
import { startLocalRuntime, type LocalRuntime } from '../../../local/runtime';

/**
 * rabbitmq, kafka and gcp_pubsub destinations through Outpost's own SDK (1.6.0): create, get, list
 * and update run the SDK's response validation, so a field with a wrong name or type fails here.
 * No delivery happens (the destinations point nowhere reachable and nothing is published).
 */

let runtime: LocalRuntime;
let admin: Outpost;

beforeAll(async () => {
  runtime = await startLocalRuntime({ inMemory: true, apiPort: 0 });
  admin = new Outpost({
    serverURL: runtime.apiUrl,
    apiKey: runtime.adminKey,
    retryConfig: { strategy: 'none' },
  });
  await admin.tenants.upsert('sdk-brokers');
}, 120000);

afterAll(async () => {
  await runtime?.stop();
});

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const serviceAccountJson = JSON.stringify({
  type: 'service_account',
  project_id: 'demo-project',
  client_email: 'publisher@demo-project.iam.gserviceaccount.com',
  private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
});

it('creates, gets, lists and updates broker destinations with the Outpost SDK', async () => {
  const rabbit = await admin.destinations.create('sdk-brokers', {
    type: 'rabbitmq',
    topics: ['user.created'],
    config: { serverUrl: '127.0.0.1:5672', exchange: 'events', tls: 'false' },
    credentials: { username: 'guest', password: 'guest' },
  });
  const kafka = await admin.destinations.create('sdk-brokers', {
    type: 'kafka',
    topics: '*',
    config: { brokers: '127.0.0.1:9092', topic: 'events', saslMechanism: 'scram-sha-256', tls: 'false' },
    credentials: { username: 'outpost', password: 'secret' },
  });
  const pubsub = await admin.destinations.create('sdk-brokers', {
    type: 'gcp_pubsub',
    topics: ['user.created'],
    config: { projectId: 'demo-project', topic: 'events' },
    credentials: { serviceAccountJson },
  });
  expect(rabbit).toMatchObject({
    type: 'rabbitmq',
    credentials: { username: 'guest', password: '********' },
  });
  expect(kafka).toMatchObject({ type: 'kafka', config: { saslMechanism: 'scram-sha-256' } });
  expect(pubsub).toMatchObject({ type: 'gcp_pubsub', credentials: { serviceAccountJson: '********' } });

  const listed = await admin.destinations.list('sdk-brokers');
  expect(listed.map((d) => d.type).sort()).toEqual(['gcp_pubsub', 'kafka', 'rabbitmq']);
  const fetched = await admin.destinations.get('sdk-brokers', kafka.id!);
  expect(fetched).toMatchObject({ type: 'kafka', config: { brokers: '127.0.0.1:9092', topic: 'events' } });

  // Sending the masked value back (what a read-modify-write client does) keeps the stored password.
  const updated = await admin.destinations.update('sdk-brokers', rabbit.id!, {
    type: 'rabbitmq',
    topics: ['user.deleted'],
    config: { exchange: 'events-v2' },
    credentials: { username: 'guest', password: '********' },
  });
  expect(updated).toBeTruthy();
  const again = await admin.destinations.get('sdk-brokers', rabbit.id!);
  expect(again).toMatchObject({ topics: ['user.deleted'], config: { exchange: 'events-v2' } });
});
