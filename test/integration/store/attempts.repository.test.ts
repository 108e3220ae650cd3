import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { attemptIdFor } from '../../../lambdas/core/ids';
import type { Attempt } from '../../../lambdas/core/model';
import type { AttemptQuery } from '../../../lambdas/core/ports';
import { recordCommands } from '../../support/command-recorder';
import { typicalJson } from '../../support/typical-json';
import { minute, startStore, type StoreFixture } from './store-fixture';

let store: StoreFixture;

beforeAll(async () => {
  store = await startStore();
  // t-a: 12 attempts over 2 events x 2 destinations; t-b: 3 attempts reusing t-a's ids for event/destination.
  for (let index = 0; index < 12; index += 1) {
    await store.repositories.attempts.put(
      attempt('t-a', `a${String(index).padStart(2, '0')}`, minute(10 + index), {
        event_id: `e${index % 2}`,
        destination_id: `d${Math.floor(index / 6)}`,
        status: index % 4 === 0 ? 'success' : 'failed',
        topic: index % 3 === 0 ? 'order.paid' : 'order.created',
      }),
    );
  }
  for (let index = 0; index < 3; index += 1) {
    await store.repositories.attempts.put(
      attempt('t-b', `b${index}`, minute(10 + index), { event_id: 'e0', destination_id: 'd0' }),
    );
  }
});

afterAll(async () => {
  await store?.close();
});

function attempt(tenantId: string, id: string, time: string, overrides: Partial<Attempt> = {}): Attempt {
  return {
    id,
    tenant_id: tenantId,
    event_id: 'e0',
    destination_id: 'd0',
    destination_type: 'webhook',
    attempt_number: 1,
    manual: false,
    status: 'failed',
    code: '503',
    time,
    response_data: { status_code: 503, headers: { 'retry-after': '5' }, body: 'busy', truncated: false },
    topic: 'order.created',
    ...overrides,
  };
}

async function ids(query: AttemptQuery): Promise<string[]> {
  const all: string[] = [];
  let next: string | undefined;
  do {
    const page = await store.repositories.attempts.list({ ...query, next });
    all.push(...page.models.map((a) => a.id));
    next = page.next ?? undefined;
  } while (next !== undefined);
  return all;
}

describe('attempts', () => {
  it('puts idempotently and stores response_data as a map', async () => {
    const repeated = attempt('t-c', 'c1', minute(1));
    await store.repositories.attempts.put(repeated);
    await store.repositories.attempts.put(repeated);
    expect(
      (await store.repositories.attempts.list({ tenantIds: ['t-c'], limit: 10, dir: 'asc' })).models,
    ).toEqual([repeated]);
    const raw = await store.documentClient.send(
      new GetCommand({ TableName: store.tables.attempts, Key: { pk: 'TENANT#t-c', sk: 'ATTEMPT#c1' } }),
    );
    expect(raw.Item?.response_data).toEqual(repeated.response_data);
  });

  it('stores a large response_data compressed and reads it back as it was, as does the plain form', async () => {
    const body = typicalJson(8192);
    const large = attempt('t-packed', 'p-large', minute(2), {
      response_data: { status_code: 200, headers: { 'content-type': 'application/json' }, body },
    });
    await store.repositories.attempts.put(large);
    const key = { pk: 'TENANT#t-packed', sk: 'ATTEMPT#p-large' };
    const raw = await store.documentClient.send(
      new GetCommand({ TableName: store.tables.attempts, Key: key }),
    );
    expect(raw.Item?.response_data).toBeInstanceOf(Uint8Array);
    expect((raw.Item?.response_data as Uint8Array).length).toBeLessThan(Buffer.byteLength(body) / 2);
    expect(await store.repositories.attempts.get('t-packed', 'p-large')).toEqual(large);

    // What an older version stored: the map itself.
    await store.documentClient.send(
      new UpdateCommand({
        TableName: store.tables.attempts,
        Key: key,
        UpdateExpression: 'SET response_data = :map',
        ExpressionAttributeValues: { ':map': large.response_data },
      }),
    );
    expect(await store.repositories.attempts.get('t-packed', 'p-large')).toEqual(large);
  });

  it('gets by tenant and id, or by id alone (admin) through the tenant it names, never through another', async () => {
    const { attempts } = store.repositories;
    const id = attemptIdFor('t-get', 'e0', 'd0', 1);
    // Another tenant's attempt under a tenant id that also names the first: ids are per tenant.
    const twin = attemptIdFor('t-get2', 'e0', 'd0', 1);
    await attempts.put(attempt('t-get', id, minute(3)));
    await attempts.put(attempt('t-get2', twin, minute(3)));
    const recorder = recordCommands(store.documentClient);
    expect(await attempts.get('t-get', id)).toEqual(attempt('t-get', id, minute(3)));
    expect(await attempts.get(undefined, id)).toEqual(attempt('t-get', id, minute(3)));
    expect(await attempts.get(undefined, twin)).toEqual(attempt('t-get2', twin, minute(3)));
    expect(recorder.summary()).toEqual(['GetItem', 'GetItem', 'GetItem']);
    recorder.stop();
    expect(await attempts.get('t-get2', id)).toBeNull();
    expect(await attempts.get('t-b', id)).toBeNull();
    // An id that names no tenant (an older id, a forged one) is found only under a tenant given.
    expect((await attempts.get('t-a', 'a03'))?.tenant_id).toBe('t-a');
    expect(await attempts.get(undefined, 'a03')).toBeNull();
    expect(await attempts.get(undefined, 'atm_missing')).toBeNull();
    expect(await attempts.get(undefined, attemptIdFor('t-nobody', 'e0', 'd0', 1))).toBeNull();
  });

  it('lists by event, destination, status and topic within one tenant only', async () => {
    const base = { tenantIds: ['t-a'], limit: 4, dir: 'asc' as const };
    expect(await ids({ ...base, eventIds: ['e0'] })).toEqual(['a00', 'a02', 'a04', 'a06', 'a08', 'a10']);
    expect(await ids({ ...base, destinationIds: ['d1'] })).toEqual([
      'a06',
      'a07',
      'a08',
      'a09',
      'a10',
      'a11',
    ]);
    expect(await ids({ ...base, eventIds: ['e1'], destinationIds: ['d0'] })).toEqual(['a01', 'a03', 'a05']);
    expect(await ids({ ...base, status: 'success' })).toEqual(['a00', 'a04', 'a08']);
    expect(await ids({ ...base, topics: ['order.paid'], time: { gt: minute(10) } })).toEqual([
      'a03',
      'a06',
      'a09',
    ]);
    expect(
      await ids({ ...base, eventIds: ['e0', 'e1'], destinationIds: ['d0', 'd1'], status: 'success' }),
    ).toEqual(['a00', 'a04', 'a08']);
    expect(await ids({ tenantIds: ['t-b'], eventIds: ['e0'], limit: 10, dir: 'asc' })).toEqual([
      'b0',
      'b1',
      'b2',
    ]);
    expect(await ids({ tenantIds: ['t-b'], eventIds: [], limit: 10, dir: 'asc' })).toEqual([]);
  });

  it('pages back from the last page to the first with filters', async () => {
    const query: AttemptQuery = { tenantIds: ['t-a'], status: 'failed', limit: 3, dir: 'desc' };
    const first = await store.repositories.attempts.list(query);
    expect(first.models.map((a) => a.id)).toEqual(['a11', 'a10', 'a09']);
    expect(first.prev).toBeNull();
    const second = await store.repositories.attempts.list({ ...query, next: first.next ?? undefined });
    expect(second.models.map((a) => a.id)).toEqual(['a07', 'a06', 'a05']);
    const back = await store.repositories.attempts.list({ ...query, prev: second.prev ?? undefined });
    expect(back.models.map((a) => a.id)).toEqual(['a11', 'a10', 'a09']);
    expect(back.prev).toBeNull();
    expect(back.next).toBe(first.next);
  });

  it('lists across every tenant or a set of tenants (admin)', async () => {
    // An event id's tenants are resolved first (EventRepository.tenantIdsForEvent): both use e0.
    const everyone = await ids({
      tenantIds: ['t-a', 't-b'],
      eventIds: ['e0'],
      destinationIds: ['d0'],
      time: { gte: minute(10), lte: minute(12) },
      limit: 2,
      dir: 'asc',
    });
    expect(everyone.sort()).toEqual(['a00', 'a02', 'b0', 'b1', 'b2']);
    const two = await store.repositories.attempts.list({ tenantIds: ['t-b', 't-c'], limit: 10, dir: 'desc' });
    expect(two.models.map((a) => a.id)).toEqual(['b2', 'b1', 'b0', 'c1']);
    expect(two.models[3]?.response_data?.body).toBe('busy');
  });

  it("reads named events' attempts from their event partitions, never a tenant's whole history", async () => {
    const query: AttemptQuery = { tenantIds: ['t-a'], eventIds: ['e0', 'e1'], limit: 4, dir: 'asc' };
    const recorder = recordCommands(store.documentClient);
    const first = await store.repositories.attempts.list(query);
    recorder.stop();
    expect(first.models.map((a) => a.id)).toEqual(['a00', 'a01', 'a02', 'a03']);
    expect(recorder.summary()).toEqual([
      'Query attempts-by-event',
      'Query attempts-by-event',
      'BatchGetItem',
    ]);
    expect(await ids(query)).toEqual(Array.from({ length: 12 }, (_, n) => `a${String(n).padStart(2, '0')}`));
    const second = await store.repositories.attempts.list({ ...query, next: first.next ?? undefined });
    const back = await store.repositories.attempts.list({ ...query, prev: second.prev ?? undefined });
    expect(back.models.map((a) => a.id)).toEqual(['a00', 'a01', 'a02', 'a03']);
    expect(back.prev).toBeNull();
    expect(
      await ids({ ...query, tenantIds: ['t-a', 't-b'], eventIds: ['e0'], status: 'failed', dir: 'desc' }),
    ).toEqual(['a10', 'a06', 'b2', 'a02', 'b1', 'b0']);
  });

  it('filters by destination type, inside DynamoDB', async () => {
    await store.repositories.attempts.put(attempt('t-d', 'd-web', minute(30)));
    await store.repositories.attempts.put(
      attempt('t-d', 'd-sqs', minute(31), { destination_type: 'aws_sqs' }),
    );
    const base = { tenantIds: ['t-d'], limit: 10, dir: 'asc' as const };
    expect(await ids({ ...base, destinationTypes: ['aws_sqs'] })).toEqual(['d-sqs']);
    expect(await ids({ ...base, destinationTypes: ['webhook', 'aws_sqs'] })).toEqual(['d-web', 'd-sqs']);
    expect(await ids({ ...base, eventIds: ['e0'], destinationTypes: ['webhook'] })).toEqual(['d-web']);
    expect(await ids({ ...base, destinationTypes: [] })).toEqual([]);
  });
});
