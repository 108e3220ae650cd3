import { generateKeyPairSync } from 'node:crypto';
import { Outpost } from '@hookdeck/outpost-sdk';
import { startLocalRuntime, type LocalRuntime } from '../../../local/runtime';
import { apiClient, type ApiClient } from '../../support/api-client';

/**
 * rabbitmq, kafka and gcp_pubsub destinations through Outpost's own SDK (1.6.0): create, get, list
 * and update run the SDK's response validation, so a field with a wrong name or type fails here.
 * Also over plain HTTP: the cross-field checks of config and credentials (422s), and what the SDK
 * does with the valid destinations its schemas do not describe (docs/destinations.md, "Outpost SDK").
 * No delivery happens (the destinations point nowhere reachable and nothing is published).
 */

let runtime: LocalRuntime;
let admin: Outpost;
let http: ApiClient;

beforeAll(async () => {
  runtime = await startLocalRuntime({ inMemory: true, apiPort: 0 });
  admin = new Outpost({
    serverURL: runtime.apiUrl,
    apiKey: runtime.adminKey,
    retryConfig: { strategy: 'none' },
  });
  await admin.tenants.upsert('sdk-brokers');
  http = apiClient(runtime.apiUrl, runtime.adminKey);
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

interface Refusal {
  status: number;
  data: string[];
}

it('refuses, naming the fields, a SASL Kafka destination without username and password, on create and on update', async () => {
  const kafka = { brokers: '127.0.0.1:9092', topic: 'events', tls: 'false' };
  const created = await http.post<Refusal>('/tenants/sdk-brokers/destinations', {
    type: 'kafka',
    topics: '*',
    config: { ...kafka, sasl_mechanism: 'plain' },
  });
  expect(created.status).toBe(422);
  expect(created.body.data).toEqual([
    'credentials.username: required when sasl_mechanism is plain',
    'credentials.password: required when sasl_mechanism is plain',
  ]);

  const open = await http.post<{ id: string }>('/tenants/sdk-brokers/destinations', {
    type: 'kafka',
    topics: '*',
    config: { ...kafka, sasl_mechanism: 'none' },
  });
  expect(open.status).toBe(201);
  const patched = await http.patch<Refusal>(`/tenants/sdk-brokers/destinations/${open.body.id}`, {
    config: { sasl_mechanism: 'scram-sha-256' },
    credentials: { username: 'outpost' },
  });
  expect(patched.status).toBe(422);
  expect(patched.body.data).toEqual(['credentials.password: required when sasl_mechanism is scram-sha-256']);
  await http.delete(`/tenants/sdk-brokers/destinations/${open.body.id}`);
});

it('refuses a Pub/Sub destination with neither a service account key nor an emulator endpoint', async () => {
  const created = await http.post<Refusal>('/tenants/sdk-brokers/destinations', {
    type: 'gcp_pubsub',
    topics: '*',
    config: { project_id: 'demo-project', topic: 'events' },
  });
  expect(created.status).toBe(422);
  expect(created.body.data).toEqual([
    'credentials.service_account_json: required unless config.endpoint (an emulator) is set',
  ]);
});

it('reads and updates a keyless emulator Pub/Sub destination through the SDK (the key reads as empty)', async () => {
  await admin.tenants.upsert('sdk-emulator');
  const created = await http.post<{ id: string; credentials: Record<string, string> }>(
    '/tenants/sdk-emulator/destinations',
    {
      type: 'gcp_pubsub',
      topics: '*',
      config: { project_id: 'demo-project', topic: 'events', endpoint: 'localhost:8085' },
    },
  );
  expect(created.status).toBe(201);
  expect(created.body.credentials).toEqual({ service_account_json: '' });

  const [listed] = await admin.destinations.list('sdk-emulator');
  expect(listed).toMatchObject({ type: 'gcp_pubsub', credentials: { serviceAccountJson: '' } });
  // Read-modify-write: the empty key goes back and means "not given"; the destination stays keyless.
  await admin.destinations.update('sdk-emulator', created.body.id, {
    type: 'gcp_pubsub',
    topics: ['user.created'],
    config: { topic: 'events-v2' },
    credentials: { serviceAccountJson: '' },
  });
  expect(await admin.destinations.get('sdk-emulator', created.body.id)).toMatchObject({
    topics: ['user.created'],
    config: { topic: 'events-v2', endpoint: 'localhost:8085' },
    credentials: { serviceAccountJson: '' },
  });
});

it("a Kafka destination without SASL makes the SDK refuse its tenant's list; listing the other types works", async () => {
  await admin.tenants.upsert('sdk-open-kafka');
  const open = await http.post<{ id: string }>('/tenants/sdk-open-kafka/destinations', {
    type: 'kafka',
    topics: '*',
    config: { brokers: '127.0.0.1:9092', topic: 'events', sasl_mechanism: 'none', tls: 'false' },
  });
  expect(open.status).toBe(201);
  await admin.destinations.create('sdk-open-kafka', {
    type: 'rabbitmq',
    topics: '*',
    config: { serverUrl: '127.0.0.1:5672', exchange: 'events' },
    credentials: { username: 'guest', password: 'guest' },
  });

  // Outpost's schema has no `none` mechanism: no value it accepts would be true.
  await expect(admin.destinations.list('sdk-open-kafka')).rejects.toMatchObject({
    name: 'ResponseValidationError',
  });
  await expect(admin.destinations.get('sdk-open-kafka', open.body.id)).rejects.toMatchObject({
    name: 'ResponseValidationError',
  });
  const others = await admin.destinations.list('sdk-open-kafka', ['rabbitmq', 'gcp_pubsub', 'webhook']);
  expect(others.map((destination) => destination.type)).toEqual(['rabbitmq']);
});
