import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../lambdas/core/config';
import type { Attempt, Event } from '../lambdas/core/model';
import { DynamoAttemptRepository } from '../lambdas/store/attempts.repository';
import { batchWrite, type StoredItem } from '../lambdas/store/batch-operations';
import { createDocumentClient } from '../lambdas/store/dynamo-client';
import { DynamoEventRepository } from '../lambdas/store/events.repository';
import { createTenant, payloadOf, type Harness } from './harness';
import { distribution, pool, type Distribution } from './stats';

/**
 * Step 5: publish and listing latency for a tenant with n stored events and attempts.
 *
 * Seeding path: the store's own repositories build the items (so no table key is spelled out here),
 * but against a client that only captures what they would write; the captured items then go to
 * DynamoDB Local with BatchWriteItem, 25 to a call, 16 calls in flight — far faster than one
 * transaction per event, and the items are exactly those the API writes.
 */

export interface ScalePoint {
  storedEvents: number;
  publishMs: Distribution;
  listEventsMs: Distribution;
  listAttemptsMs: Distribution;
  seedSeconds: number;
}

const TENANT = 'bench-scale';
const SAMPLES = 40;
const SEED_CHUNK = 250;

export async function prepareScaleTenant(harness: Harness): Promise<void> {
  await createTenant(harness, TENANT, 1);
}

export async function measureScale(
  harness: Harness,
  seedTo: number,
  alreadySeeded: number,
): Promise<ScalePoint> {
  const seedStarted = performance.now();
  await seed(harness, alreadySeeded, seedTo);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const publishMs: number[] = [];
  const data = payloadOf(1024);
  for (let n = 0; n < SAMPLES; n += 1) {
    const started = performance.now();
    const response = await harness.call('POST', '/publish', { tenant_id: TENANT, topic: 'bench', data });
    if (response.status !== 202) throw new Error(`publish at scale: ${response.status}`);
    publishMs.push(performance.now() - started);
  }
  const timed = async (path: string): Promise<number[]> => {
    const samples: number[] = [];
    for (let n = 0; n < SAMPLES / 2; n += 1) {
      const started = performance.now();
      const response = await harness.call<{ models: unknown[] }>('GET', path);
      if (response.status !== 200 || response.body.models.length === 0)
        throw new Error(`${path}: ${response.status}`);
      samples.push(performance.now() - started);
    }
    return samples;
  };
  return {
    storedEvents: seedTo,
    publishMs: distribution(publishMs),
    listEventsMs: distribution(await timed(`/events?tenant_id=${TENANT}&limit=100`)),
    listAttemptsMs: distribution(await timed(`/attempts?tenant_id=${TENANT}&limit=100`)),
    seedSeconds,
  };
}

/** Events (and one successful attempt each) numbered from..to-1, spread over the past 20 days. */
async function seed(harness: Harness, from: number, to: number): Promise<void> {
  const config = loadConfig(harness.runtime.env);
  const client = createDocumentClient({
    region: 'us-east-1',
    endpoint: harness.runtime.dynamoEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const eventItems: StoredItem[] = [];
  const attemptItems: StoredItem[] = [];
  const events = new DynamoEventRepository(capturing(eventItems), config.tables.events, config.retentionDays);
  const attempts = new DynamoAttemptRepository(
    capturing(attemptItems),
    config.tables.attempts,
    config.retentionDays,
  );
  const now = Date.now();
  const span = 20 * 24 * 3600 * 1000;
  try {
    for (let start = from; start < to; start += SEED_CHUNK * 16) {
      eventItems.length = 0;
      attemptItems.length = 0;
      const end = Math.min(to, start + SEED_CHUNK * 16);
      for (let n = start; n < end; n += 1) {
        const time = new Date(now - span + Math.floor((span * n) / to) - 60000).toISOString();
        const event: Event = {
          id: `seed-${n}`,
          tenant_id: TENANT,
          topic: 'bench',
          time,
          eligible_for_retry: true,
          metadata: null,
          data: { n },
          matched_destination_ids: ['des_seed'],
        };
        await events.createWithDeliveries(event, []);
        const attempt: Attempt = {
          id: `atm_seed_${n}`,
          tenant_id: TENANT,
          event_id: event.id,
          destination_id: 'des_seed',
          destination_type: 'webhook',
          attempt_number: 1,
          manual: false,
          status: 'success',
          code: '200',
          time,
          response_data: null,
          topic: 'bench',
        };
        await attempts.put(attempt);
      }
      const jobs = [
        ...chunksOf(eventItems, SEED_CHUNK).map((items) => ({ table: config.tables.events, items })),
        ...chunksOf(attemptItems, SEED_CHUNK).map((items) => ({ table: config.tables.attempts, items })),
      ];
      await pool(jobs.length, 16, async (index) => {
        const job = jobs[index]!;
        await batchWrite(
          client,
          job.table,
          job.items.map((Item) => ({ PutRequest: { Item } })),
        );
      });
    }
  } finally {
    client.destroy();
  }
}

/** A stand-in client that records the items a repository would write, and writes nothing. */
function capturing(into: StoredItem[]): DynamoDBDocumentClient {
  return {
    send: async (command: {
      input: { Item?: StoredItem; TransactItems?: Array<{ Put?: { Item: StoredItem } }> };
    }) => {
      if (command.input.Item) into.push(command.input.Item);
      for (const item of command.input.TransactItems ?? []) if (item.Put) into.push(item.Put.Item);
      return {};
    },
  } as unknown as DynamoDBDocumentClient;
}

function chunksOf<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );
}
