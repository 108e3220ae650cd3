import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, DestinationNotFoundError } from '../../../lambdas/core/errors';
import type { Destination } from '../../../lambdas/core/model';
import { recordCommands } from '../../support/command-recorder';
import { minute, startStore, type StoreFixture } from './store-fixture';

let store: StoreFixture;

beforeAll(async () => {
  store = await startStore();
});

afterAll(async () => {
  await store?.close();
});

function destination(tenantId: string, id: string, secret = `secret-of-${id}`): Destination {
  return {
    id,
    tenant_id: tenantId,
    type: 'webhook',
    topics: ['user.created'],
    filter: null,
    config: { url: 'https://example.test/hook' },
    credentials: { secret },
    delivery_metadata: null,
    metadata: { team: 'a' },
    disabled_at: null,
    created_at: minute(0),
    updated_at: minute(0),
  };
}

describe('tenants', () => {
  it('creates, then updates, keeping created_at', async () => {
    const created = await store.repositories.tenants.upsert('t-upsert', { plan: 'free' }, minute(1));
    expect(created).toEqual({
      created: true,
      tenant: { id: 't-upsert', metadata: { plan: 'free' }, created_at: minute(1), updated_at: minute(1) },
    });
    const updated = await store.repositories.tenants.upsert('t-upsert', null, minute(2));
    expect(updated).toEqual({
      created: false,
      tenant: { id: 't-upsert', metadata: null, created_at: minute(1), updated_at: minute(2) },
    });
    expect(await store.repositories.tenants.get('t-upsert')).toEqual(updated.tenant);
    expect(await store.repositories.tenants.get('t-missing')).toBeNull();
  });

  it('returns the tenant and all its destinations from one Query, and no other tenant’s', async () => {
    const { tenants, destinations } = store.repositories;
    await tenants.upsert('t-with', null, minute(3));
    await tenants.upsert('t-other', null, minute(3));
    await destinations.create(destination('t-with', 'd1'));
    await destinations.create(destination('t-with', 'd2'));
    await destinations.create(destination('t-other', 'd3'));

    const result = await tenants.getWithDestinations('t-with');
    expect(result?.tenant.id).toBe('t-with');
    expect(result?.destinations.map((d) => d.id).sort()).toEqual(['d1', 'd2']);
    expect(result?.destinations.find((d) => d.id === 'd1')?.credentials).toEqual({ secret: 'secret-of-d1' });
    expect(await tenants.getWithDestinations('t-nobody')).toBeNull();
  });

  it('deletes the tenant with its destinations and keeps the count exact', async () => {
    const { tenants, destinations } = store.repositories;
    const before = (await tenants.list({ limit: 1, dir: 'asc' })).count;
    await tenants.upsert('t-doomed', null, minute(4));
    await destinations.create(destination('t-doomed', 'd1'));
    await destinations.create(destination('t-doomed', 'd2'));
    expect((await tenants.list({ limit: 1, dir: 'asc' })).count).toBe(before + 1);

    expect(await tenants.delete('t-doomed')).toBe(true);
    expect(await tenants.delete('t-doomed')).toBe(false);
    expect(await tenants.get('t-doomed')).toBeNull();
    expect(await destinations.get('t-doomed', 'd1')).toBeNull();
    const left = await store.documentClient.send(
      new QueryCommand({
        TableName: store.tables.destinations,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'TENANT#t-doomed' },
      }),
    );
    expect(left.Items).toEqual([]);
    expect((await tenants.list({ limit: 1, dir: 'asc' })).count).toBe(before);
  });

  it('counts concurrent creates exactly once each', async () => {
    const { tenants } = store.repositories;
    const before = (await tenants.list({ limit: 1, dir: 'asc' })).count;
    const results = await Promise.all(
      ['c1', 'c2', 'c3', 'c4', 'c1', 'c2'].map((id) => tenants.upsert(`t-concurrent-${id}`, null, minute(5))),
    );
    expect(results.filter((result) => result.created)).toHaveLength(4);
    expect((await tenants.list({ limit: 1, dir: 'asc' })).count).toBe(before + 4);
  });
});

describe('tenant listing', () => {
  const ids = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((id) => `list-${id}`);

  beforeAll(async () => {
    // Created far in the future so that they sort after the other tests' tenants.
    for (const [index, id] of ids.entries()) {
      await store.repositories.tenants.upsert(
        id,
        null,
        new Date(Date.UTC(2030, 0, 1, 0, index)).toISOString(),
      );
    }
  });

  it('pages forwards and backwards by created time, with prev null on the first page', async () => {
    const { tenants } = store.repositories;
    const first = await tenants.list({ limit: 3, dir: 'desc', ids });
    expect(first.models.map((t) => t.id)).toEqual(['list-p6', 'list-p5', 'list-p4']);
    expect(first.prev).toBeNull();
    expect(first.next).not.toBeNull();

    const second = await tenants.list({ limit: 3, dir: 'desc', ids, next: first.next ?? undefined });
    expect(second.models.map((t) => t.id)).toEqual(['list-p3', 'list-p2', 'list-p1']);
    const third = await tenants.list({ limit: 3, dir: 'desc', ids, next: second.next ?? undefined });
    expect(third.models.map((t) => t.id)).toEqual(['list-p0']);
    expect(third.next).toBeNull();

    const back = await tenants.list({ limit: 3, dir: 'desc', ids, prev: third.prev ?? undefined });
    expect(back.models.map((t) => t.id)).toEqual(['list-p3', 'list-p2', 'list-p1']);
    const backToStart = await tenants.list({ limit: 3, dir: 'desc', ids, prev: back.prev ?? undefined });
    expect(backToStart.models.map((t) => t.id)).toEqual(['list-p6', 'list-p5', 'list-p4']);
    expect(backToStart.prev).toBeNull();
    expect(backToStart.next).not.toBeNull();
  });

  it('reads tenants named by id by key, and counts only those found', async () => {
    const picked = ['list-p1', 'list-p5', 'list-p6', 'list-missing'];
    const recorder = recordCommands(store.documentClient);
    const page = await store.repositories.tenants.list({ limit: 2, dir: 'asc', ids: picked });
    recorder.stop();
    expect(recorder.summary()).toEqual(['BatchGetItem']);
    expect(page.models.map((t) => t.id)).toEqual(['list-p1', 'list-p5']);
    const rest = await store.repositories.tenants.list({
      limit: 2,
      dir: 'asc',
      ids: picked,
      next: page.next ?? undefined,
    });
    expect(rest.models.map((t) => t.id)).toEqual(['list-p6']);
    expect(rest.next).toBeNull();
    expect(page.count).toBe(3);
    expect((await store.repositories.tenants.list({ limit: 1, dir: 'asc', ids: ['list-p0'] })).count).toBe(1);
    // Without a filter, count is every tenant (the counter item).
    expect((await store.repositories.tenants.list({ limit: 1, dir: 'asc' })).count).toBeGreaterThanOrEqual(
      ids.length,
    );
  });

  it('rejects a cursor from another direction or a garbled one', async () => {
    const page = await store.repositories.tenants.list({ limit: 1, dir: 'asc', ids });
    await expect(
      store.repositories.tenants.list({ limit: 1, dir: 'asc', prev: page.next ?? undefined }),
    ).rejects.toThrow('invalid cursor');
    await expect(
      store.repositories.tenants.list({ limit: 1, dir: 'asc', next: 'not-a-cursor' }),
    ).rejects.toThrow('invalid cursor');
  });
});

describe('destinations', () => {
  beforeAll(async () => {
    await store.repositories.tenants.upsert('t-dest', null, minute(6));
    await store.repositories.tenants.upsert('t-intruder', null, minute(6));
  });

  it('creates, rejects a duplicate id, updates and deletes', async () => {
    const { destinations } = store.repositories;
    const original = destination('t-dest', 'd-crud');
    await destinations.create(original);
    await expect(destinations.create(original)).rejects.toBeInstanceOf(ConflictError);
    expect(await destinations.get('t-dest', 'd-crud')).toEqual(original);

    const changed = {
      ...original,
      topics: '*' as const,
      credentials: { secret: 'rotated' },
      updated_at: minute(7),
    };
    await destinations.update(changed);
    expect(await destinations.get('t-dest', 'd-crud')).toEqual(changed);

    expect(await destinations.delete('t-dest', 'd-crud')).toBe(true);
    expect(await destinations.delete('t-dest', 'd-crud')).toBe(false);
    await expect(destinations.update(changed)).rejects.toBeInstanceOf(DestinationNotFoundError);
  });

  it('stores credentials only as ciphertext', async () => {
    await store.repositories.destinations.create(destination('t-dest', 'd-secret', 'whsec_PLAINTEXT_MARKER'));
    const raw = await store.documentClient.send(
      new GetCommand({
        TableName: store.tables.destinations,
        Key: { pk: 'TENANT#t-dest', sk: 'DEST#d-secret' },
      }),
    );
    expect(raw.Item).toBeDefined();
    expect(raw.Item?.credentials).toBeUndefined();
    expect(typeof raw.Item?.credentials_ciphertext).toBe('string');
    expect(JSON.stringify(raw.Item)).not.toContain('PLAINTEXT_MARKER');
  });

  it('never shows one tenant another tenant’s destination', async () => {
    const { destinations, tenants } = store.repositories;
    await destinations.create(destination('t-dest', 'd-private'));
    expect(await destinations.get('t-intruder', 'd-private')).toBeNull();
    expect(await destinations.delete('t-intruder', 'd-private')).toBe(false);
    await expect(destinations.update(destination('t-intruder', 'd-private'))).rejects.toBeInstanceOf(
      DestinationNotFoundError,
    );
    expect((await tenants.getWithDestinations('t-intruder'))?.destinations).toEqual([]);
    expect(await destinations.get('t-dest', 'd-private')).not.toBeNull();
  });
});
