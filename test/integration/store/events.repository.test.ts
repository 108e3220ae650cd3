import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { planDelivery } from '../../../lambdas/core/delivery-plan';
import type { Delivery, Event } from '../../../lambdas/core/model';
import type { EventQuery } from '../../../lambdas/core/ports';
import { recordCommands } from '../../support/command-recorder';
import { typicalJson } from '../../support/typical-json';
import { minute, RETENTION_DAYS, startStore, type StoreFixture } from './store-fixture';

let store: StoreFixture;

beforeAll(async () => {
  store = await startStore();
});

afterAll(async () => {
  await store?.close();
});

function event(tenantId: string, id: string, time: string, overrides: Partial<Event> = {}): Event {
  return {
    id,
    tenant_id: tenantId,
    topic: 'user.created',
    time,
    eligible_for_retry: true,
    metadata: null,
    data: { zeta: 1, alpha: { nested: [1, 2] }, text: 'ünïcode' },
    matched_destination_ids: [],
    ...overrides,
  };
}

/** Stores an event whose data is the producer's text `dataJson`; returns it as stored. */
async function storeWithDataJson(
  tenantId: string,
  id: string,
  time: string,
  dataJson: string,
): Promise<Event> {
  const stored = event(tenantId, id, time, {
    data: JSON.parse(dataJson) as Event['data'],
    data_json: dataJson,
  });
  await store.repositories.events.createWithDeliveries(stored, []);
  return stored;
}

/** The event's item as DynamoDB holds it. */
async function rawEvent(tenantId: string, id: string) {
  const output = await store.documentClient.send(
    new GetCommand({ TableName: store.tables.events, Key: { pk: `TENANT#${tenantId}`, sk: `EVENT#${id}` } }),
  );
  return output.Item;
}

const deliveriesFor = (e: Event, destinationIds: string[]): Delivery[] =>
  destinationIds.map((id) => planDelivery(e, { id, type: 'webhook' }, new Date(e.time)).delivery);

/** Follows `next` (or `prev` when going back) cursors from `start` until they run out. */
async function allPages(
  query: EventQuery,
  via: 'next' | 'prev' = 'next',
  start?: string,
): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor = start;
  do {
    const page = await store.repositories.events.list({ ...query, [via]: cursor });
    pages.push(page.models.map((e) => e.id));
    cursor = page[via] ?? undefined;
  } while (cursor !== undefined);
  return pages;
}

describe('createWithDeliveries', () => {
  it('is idempotent on the event id and returns the stored event on a repeat', async () => {
    const first = event('t-idem', 'e1', minute(1), { matched_destination_ids: ['d1', 'd2'] });
    expect(
      await store.repositories.events.createWithDeliveries(first, deliveriesFor(first, ['d1', 'd2'])),
    ).toEqual({
      created: true,
    });

    const repeat = { ...first, topic: 'other.topic', data: { different: true } };
    const again = await store.repositories.events.createWithDeliveries(repeat, deliveriesFor(repeat, ['d3']));
    expect(again).toEqual({ created: false, existing: { ...first, data_json: JSON.stringify(first.data) } });
    const deliveries = await store.repositories.deliveries.listForEvent('t-idem', 'e1');
    expect(deliveries.map((d) => d.destination_id).sort()).toEqual(['d1', 'd2']);
  });

  it('stores data as the text the producer sent, and sets the TTL', async () => {
    // A producer's offset time: stored as given, keyed and expired by the instant it denotes.
    const withOffset = `${minute(30).slice(0, 10)}T01:30:00+01:00`;
    const dataJson = '{"b":1, "a":2.0,"c":{ "z":0,"y":1 }, "big": 12345678901234567890}';
    const stored = await storeWithDataJson('t-idem', 'e-json', withOffset, dataJson);
    const raw = await rawEvent('t-idem', 'e-json');
    expect(raw?.data).toBe(dataJson);
    expect(raw).not.toHaveProperty('data_json');
    expect(raw?.expires_at).toBe(Date.parse(withOffset) / 1000 + RETENTION_DAYS * 86_400);
    expect(raw?.gsi1sk).toBe(`${new Date(withOffset).toISOString()}#e-json`);
    const read = await store.repositories.events.get('t-idem', 'e-json');
    expect(read?.data_json).toBe(dataJson);
    expect(read).toEqual(stored);
  });

  it('stores large data compressed and reads back the exact text, by key and in listings', async () => {
    // Big integers, `1.0` and `\u00e9` are what a parse-and-serialise round trip would change.
    const dataJson = typicalJson(4096);
    expect(dataJson).toContain('12345678901234567890');
    expect(dataJson).toContain('"total":1.0');
    expect(dataJson).toContain('caf\\u00e9');
    const large = await storeWithDataJson('t-packed', 'e-large', minute(40), dataJson);
    const stored = (await rawEvent('t-packed', 'e-large'))?.data;
    expect(stored).toBeInstanceOf(Uint8Array);
    expect((stored as Uint8Array).length).toBeLessThan(Buffer.byteLength(dataJson) / 2);

    expect((await store.repositories.events.get('t-packed', 'e-large'))?.data_json).toBe(dataJson);
    const listed = await store.repositories.events.list({ tenantIds: ['t-packed'], limit: 10, dir: 'asc' });
    expect(listed.models.map((e) => e.data_json)).toEqual([dataJson]);
    const named = await store.repositories.events.list({ ids: ['e-large'], limit: 10, dir: 'asc' });
    expect(named.models).toEqual([large]);
  });

  it('reads data stored as a plain string before compression (an older .data/)', async () => {
    const dataJson = typicalJson(4096);
    const stored = await storeWithDataJson('t-packed', 'e-plain', minute(41), dataJson);
    await store.documentClient.send(
      new UpdateCommand({
        TableName: store.tables.events,
        Key: { pk: 'TENANT#t-packed', sk: 'EVENT#e-plain' },
        UpdateExpression: 'SET #data = :text',
        ExpressionAttributeNames: { '#data': 'data' },
        ExpressionAttributeValues: { ':text': dataJson },
      }),
    );
    expect(await store.repositories.events.get('t-packed', 'e-plain')).toEqual(stored);
  });

  it('writes a large fan-out of deliveries and still gates on the event id', async () => {
    const ids = Array.from({ length: 130 }, (_, index) => `d${index}`);
    const big = event('t-fanout', 'e-big', minute(2), { matched_destination_ids: ids });
    expect(await store.repositories.events.createWithDeliveries(big, deliveriesFor(big, ids))).toEqual({
      created: true,
    });
    expect(await store.repositories.deliveries.listForEvent('t-fanout', 'e-big')).toHaveLength(130);
    const again = await store.repositories.events.createWithDeliveries(big, deliveriesFor(big, ids));
    expect(again.created).toBe(false);
  });
});

describe('reading events', () => {
  beforeAll(async () => {
    const { events } = store.repositories;
    for (let index = 0; index < 10; index += 1) {
      await events.createWithDeliveries(
        event('t-a', `a${index}`, minute(100 + index), {
          topic: index % 2 === 0 ? 'order.created' : 'order.paid',
          matched_destination_ids: index % 3 === 0 ? ['dest-x'] : ['dest-y'],
        }),
        [],
      );
    }
    for (let index = 0; index < 4; index += 1) {
      await events.createWithDeliveries(event('t-b', `b${index}`, minute(100 + index)), []);
    }
  });

  it('gets by (tenant, id) and never across tenants', async () => {
    const { events } = store.repositories;
    expect((await events.get('t-a', 'a1'))?.id).toBe('a1');
    expect(await events.get('t-b', 'a1')).toBeNull();
    expect(
      (await events.list({ tenantIds: ['t-b'], ids: ['a1', 'a2'], limit: 10, dir: 'asc' })).models,
    ).toEqual([]);
    expect(
      (await events.list({ tenantIds: ['t-b'], destinationIds: ['dest-x'], limit: 10, dir: 'asc' })).models,
    ).toEqual([]);
    const bOnly = await events.list({ tenantIds: ['t-b'], limit: 100, dir: 'asc' });
    expect(bOnly.models.map((e) => e.tenant_id)).toEqual(['t-b', 't-b', 't-b', 't-b']);
  });

  it('finds the tenant of an event id alone (admin)', async () => {
    expect(await store.repositories.events.tenantIdsForEvent('a3')).toEqual(['t-a']);
    expect(await store.repositories.events.tenantIdsForEvent('nope')).toEqual([]);
  });

  it('pages one tenant forwards and backwards in both directions', async () => {
    const query = { tenantIds: ['t-a'], limit: 4, dir: 'desc' as const };
    const forward = await allPages(query);
    expect(forward).toEqual([
      ['a9', 'a8', 'a7', 'a6'],
      ['a5', 'a4', 'a3', 'a2'],
      ['a1', 'a0'],
    ]);

    const last = await store.repositories.events.list({
      ...query,
      next:
        (
          await store.repositories.events.list({
            ...query,
            next: (await store.repositories.events.list(query)).next ?? undefined,
          })
        ).next ?? undefined,
    });
    expect(last.models.map((e) => e.id)).toEqual(['a1', 'a0']);
    expect(last.next).toBeNull();
    const back = await allPages(query, 'prev', last.prev ?? undefined);
    expect(back).toEqual([
      ['a5', 'a4', 'a3', 'a2'],
      ['a9', 'a8', 'a7', 'a6'],
    ]);

    const ascending = await allPages({ ...query, dir: 'asc' });
    expect(ascending.flat()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9']);
  });

  it('filters by topic, destination and time range, across pages both ways', async () => {
    const query: EventQuery = {
      tenantIds: ['t-a'],
      topics: ['order.created'],
      time: { gt: minute(100), lte: minute(108) },
      limit: 2,
      dir: 'asc',
    };
    const pages = await allPages(query);
    expect(pages).toEqual([
      ['a2', 'a4'],
      ['a6', 'a8'],
    ]);
    const second = await store.repositories.events.list({
      ...query,
      next: (await store.repositories.events.list(query)).next ?? undefined,
    });
    const back = await store.repositories.events.list({ ...query, prev: second.prev ?? undefined });
    expect(back.models.map((e) => e.id)).toEqual(['a2', 'a4']);
    expect(back.prev).toBeNull();

    const byDestination = await allPages({
      tenantIds: ['t-a'],
      destinationIds: ['dest-x'],
      limit: 10,
      dir: 'asc',
    });
    expect(byDestination).toEqual([['a0', 'a3', 'a6', 'a9']]);
    const window = await allPages({
      tenantIds: ['t-a'],
      time: { gte: minute(102), lt: minute(105) },
      limit: 10,
      dir: 'asc',
    });
    expect(window).toEqual([['a2', 'a3', 'a4']]);
    const empty = await store.repositories.events.list({
      tenantIds: ['t-a'],
      time: { gt: minute(105), lt: minute(105) },
      limit: 10,
      dir: 'asc',
    });
    expect(empty).toEqual({ models: [], next: null, prev: null });
  });

  it('lists every tenant (admin) or several, with full events, and pages back', async () => {
    const window = { gte: minute(100), lt: minute(104) };
    const all = await allPages({ time: window, limit: 3, dir: 'asc' });
    expect(all.flat().sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3']);
    expect(all.map((page) => page.length)).toEqual([3, 3, 2]);

    const some = await store.repositories.events.list({
      tenantIds: ['t-a', 't-b'],
      topics: ['order.paid'],
      time: window,
      limit: 10,
      dir: 'desc',
    });
    expect(some.models.map((e) => e.id)).toEqual(['a3', 'a1']);
    expect(some.models[0]?.data).toEqual({ zeta: 1, alpha: { nested: [1, 2] }, text: 'ünïcode' });

    const first = await store.repositories.events.list({ time: window, limit: 3, dir: 'asc' });
    const second = await store.repositories.events.list({
      time: window,
      limit: 3,
      dir: 'asc',
      next: first.next ?? undefined,
    });
    const back = await store.repositories.events.list({
      time: window,
      limit: 3,
      dir: 'asc',
      prev: second.prev ?? undefined,
    });
    expect(back.models.map((e) => e.id)).toEqual(first.models.map((e) => e.id));
    expect(back.prev).toBeNull();
  });

  it('keeps querying when the filter discards whole reads, until the page is full', async () => {
    const { events } = store.repositories;
    await events.createWithDeliveries(event('t-sparse', 'hit-0', minute(200), { topic: 'rare' }), []);
    await Promise.all(
      Array.from({ length: 250 }, (_, index) =>
        events.createWithDeliveries(event('t-sparse', `miss-${index}`, minute(201 + index)), []),
      ),
    );
    await events.createWithDeliveries(event('t-sparse', 'hit-1', minute(500), { topic: 'rare' }), []);

    const page = await events.list({ tenantIds: ['t-sparse'], topics: ['rare'], limit: 2, dir: 'desc' });
    expect(page.models.map((e) => e.id)).toEqual(['hit-1', 'hit-0']);
    expect(page.next).toBeNull();
    const one = await events.list({ tenantIds: ['t-sparse'], topics: ['rare'], limit: 1, dir: 'desc' });
    expect(one.models.map((e) => e.id)).toEqual(['hit-1']);
    expect(one.next).not.toBeNull();
    const rest = await events.list({
      tenantIds: ['t-sparse'],
      topics: ['rare'],
      limit: 1,
      dir: 'desc',
      next: one.next ?? undefined,
    });
    expect(rest.models.map((e) => e.id)).toEqual(['hit-0']);
    expect(rest.next).toBeNull();
  });

  it('keys every event and delivery item under its tenant', async () => {
    const raw = await store.documentClient.send(
      new QueryCommand({
        TableName: store.tables.events,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'TENANT#t-b' },
      }),
    );
    expect(raw.Items?.map((item) => item.tenant_id)).toEqual(['t-b', 't-b', 't-b', 't-b']);
  });
});

describe('events named by id (ids are chosen by producers: unique per tenant only)', () => {
  beforeAll(async () => {
    const { events } = store.repositories;
    await events.createWithDeliveries(event('t-n1', 'shared', minute(600), { topic: 'order.paid' }), []);
    await events.createWithDeliveries(event('t-n2', 'shared', minute(601), { topic: 'order.paid' }), []);
    await events.createWithDeliveries(
      event('t-n1', 'own', minute(602), { matched_destination_ids: ['d-1'] }),
      [],
    );
    // Many others in the same tenant: what a filter over the tenant's index would have to read through.
    await Promise.all(
      Array.from({ length: 150 }, (_, index) =>
        events.createWithDeliveries(event('t-n1', `other-${index}`, minute(603 + index)), []),
      ),
    );
  });

  it('finds every tenant with the id', async () => {
    expect((await store.repositories.events.tenantIdsForEvent('shared')).sort()).toEqual(['t-n1', 't-n2']);
  });

  it('reads them by key, never a time index, with or without the tenant', async () => {
    const recorder = recordCommands(store.documentClient);
    try {
      const scoped = await store.repositories.events.list({
        tenantIds: ['t-n1'],
        ids: ['shared', 'own', 'missing'],
        limit: 10,
        dir: 'desc',
      });
      expect(scoped.models.map((e) => [e.tenant_id, e.id])).toEqual([
        ['t-n1', 'own'],
        ['t-n1', 'shared'],
      ]);
      expect(recorder.summary()).toEqual(['BatchGetItem']);
      recorder.clear();
      const everywhere = await store.repositories.events.list({ ids: ['shared'], limit: 10, dir: 'asc' });
      expect(everywhere.models.map((e) => e.tenant_id)).toEqual(['t-n1', 't-n2']);
      expect(recorder.summary()).toEqual(['Query events-by-id', 'BatchGetItem']);
    } finally {
      recorder.stop();
    }
  });

  it("applies the other criteria to what it read, and pages with the listings' cursors", async () => {
    const { events } = store.repositories;
    const base = { ids: ['shared', 'own'], dir: 'asc' as const };
    expect(
      (await events.list({ ...base, limit: 10, topics: ['order.paid'] })).models.map((e) => e.tenant_id),
    ).toEqual(['t-n1', 't-n2']);
    expect(
      (await events.list({ ...base, limit: 10, destinationIds: ['d-1'] })).models.map((e) => e.id),
    ).toEqual(['own']);
    expect(
      (await events.list({ ...base, limit: 10, time: { gt: minute(600), lt: minute(602) } })).models.map(
        (e) => e.tenant_id,
      ),
    ).toEqual(['t-n2']);
    expect((await events.list({ ...base, limit: 10, tenantIds: [] })).models).toEqual([]);

    const first = await events.list({ ...base, limit: 2 });
    expect(first.models.map((e) => `${e.tenant_id}/${e.id}`)).toEqual(['t-n1/shared', 't-n2/shared']);
    expect(first.prev).toBeNull();
    const second = await events.list({ ...base, limit: 2, next: first.next ?? undefined });
    expect(second.models.map((e) => `${e.tenant_id}/${e.id}`)).toEqual(['t-n1/own']);
    expect(second.next).toBeNull();
    const back = await events.list({ ...base, limit: 2, prev: second.prev ?? undefined });
    expect(back.models.map((e) => `${e.tenant_id}/${e.id}`)).toEqual(['t-n1/shared', 't-n2/shared']);
    expect(back.prev).toBeNull();
    // A cursor of the time listing is not one of this listing.
    const timeCursor = (await events.list({ tenantIds: ['t-n1'], limit: 1, dir: 'asc' })).next ?? undefined;
    await expect(events.list({ ...base, limit: 2, next: timeCursor })).rejects.toThrow('invalid cursor');
  });

  it('refuses more lookups than one batch read', async () => {
    const ids = Array.from({ length: 51 }, (_, index) => `x${index}`);
    await expect(
      store.repositories.events.list({ ids, tenantIds: ['t-n1', 't-n2'], limit: 10, dir: 'asc' }),
    ).rejects.toThrow('invalid query parameters');
  });
});
