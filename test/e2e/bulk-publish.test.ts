import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { Event } from '../../lambdas/core/model';
import { publishEvents } from '../../lambdas/core/publish-batch';
import { createDependencies } from '../../lambdas/handlers/dependencies';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { apiClient, type ApiClient } from '../support/api-client';
import { recordCommands, type CommandRecorder } from '../support/command-recorder';
import { runtimeStore } from '../support/runtime-store';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/**
 * Publishing many events at once, through the local runtime to a real webhook receiver:
 * POST /publish/batch (per-event results, one enqueue for the lot), and publishing from the ingest
 * queue (SendMessageBatch of POST /publish bodies; malformed messages land in its DLQ with a reason).
 */

interface PublishResult {
  id: string;
  duplicate: boolean;
  destination_ids: string[];
}
interface ErrorResult {
  status: number;
  message: string;
  data?: string[];
}

let runtime: LocalRuntime;
let api: ApiClient;
let receiver: WebhookReceiver;
let destinationId: string;
let sqs: SQSClient;

beforeAll(async () => {
  runtime = await startLocalRuntime({ inMemory: true, apiPort: 0 });
  api = apiClient(runtime.apiUrl, runtime.adminKey);
  receiver = await startWebhookReceiver();
  expect((await api.put('/tenants/bulk', {})).status).toBe(201);
  const created = await api.post<{ id: string }>('/tenants/bulk/destinations', {
    type: 'webhook',
    topics: ['order.created'],
    config: { url: receiver.url },
  });
  expect(created.status).toBe(201);
  destinationId = created.body.id;
  sqs = new SQSClient({
    endpoint: runtime.sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
}, 120000);

afterAll(async () => {
  sqs?.destroy();
  await receiver?.close();
  await runtime?.stop();
});

beforeEach(() => receiver.clear());

const order = (n: number) => ({ tenant_id: 'bulk', topic: 'order.created', data: { n } });

/** Data as a producer may write it, which parsing and re-serialising would change (DESIGN.md §4). */
const handWritten = (n: number): string =>
  `{ "n" : ${n}, "total": 1.0, "id": 12345678901234567890, "who": "Ren\\u00e9e", "rows": [ [1, 2.50], [] ] }`;

describe('POST /publish/batch', () => {
  it('publishes every event and delivers each one (202 when all are accepted)', async () => {
    const events = Array.from({ length: 25 }, (_, n) => order(n));
    const response = await api.post<{ results: PublishResult[] }>('/publish/batch', { events });
    expect(response.status).toBe(202);
    expect(response.body.results).toHaveLength(25);
    for (const result of response.body.results) {
      expect(result).toMatchObject({ duplicate: false, destination_ids: [destinationId] });
    }
    const received = await receiver.waitFor(25, 20000);
    expect(
      received.map((request) => (JSON.parse(request.body) as { n: number }).n).sort((a, b) => a - b),
    ).toEqual(events.map((event) => event.data.n));
  });

  it("delivers each event's data byte for byte as written in the batch", async () => {
    const body = `{"events": [
      {"tenant_id": "bulk", "topic": "order.created", "data": ${handWritten(1)}},
      {"tenant_id": "bulk", "topic": "order.created", "data":${handWritten(2)} }
    ]}`;
    const response = await api.post<{ results: PublishResult[] }>('/publish/batch', body);
    expect(response.status).toBe(202);
    const received = await receiver.waitFor(2, 15000);
    expect(received.map((request) => request.body).sort()).toEqual([handWritten(1), handWritten(2)]);
  });

  it('answers 207 with a result per event, in order, when some events are refused', async () => {
    const response = await api.post<{ results: Array<PublishResult | ErrorResult> }>('/publish/batch', {
      events: [
        { ...order(1), id: 'batch-ok-1' },
        { tenant_id: 'bulk', topic: 'order.created' },
        { ...order(3), id: 'bad id with spaces' },
        { ...order(4), destination_id: 'des_missing' },
        { ...order(5), id: 'batch-ok-1' },
      ],
    });
    expect(response.status).toBe(207);
    const [first, noData, badId, missing, repeat] = response.body.results;
    expect(first).toEqual({ id: 'batch-ok-1', duplicate: false, destination_ids: [destinationId] });
    expect(noData).toMatchObject({ status: 422 });
    expect((noData as ErrorResult).data?.join()).toContain('data');
    expect(badId).toMatchObject({ status: 422 });
    expect(missing).toMatchObject({ status: 404, message: 'destination not found' });
    expect(repeat).toMatchObject({ id: 'batch-ok-1', duplicate: true });
    const [delivered] = await receiver.waitFor(1, 15000);
    expect(JSON.parse(delivered!.body)).toEqual({ n: 1 });
  });

  it('treats the first occurrence of an id repeated within a batch as the original, every time', async () => {
    const events = Array.from({ length: 12 }, (_, n) => ({ ...order(n), id: `batch-repeat-${n % 3}` }));
    const response = await api.post<{ results: PublishResult[] }>('/publish/batch', { events });
    expect(response.status).toBe(202);
    expect(response.body.results.map((result) => [result.id, result.duplicate])).toEqual(
      events.map((event, n) => [event.id, n >= 3]),
    );
    const received = await receiver.waitFor(3, 15000);
    expect(received.map((request) => (JSON.parse(request.body) as { n: number }).n).sort()).toEqual([
      0, 1, 2,
    ]);
  });

  it("reads each tenant's destinations once per batch, not once per event", async () => {
    for (const tenant of ['bulk-read-1', 'bulk-read-2']) {
      expect((await api.put(`/tenants/${tenant}`, {})).status).toBe(201);
      const created = await api.post(`/tenants/${tenant}/destinations`, {
        type: 'webhook',
        topics: '*',
        config: { url: receiver.url },
      });
      expect(created.status).toBe(201);
    }
    let recorder: CommandRecorder | undefined;
    // The API function's own dependencies, observed: every DynamoDB request it sends is recorded.
    const deps = createDependencies(runtime.env, {
      instrumentDynamoDb: (client) => {
        recorder = recordCommands(client);
      },
      instrumentSqs: () => undefined,
    });
    const inputs = Array.from({ length: 60 }, (_, n) => ({
      tenant_id: n % 2 === 0 ? 'bulk-read-1' : 'bulk-read-2',
      topic: 'order.created',
      data: { n },
    }));
    const outcomes = await publishEvents(deps, inputs, (input) => input);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const tenantReads = recorder!.commands.filter(
      (command) => command.operation === 'Query' && command.table === runtime.env.DESTINATIONS_TABLE,
    );
    expect(tenantReads).toHaveLength(2);
    await receiver.waitFor(60, 20000);
  });

  it("repairs another tenant's stored event that reuses an id published in the same batch", async () => {
    expect((await api.put('/tenants/bulk-twin', {})).status).toBe(201);
    const twin = await api.post<{ id: string }>('/tenants/bulk-twin/destinations', {
      type: 'webhook',
      topics: '*',
      config: { url: `${receiver.url}?tenant=bulk-twin` },
    });
    // What a publish of bulk-twin's "evt-reused" left when it died between the event and its deliveries.
    const stored: Event = {
      id: 'evt-reused',
      tenant_id: 'bulk-twin',
      topic: 'order.created',
      time: new Date().toISOString(),
      eligible_for_retry: true,
      metadata: null,
      data: { tenant: 'bulk-twin' },
      matched_destination_ids: [twin.body.id],
    };
    const store = runtimeStore(runtime);
    await store.events.createWithDeliveries(stored, []);
    store.close();

    const response = await api.post<{ results: PublishResult[] }>('/publish/batch', {
      events: [
        { ...order(1), id: 'evt-reused', data: { tenant: 'bulk' } },
        { id: 'evt-reused', tenant_id: 'bulk-twin', topic: 'order.created', data: { tenant: 'bulk-twin' } },
      ],
    });
    expect(response.status).toBe(202);
    expect(response.body.results.map((result) => result.duplicate)).toEqual([false, true]);
    const received = await receiver.waitFor(2, 15000);
    expect(received.map((request) => request.path).sort()).toEqual(['/webhook', '/webhook?tenant=bulk-twin']);
  });

  it('refuses the whole body when it has too many events, none, or is not an object of events', async () => {
    const tooMany = await api.post<ErrorResult>('/publish/batch', {
      events: Array.from({ length: 101 }, (_, n) => order(n)),
    });
    expect(tooMany.status).toBe(422);
    expect((await api.post('/publish/batch', { events: [] })).status).toBe(422);
    expect((await api.post('/publish/batch', [order(1)])).status).toBe(422);
    const listed = await api.get<{ models: unknown[] }>('/events?tenant_id=bulk&limit=100');
    expect(listed.body.models.some((event) => JSON.stringify(event).includes('"n":100'))).toBe(false);
  });

  it('answers 413 for a body beyond the batch limit', async () => {
    const big = 'x'.repeat(200 * 1024);
    const events = Array.from({ length: 31 }, (_, n) => ({ ...order(n), data: { n, big } }));
    const response = await api.post<ErrorResult>('/publish/batch', { events });
    expect(response.status).toBe(413);
  });

  it('is admin-only', async () => {
    const token = await api.get<{ token: string }>('/tenants/bulk/token');
    const response = await api.post('/publish/batch', { events: [order(1)] }, token.body.token);
    expect(response.status).toBe(403);
  });
});

describe('publishing from the ingest queue', () => {
  const queueUrl = (deadLetter: boolean): string => {
    const [, url] = Object.entries(runtime.queueUrls).find(
      ([logicalId]) => logicalId.startsWith('Ingest') && logicalId.includes('DeadLetter') === deadLetter,
    )!;
    return url;
  };

  async function deadLetters(count: number): Promise<Message[]> {
    const messages: Message[] = [];
    const deadline = Date.now() + 20000;
    while (messages.length < count && Date.now() < deadline) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl(true),
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      messages.push(...(received.Messages ?? []));
    }
    return messages;
  }

  it('publishes each message like POST /publish and delivers it', async () => {
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl(false),
        Entries: [1, 2, 3].map((n) => ({
          Id: String(n),
          MessageBody: JSON.stringify({ ...order(n), id: `ingest-${n}`, metadata: { via: 'queue' } }),
        })),
      }),
    );
    expect(sent.Failed ?? []).toEqual([]);
    const received = await receiver.waitFor(3, 20000);
    expect(received.map((request) => request.headers['x-outpost-event-id']).sort()).toEqual([
      'ingest-1',
      'ingest-2',
      'ingest-3',
    ]);
    expect(JSON.parse(received[0]!.body)).toHaveProperty('n');
    const stored = await api.get<{ id: string; metadata: Record<string, string> }>('/events/ingest-2');
    expect(stored.status).toBe(200);
    expect(stored.body.metadata).toEqual({ via: 'queue' });
  });

  it('moves malformed messages to the DLQ with the reason, and still publishes the good ones beside them', async () => {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl(false),
        Entries: [
          { Id: 'json', MessageBody: '{"tenant_id": "bulk", "topic": ' },
          { Id: 'schema', MessageBody: JSON.stringify({ tenant_id: 'bulk', topic: 'order.created' }) },
          { Id: 'good', MessageBody: JSON.stringify({ ...order(7), id: 'ingest-good' }) },
          {
            Id: 'missing',
            MessageBody: JSON.stringify({ ...order(8), destination_id: 'des_missing' }),
          },
        ],
      }),
    );
    const [delivered] = await receiver.waitFor(1, 20000);
    expect(delivered!.headers['x-outpost-event-id']).toBe('ingest-good');
    const dead = await deadLetters(3);
    const reasons = Object.fromEntries(
      dead.map((message) => [message.Body!, message.MessageAttributes?.reason?.StringValue]),
    );
    expect(Object.keys(reasons)).toHaveLength(3);
    expect(reasons['{"tenant_id": "bulk", "topic": ']).toBe('message body is not JSON');
    expect(reasons[JSON.stringify({ tenant_id: 'bulk', topic: 'order.created' })]).toMatch(/data/);
    expect(reasons[JSON.stringify({ ...order(8), destination_id: 'des_missing' })]).toBe(
      'destination not found',
    );
  });

  it("delivers the message's data byte for byte", async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl(false),
        MessageBody: `{"id": "ingest-raw", "tenant_id": "bulk", "topic": "order.created", "data": ${handWritten(3)}}`,
      }),
    );
    const [delivered] = await receiver.waitFor(1, 20000);
    expect(delivered!.body).toBe(handWritten(3));
  });

  it('accepts a single SendMessage too', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl(false),
        MessageBody: JSON.stringify({ ...order(9), id: 'ingest-single' }),
      }),
    );
    const [delivered] = await receiver.waitFor(1, 20000);
    expect(delivered!.headers['x-outpost-event-id']).toBe('ingest-single');
  });
});
