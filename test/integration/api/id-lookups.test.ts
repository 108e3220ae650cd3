import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';
import { eventually, startApiHarness, type ApiHarness } from './api-harness';

/**
 * Lookups by id through the API. Producers choose event ids, unique per tenant only, so the admin's
 * id-only lookups must see every tenant that uses an id; and a tenant token's listing of tenants
 * tells it nothing about the others.
 */

let api: ApiHarness;
let receiver: WebhookReceiver;

const FIRST = 'tenant_a_first';
const OWNER = 'tenant_z_owner';
const SHARED_EVENT = 'evt-shared-id';
const destinations: Record<string, string> = {};

async function createTenant(tenantId: string, destinationId?: string): Promise<void> {
  expect((await api.admin('PUT', `/tenants/${tenantId}`, {})).status).toBe(201);
  const created = await api.admin('POST', `/tenants/${tenantId}/destinations`, {
    ...(destinationId !== undefined ? { id: destinationId } : {}),
    type: 'webhook',
    topics: '*',
    config: { url: `${receiver.url}?tenant=${tenantId}` },
  });
  expect(created.status).toBe(201);
  destinations[tenantId] = created.body.id;
}

async function publish(tenantId: string, id: string): Promise<void> {
  const published = await api.admin('POST', '/publish', {
    id,
    tenant_id: tenantId,
    topic: 'order.created',
    data: { tenant: tenantId },
  });
  expect(published.status).toBe(202);
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  api = await startApiHarness();
  await createTenant(FIRST);
  await createTenant(OWNER);
  await publish(FIRST, SHARED_EVENT);
  await publish(OWNER, SHARED_EVENT);
  await receiver.waitFor(2, 15000);
});

afterAll(async () => {
  await api?.stop();
  await receiver?.close();
});

describe('an event id two tenants use', () => {
  test('GET /events/:id without tenant_id asks for it (400 naming tenant_id)', async () => {
    const response = await api.admin('GET', `/events/${SHARED_EVENT}`);
    expect(response.status).toBe(400);
    expect(response.body.data).toEqual([expect.stringMatching(/^tenant_id: required: 2 tenants/)]);
  });

  test("GET /events/:id?tenant_id= answers that tenant's event", async () => {
    for (const tenantId of [FIRST, OWNER]) {
      const response = await api.admin('GET', `/events/${SHARED_EVENT}?tenant_id=${tenantId}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ tenant_id: tenantId, data: { tenant: tenantId } });
    }
  });

  test("a tenant token reads its own, whatever the other tenant's", async () => {
    const token = await api.tokenFor(OWNER);
    const response = await api.request('GET', `/events/${SHARED_EVENT}`, { token });
    expect(response.status).toBe(200);
    expect(response.body.tenant_id).toBe(OWNER);
  });

  test('GET /events?id= (admin) lists both', async () => {
    const response = await api.admin('GET', `/events?id=${SHARED_EVENT}`);
    expect(response.status).toBe(200);
    expect(response.body.models.map((event: { tenant_id: string }) => event.tenant_id).sort()).toEqual([
      FIRST,
      OWNER,
    ]);
  });

  test("GET /attempts?event_id= (admin, no tenant_id) lists both tenants' attempts", async () => {
    const response = await eventually(
      () => api.admin('GET', `/attempts?event_id=${SHARED_EVENT}`),
      (page) => page.body.models?.length === 2,
    );
    expect(response.body.models.map((attempt: { tenant_id: string }) => attempt.tenant_id).sort()).toEqual([
      FIRST,
      OWNER,
    ]);
  });

  test.each([FIRST, OWNER])(
    "POST /retry (admin) to %s's destination retries that tenant's event",
    async (tenantId) => {
      receiver.clear();
      const response = await api.admin('POST', '/retry', {
        event_id: SHARED_EVENT,
        destination_id: destinations[tenantId],
      });
      expect(response.status).toBe(202);
      const [request] = await receiver.waitFor(1, 15000);
      expect(request!.path).toBe(`/webhook?tenant=${tenantId}`);
      expect(JSON.parse(request!.body)).toEqual({ tenant: tenantId });
    },
  );

  test('POST /retry (admin) is 409 when both tenants have the event and the destination id', async () => {
    await createTenant('tenant_twin_1', 'des_twin');
    await createTenant('tenant_twin_2', 'des_twin');
    await publish('tenant_twin_1', 'evt-twin');
    await publish('tenant_twin_2', 'evt-twin');
    const response = await api.admin('POST', '/retry', { event_id: 'evt-twin', destination_id: 'des_twin' });
    expect(response.status).toBe(409);
    expect(response.body.message).toMatch(/2 tenants have event "evt-twin" and destination "des_twin"/);
    // A retry is refused (409) while the first automatic attempt is due: wait until it is recorded.
    await eventually(
      () => api.admin('GET', '/attempts?tenant_id=tenant_twin_2&event_id=evt-twin'),
      (page) => page.body.models?.length === 1,
    );
    const token = await api.tokenFor('tenant_twin_2');
    const own = await api.request('POST', '/retry', {
      token,
      body: { event_id: 'evt-twin', destination_id: 'des_twin' },
    });
    expect(own.status).toBe(202);
  });
});

describe('attempt ids, which name their tenant', () => {
  /** The first attempt of the shared event, per tenant (both tenants' ids differ only in the tenant). */
  async function attemptOf(tenantId: string): Promise<{ id: string; tenant_id: string }> {
    const page = await eventually(
      () => api.admin('GET', `/attempts?tenant_id=${tenantId}&event_id=${SHARED_EVENT}&dir=asc`),
      (response) => response.body.models?.length >= 1,
    );
    return page.body.models[0];
  }

  test("GET /attempts/:id (admin, no tenant_id) reads each tenant's own attempt", async () => {
    for (const tenantId of [FIRST, OWNER]) {
      const attempt = await attemptOf(tenantId);
      expect(attempt.id).toMatch(new RegExp(`^atm_${tenantId}_[A-Za-z0-9_-]{22}$`));
      const response = await api.admin('GET', `/attempts/${attempt.id}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: attempt.id, tenant_id: tenantId, event_id: SHARED_EVENT });
    }
  });

  test("another tenant's attempt id is a 404 for a tenant token, with tenant_id, and under a destination", async () => {
    const foreign = await attemptOf(OWNER);
    const token = await api.tokenFor(FIRST);
    const probes = [
      api.request('GET', `/attempts/${foreign.id}`, { token }),
      api.admin('GET', `/attempts/${foreign.id}?tenant_id=${FIRST}`),
      api.request('GET', `/tenants/${FIRST}/destinations/${destinations[FIRST]}/attempts/${foreign.id}`, {
        token,
      }),
    ];
    for (const response of await Promise.all(probes)) {
      expect(response.status).toBe(404);
      expect(response.text).not.toContain(OWNER);
    }
  });

  test.each([
    ['names a tenant that does not exist', `atm_tenant_nobody_${'A'.repeat(22)}`],
    ['is not an attempt id', 'atm_missing'],
    ['forges a tenant with a path', `atm_${encodeURIComponent('../x')}_${'A'.repeat(22)}`],
    ['is longer than any key', `atm_${'x'.repeat(3000)}`],
    ['names a tenant longer than any', `atm_${'x'.repeat(1500)}_${'A'.repeat(22)}`],
  ])('an id that %s is a 404, with the admin key or a tenant token', async (_case, id) => {
    const token = await api.tokenFor(FIRST);
    for (const response of [
      await api.admin('GET', `/attempts/${id}`),
      await api.request('GET', `/attempts/${id}`, { token }),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({
        status: 404,
        message: expect.stringMatching(/attempt not found/),
      });
    }
  });
});

describe('tenant listing by id', () => {
  test("a tenant token's count is its own tenant, not the platform's", async () => {
    const token = await api.tokenFor(FIRST);
    const response = await api.request('GET', '/tenants', { token });
    expect(response.status).toBe(200);
    expect(response.body.models.map((tenant: { id: string }) => tenant.id)).toEqual([FIRST]);
    expect(response.body.count).toBe(1);
  });

  test('the admin id filter counts the matches; without a filter, every tenant', async () => {
    const filtered = await api.admin('GET', `/tenants?id=${FIRST}&id=${OWNER}&id=tenant_missing`);
    expect(filtered.body.count).toBe(2);
    expect(filtered.body.models.map((tenant: { id: string }) => tenant.id).sort()).toEqual([FIRST, OWNER]);
    const all = await api.admin('GET', '/tenants?limit=1');
    expect(all.body.count).toBeGreaterThanOrEqual(4);
    expect(all.body.models).toHaveLength(1);
  });
});
