import { Outpost } from '@hookdeck/outpost-sdk';
import { Webhook } from 'standardwebhooks';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { eventually } from '../support/api-client';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/**
 * Outpost's own TypeScript SDK (1.6.0), unchanged, against the local runtime: every call below runs the
 * SDK's response validation, so a field with the wrong name or type fails the test.
 */

let runtime: LocalRuntime;
let receiver: WebhookReceiver;
let admin: Outpost;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    inMemory: true,
    apiPort: 0,
    env: { RETRY_SCHEDULE: '1', RETRY_JITTER: '0' },
  });
  receiver = await startWebhookReceiver();
  admin = new Outpost({
    serverURL: runtime.apiUrl,
    apiKey: runtime.adminKey,
    retryConfig: { strategy: 'none' },
  });
}, 120000);

afterAll(async () => {
  await receiver?.close();
  await runtime?.stop();
});

it('runs the whole tour: tenant, destination, publish, inspect, disable/enable, tenant token, retry, delete', async () => {
  const tenant = await admin.tenants.upsert('sdk-tenant', { metadata: { plan: 'pro' } });
  expect(tenant).toMatchObject({ id: 'sdk-tenant', metadata: { plan: 'pro' }, destinationsCount: 0 });

  const destination = await admin.destinations.create('sdk-tenant', {
    type: 'webhook',
    topics: ['user.created', 'user.deleted'],
    config: { url: receiver.url },
  });
  expect(destination.type).toBe('webhook');
  const destinationId = destination.id!;
  const secret = (destination as { credentials: { secret?: string } }).credentials.secret!;
  expect(secret).toMatch(/^whsec_/);

  const listed = await admin.destinations.list('sdk-tenant');
  expect(listed.map((d) => d.id)).toEqual([destinationId]);
  expect((await admin.tenants.get('sdk-tenant')).destinationsCount).toBe(1);

  const published = await admin.publish({
    tenantId: 'sdk-tenant',
    topic: 'user.created',
    data: { user_id: 'u_9' },
  });
  expect(published).toMatchObject({ duplicate: false, destinationIds: [destinationId] });
  const [request] = await receiver.waitFor(1, 15000);
  expect(new Webhook(secret).verify(request!.body, request!.headers)).toEqual({ user_id: 'u_9' });

  const events = await admin.events.list({ tenantId: 'sdk-tenant' });
  expect(events.models?.map((e) => e.id)).toContain(published.id);
  const event = await admin.events.get(published.id, 'sdk-tenant');
  expect(event.data).toEqual({ user_id: 'u_9' });

  const attempts = await eventually('an attempt', async () => {
    const page = await admin.attempts.list({ tenantId: 'sdk-tenant', eventId: published.id });
    return page.models && page.models.length > 0 ? page.models : undefined;
  });
  expect(attempts[0]).toMatchObject({ status: 'success', code: '200', attemptNumber: 1 });
  const viaDestination = await admin.destinations.listAttempts({ tenantId: 'sdk-tenant', destinationId });
  expect(viaDestination.models?.map((a) => a.id)).toEqual([attempts[0]!.id]);
  const oneAttempt = await admin.attempts.get(attempts[0]!.id!, 'sdk-tenant');
  expect(oneAttempt.eventId).toBe(published.id);

  const disabled = await admin.destinations.disable('sdk-tenant', destinationId);
  expect(disabled.disabledAt).toBeInstanceOf(Date);
  const whileDisabled = await admin.publish({
    tenantId: 'sdk-tenant',
    topic: 'user.created',
    data: { n: 2 },
  });
  expect(whileDisabled.destinationIds).toEqual([]);
  const enabled = await admin.destinations.enable('sdk-tenant', destinationId);
  expect(enabled.disabledAt ?? null).toBeNull();

  // A tenant-scoped JWT: its own tenant's calls work, another tenant's are refused.
  const { token } = await admin.tenants.getToken('sdk-tenant');
  const tenantClient = new Outpost({
    serverURL: runtime.apiUrl,
    apiKey: token!,
    retryConfig: { strategy: 'none' },
  });
  expect((await tenantClient.destinations.list('sdk-tenant')).map((d) => d.id)).toEqual([destinationId]);
  await admin.tenants.upsert('someone-else');
  await expect(tenantClient.destinations.list('someone-else')).rejects.toMatchObject({ statusCode: 403 });

  // Manual retry through the tenant token.
  receiver.clear();
  await tenantClient.retry({ eventId: published.id, destinationId });
  await receiver.waitFor(1, 15000);
  const afterRetry = await eventually('the manual attempt', async () => {
    const page = await tenantClient.attempts.list({ eventId: published.id });
    return page.models?.find((a) => a.manual) ? page.models : undefined;
  });
  expect(afterRetry.find((a) => a.manual)).toMatchObject({ status: 'success', attemptNumber: 2 });

  const updated = await admin.destinations.update('sdk-tenant', destinationId, {
    type: 'webhook',
    topics: ['user.deleted'],
  });
  expect(updated).toBeTruthy();
  expect((await admin.destinations.get('sdk-tenant', destinationId)).topics).toEqual(['user.deleted']);

  expect(await admin.destinations.delete('sdk-tenant', destinationId)).toEqual({ success: true });
  expect(await admin.destinations.list('sdk-tenant')).toEqual([]);
  expect(await admin.tenants.delete('sdk-tenant')).toEqual({ success: true });
  await expect(admin.tenants.get('sdk-tenant')).rejects.toMatchObject({ statusCode: 404 });
});

describe('paging and every query parameter, through the SDK', () => {
  const tenantId = 'sdk-pages';
  let destinationId: string;
  const eventIds: string[] = [];
  let published: Date;

  beforeAll(async () => {
    await admin.tenants.upsert(tenantId);
    const destination = await admin.destinations.create(tenantId, {
      type: 'webhook',
      topics: ['order.created'],
      config: { url: receiver.url },
    });
    destinationId = destination.id!;
    published = new Date(Date.now() - 1000);
    receiver.clear();
    for (let n = 0; n < 5; n += 1) {
      const result = await admin.publish({ tenantId, topic: 'order.created', data: { n } });
      eventIds.push(result.id);
    }
    await receiver.waitFor(5, 15000);
    await eventually('five attempts', async () => {
      const page = await admin.attempts.list({ tenantId, limit: 10 });
      return page.models?.length === 5 ? true : undefined;
    });
  });

  /** Follows `next` until it is null; returns the ids of every page. */
  async function follow<T extends { id?: string | undefined }>(
    list: (next: string | undefined) => Promise<{ models?: T[]; pagination?: { next?: string | null } }>,
  ): Promise<string[][]> {
    const pages: string[][] = [];
    let next: string | undefined;
    do {
      const page = await list(next);
      pages.push((page.models ?? []).map((model) => model.id!));
      next = page.pagination?.next ?? undefined;
    } while (next !== undefined);
    return pages;
  }

  it('lists events with a limit and follows next to the end', async () => {
    const pages = await follow((next) => admin.events.list({ tenantId, limit: 2, next }));
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...eventIds].reverse());
    const first = await admin.events.list({ tenantId, limit: 2 });
    const second = await admin.events.list({ tenantId, limit: 2, next: first.pagination!.next! });
    const back = await admin.events.list({ tenantId, limit: 2, prev: second.pagination!.prev! });
    expect(back.models?.map((event) => event.id)).toEqual(first.models?.map((event) => event.id));
  });

  it("lists attempts (all, and a destination's) with a limit and follows next to the end", async () => {
    const all = await follow((next) => admin.attempts.list({ tenantId, limit: 2, next, dir: 'asc' }));
    expect(all.map((page) => page.length)).toEqual([2, 2, 1]);
    const ofDestination = await follow((next) =>
      admin.destinations.listAttempts({ tenantId, destinationId, limit: 3, next, dir: 'asc' }),
    );
    expect(ofDestination.flat()).toEqual(all.flat());
    const attempts = await admin.attempts.list({ tenantId, limit: 10, dir: 'asc' });
    // Deliveries run concurrently: attempt time order need not be publish order.
    expect(attempts.models?.map((attempt) => attempt.eventId).sort()).toEqual([...eventIds].sort());
  });

  it('sends every query parameter each call has, and none is refused', async () => {
    const time = {
      gte: published,
      lte: new Date(Date.now() + 60_000),
      gt: published,
      lt: new Date(Date.now() + 60_000),
    };
    const [eventId] = eventIds;
    const tenants = await admin.tenants.list({ id: [tenantId, 'nobody'], limit: 5, dir: 'asc' });
    expect(tenants.models?.map((tenant) => tenant.id)).toEqual([tenantId]);
    const events = await admin.events.list({
      id: [eventId!],
      tenantId: [tenantId],
      destinationId: [destinationId],
      topic: ['order.created'],
      time,
      limit: 10,
      orderBy: 'time',
      dir: 'asc',
    });
    expect(events.models?.map((event) => event.id)).toEqual([eventId]);
    const attempts = await admin.attempts.list({
      tenantId: [tenantId],
      eventId: [eventId!],
      destinationId: [destinationId],
      destinationType: ['webhook'],
      status: 'success',
      topic: ['order.created'],
      time,
      limit: 10,
      include: ['event.data', 'response_data', 'destination'],
      orderBy: 'time',
      dir: 'desc',
    });
    expect(attempts.models).toHaveLength(1);
    const [attempt] = attempts.models!;
    expect(attempt).toMatchObject({ eventId, destinationId, status: 'success' });
    const noSqs = await admin.attempts.list({ tenantId, destinationType: 'aws_sqs', limit: 10 });
    expect(noSqs.models).toEqual([]);
    const ofDestination = await admin.destinations.listAttempts({
      tenantId,
      destinationId,
      eventId: [eventId!],
      status: 'success',
      topic: ['order.created'],
      time,
      limit: 10,
      include: ['event'],
      orderBy: 'time',
      dir: 'asc',
    });
    expect(ofDestination.models?.map((one) => one.id)).toEqual([attempt!.id]);
    expect((await admin.attempts.get(attempt!.id!, tenantId, ['event', 'destination'])).eventId).toBe(
      eventId,
    );
    expect(
      (await admin.destinations.getAttempt(tenantId, destinationId, attempt!.id!, 'response_data')).id,
    ).toBe(attempt!.id);
    expect((await admin.events.get(eventId!, tenantId)).id).toBe(eventId);
    expect((await admin.destinations.list(tenantId, 'webhook', ['order.created'])).map((d) => d.id)).toEqual([
      destinationId,
    ]);
    expect((await admin.tenants.getPortalUrl(tenantId, 'dark')).redirectUrl).toContain('theme=dark');
  });
});
