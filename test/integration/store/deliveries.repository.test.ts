import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { taskFor } from '../../../lambdas/core/delivery-plan';
import type { Delivery } from '../../../lambdas/core/model';
import { minute, startStore, type StoreFixture } from './store-fixture';

let store: StoreFixture;

beforeAll(async () => {
  store = await startStore();
});

afterAll(async () => {
  await store?.close();
});

function delivery(tenantId: string, eventId: string, destinationId: string, dueAt: string | null): Delivery {
  return {
    tenant_id: tenantId,
    event_id: eventId,
    destination_id: destinationId,
    destination_type: 'webhook',
    event_time: minute(0),
    status: dueAt === null ? 'success' : 'queued',
    next_attempt_number: 1,
    task_id: `task-${eventId}-${destinationId}`,
    due_at: dueAt,
    attempts: 0,
    manual_retries: 0,
    last_code: null,
    reason: null,
    updated_at: minute(0),
  };
}

async function rawItem(d: Delivery) {
  const output = await store.documentClient.send(
    new GetCommand({
      TableName: store.tables.events,
      Key: { pk: `TENANT#${d.tenant_id}`, sk: `EVENT#${d.event_id}#DLV#${d.destination_id}` },
    }),
  );
  return output.Item;
}

describe('deliveries', () => {
  it("lists one destination's deliveries by event time, filtered by status and time, page by page", async () => {
    const { deliveries } = store.repositories;
    const statuses = ['skipped', 'failed', 'success', 'skipped', 'failed'] as const;
    for (const [index, status] of statuses.entries()) {
      await deliveries.put({
        ...delivery('t-list', `e${index}`, 'd1', null),
        status,
        event_time: minute(index),
      });
    }
    await deliveries.put({ ...delivery('t-list', 'e9', 'd2', null), status: 'skipped' });
    await deliveries.put({ ...delivery('t-other', 'e0', 'd1', null), status: 'skipped' });

    const replayable = await deliveries.listForDestination('t-list', 'd1', {
      statuses: ['skipped', 'failed'],
      limit: 10,
    });
    expect(replayable.deliveries.map((d) => d.event_id)).toEqual(['e0', 'e1', 'e3', 'e4']);
    expect(replayable.cursor).toBeUndefined();

    const inRange = await deliveries.listForDestination('t-list', 'd1', {
      statuses: ['skipped', 'failed'],
      time: { gte: minute(1), lt: minute(4) },
      limit: 10,
    });
    expect(inRange.deliveries.map((d) => d.event_id)).toEqual(['e1', 'e3']);

    // Without a status: every delivery the index holds; the successful e2 is not among them.
    const first = await deliveries.listForDestination('t-list', 'd1', { limit: 2 });
    expect(first.deliveries.map((d) => d.event_id)).toEqual(['e0', 'e1']);
    const second = await deliveries.listForDestination('t-list', 'd1', { limit: 2, cursor: first.cursor });
    expect(second.deliveries.map((d) => d.event_id)).toEqual(['e3', 'e4']);
    expect((await deliveries.listForDestination('t-nobody', 'd1', { limit: 10 })).deliveries).toEqual([]);
    await expect(
      deliveries.listForDestination('t-list', 'd1', { statuses: ['success'], limit: 10 }),
    ).rejects.toThrow(/success deliveries are not in deliveries-by-destination/);
  });

  it('indexes a delivery by destination only while it is retrying, failed or skipped', async () => {
    const { deliveries } = store.repositories;
    const listed = async () =>
      (await deliveries.listForDestination('t-sparse', 'd1', { limit: 10 })).deliveries.map((d) => d.status);
    const queued = delivery('t-sparse', 'e1', 'd1', minute(1));
    await deliveries.put(queued);
    expect(await rawItem(queued)).not.toHaveProperty('dlvpk');
    expect(await listed()).toEqual([]);

    const retrying: Delivery = { ...queued, status: 'retrying', next_attempt_number: 2, attempts: 1 };
    expect(await deliveries.advance(retrying, queued)).toBe(true);
    expect(await rawItem(queued)).toMatchObject({
      dlvpk: 'TENANT#t-sparse#DEST#d1',
      dlvsk: `${minute(0)}#e1`,
    });
    expect(await listed()).toEqual(['retrying']);

    // A manual retry queues it again: out of the index until it fails (or is skipped) again.
    const requeued: Delivery = { ...retrying, status: 'queued', task_id: 'task-manual' };
    expect(await deliveries.advance(requeued, retrying)).toBe(true);
    expect(await listed()).toEqual([]);
    const failed: Delivery = {
      ...requeued,
      status: 'failed',
      due_at: null,
      next_attempt_number: 3,
      attempts: 2,
    };
    expect(await deliveries.advance(failed, requeued)).toBe(true);
    expect(await listed()).toEqual(['failed']);

    const succeeded = delivery('t-sparse', 'e2', 'd1', minute(1));
    await deliveries.put(succeeded);
    expect(
      await deliveries.advance({ ...succeeded, status: 'success', due_at: null, attempts: 1 }, succeeded),
    ).toBe(true);
    expect(await rawItem(succeeded)).not.toHaveProperty('dlvpk');
    expect(await listed()).toEqual(['failed']);

    // A successful delivery an older version indexed stays out of the listing.
    await store.documentClient.send(
      new PutCommand({
        TableName: store.tables.events,
        Item: { ...(await rawItem(succeeded)), dlvpk: 'TENANT#t-sparse#DEST#d1', dlvsk: `${minute(0)}#e2` },
      }),
    );
    expect(await listed()).toEqual(['failed']);
  });

  it('gets and lists per event, and never across tenants', async () => {
    const { deliveries } = store.repositories;
    const mine = delivery('t-a', 'e1', 'd1', minute(1));
    await deliveries.put(mine);
    await deliveries.put(delivery('t-a', 'e1', 'd2', minute(1)));
    await deliveries.put(delivery('t-a', 'e10', 'd1', minute(1)));
    expect(await deliveries.get('t-a', 'e1', 'd1')).toEqual(mine);
    expect((await deliveries.listForEvent('t-a', 'e1')).map((d) => d.destination_id)).toEqual(['d1', 'd2']);
    expect(await deliveries.get('t-b', 'e1', 'd1')).toBeNull();
    expect(await deliveries.listForEvent('t-b', 'e1')).toEqual([]);
  });

  it('carries the due keys only while queued or retrying', async () => {
    const queued = delivery('t-due', 'e1', 'd1', minute(5));
    await store.repositories.deliveries.put(queued);
    const pending = await rawItem(queued);
    expect(pending?.duepk).toMatch(/^DUE#[0-7]$/);
    expect(pending?.duesk).toBe(`${minute(5)}#t-due#e1#d1`);

    const done: Delivery = {
      ...queued,
      status: 'success',
      due_at: null,
      next_attempt_number: 2,
      attempts: 1,
    };
    expect(await store.repositories.deliveries.advance(done, queued)).toBe(true);
    const finished = await rawItem(queued);
    expect(finished?.duepk).toBeUndefined();
    expect(finished?.duesk).toBeUndefined();
    expect(finished?.status).toBe('success');
  });

  it('puts a delivery only when its (event, destination) has no record yet', async () => {
    const { deliveries } = store.repositories;
    const first = delivery('t-absent', 'e1', 'd1', minute(1));
    expect(await deliveries.putIfAbsent(first)).toBe(true);
    const advanced: Delivery = {
      ...first,
      status: 'success',
      due_at: null,
      next_attempt_number: 2,
      attempts: 1,
    };
    expect(await deliveries.advance(advanced, first)).toBe(true);
    expect(await deliveries.putIfAbsent({ ...first, task_id: 'another-task' })).toBe(false);
    expect(await deliveries.get('t-absent', 'e1', 'd1')).toEqual(advanced);
  });

  it('advances only while the task, attempt number and status are unchanged', async () => {
    const { deliveries } = store.repositories;
    const current = delivery('t-takeover', 'e1', 'd1', minute(1));
    await deliveries.put(current);
    const renewed: Delivery = { ...current, task_id: 'task-renewed', due_at: minute(20) };
    expect(await deliveries.advance(renewed, current)).toBe(true);
    // The task it replaced can no longer record anything.
    expect(await deliveries.advance({ ...current, status: 'success', due_at: null }, current)).toBe(false);

    const skipped: Delivery = { ...renewed, status: 'skipped', due_at: null };
    await deliveries.put(skipped);
    expect(await deliveries.advance({ ...renewed, task_id: 'task-other' }, renewed)).toBe(false);
    expect(await deliveries.get('t-takeover', 'e1', 'd1')).toEqual(skipped);
  });

  it('marks a reason only on the delivery whose pending task it is', async () => {
    const { deliveries } = store.repositories;
    const pending = delivery('t-mark', 'e1', 'd1', minute(1));
    await deliveries.put(pending);
    const task = taskFor(pending, null, false);
    await deliveries.markReason({ ...task, task_id: 'another-task' }, 'enqueue_failed');
    expect((await deliveries.get('t-mark', 'e1', 'd1'))?.reason).toBeNull();
    await deliveries.markReason(task, 'enqueue_failed');
    expect(await deliveries.get('t-mark', 'e1', 'd1')).toEqual({ ...pending, reason: 'enqueue_failed' });

    const done: Delivery = { ...pending, status: 'success', due_at: null, reason: null, attempts: 1 };
    await deliveries.put(done);
    await deliveries.markReason(task, 'enqueue_failed');
    expect(await deliveries.get('t-mark', 'e1', 'd1')).toEqual(done);
  });

  it('lets exactly one of two concurrent advances for the same attempt number win', async () => {
    const { deliveries } = store.repositories;
    const start = delivery('t-race', 'e1', 'd1', minute(1));
    await deliveries.put(start);
    const retrying: Delivery = {
      ...start,
      status: 'retrying',
      next_attempt_number: 2,
      attempts: 1,
      due_at: minute(2),
    };
    const failed: Delivery = {
      ...start,
      status: 'failed',
      next_attempt_number: 2,
      attempts: 1,
      due_at: null,
    };

    const outcomes = await Promise.all([
      deliveries.advance(retrying, start),
      deliveries.advance(failed, start),
    ]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const winner = outcomes[0] ? retrying : failed;
    expect(await deliveries.get('t-race', 'e1', 'd1')).toEqual(winner);
    // The loser's view is stale from now on; the winner's state advances.
    expect(await deliveries.advance(failed, start)).toBe(false);
    expect(await deliveries.advance({ ...winner, next_attempt_number: 3, attempts: 2 }, winner)).toBe(true);
  });

  it('lists due deliveries oldest first across all shards, page by page', async () => {
    const { deliveries } = store.repositories;
    const due = Array.from({ length: 40 }, (_, index) =>
      delivery(`t-shard-${index % 5}`, `e-${index}`, `d-${index % 3}`, minute(1000 + ((index * 17) % 40))),
    );
    await Promise.all(due.map((d) => deliveries.put(d)));
    await deliveries.put(delivery('t-shard-0', 'e-late', 'd-0', minute(2000)));
    await deliveries.put(delivery('t-shard-0', 'e-done', 'd-0', null));

    const shards = new Set<string>();
    for (const d of due) shards.add(String((await rawItem(d))?.duepk));
    expect(shards.size).toBeGreaterThan(1);

    const seen: Delivery[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await deliveries.listDue(minute(1039), 7, cursor);
      seen.push(...page.deliveries);
      cursor = page.cursor;
      pages += 1;
    } while (cursor !== undefined && pages < 20);

    const dueKey = (d: Delivery): string => `${d.due_at}#${d.tenant_id}#${d.event_id}#${d.destination_id}`;
    const order = seen.map(dueKey);
    expect(order).toEqual([...order].sort());
    expect(new Set(order).size).toBe(order.length);
    const expected = due.map(dueKey).sort();
    expect(expected).toHaveLength(40);
    expect(order.filter((key) => key.includes('#t-shard-'))).toEqual(expected);
    expect(cursor).toBeUndefined();
  });

  it('includes a delivery due exactly at the bound and excludes later ones', async () => {
    const { deliveries } = store.repositories;
    await deliveries.put(delivery('t-bound', 'e1', 'd1', minute(3000)));
    await deliveries.put(delivery('t-bound', 'e2', 'd1', minute(3001)));
    const page = await deliveries.listDue(minute(3000), 100);
    const bound = page.deliveries.filter((d) => d.tenant_id === 't-bound');
    expect(bound.map((d) => d.event_id)).toEqual(['e1']);
  });

  it('keeps the due index sparse: finished deliveries are not in it', async () => {
    const output = await store.documentClient.send(
      new QueryCommand({
        TableName: store.tables.events,
        IndexName: 'deliveries-by-due',
        KeyConditionExpression: 'duepk = :p',
        ExpressionAttributeValues: { ':p': 'DUE#0' },
      }),
    );
    expect(output.Items?.every((item) => item.status === 'queued' || item.status === 'retrying')).toBe(true);
  });
});
