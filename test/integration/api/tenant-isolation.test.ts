import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';
import { eventually, startApiHarness, type ApiHarness } from './api-harness';

/**
 * Tenant A's JWT against tenant B's resources, route by route: always 403 or 404 (or, on list routes,
 * only A's own records), and never a byte of B's data in the response.
 */

let api: ApiHarness;
let receiver: WebhookReceiver;
let tokenA: string;
const A = { tenant: 'tenant_a', destination: '', event: '', attempt: '' };
const B = {
  tenant: 'tenant_b',
  destination: '',
  event: '',
  attempt: '',
  secret: '',
  marker: 'b-private-payload-7f3a',
};

async function setUpTenant(tenant: typeof A, marker: string): Promise<{ secret: string }> {
  expect(
    (await api.admin('PUT', `/tenants/${tenant.tenant}`, { metadata: { owner: tenant.tenant } })).status,
  ).toBe(201);
  const destination = await api.admin('POST', `/tenants/${tenant.tenant}/destinations`, {
    type: 'webhook',
    topics: '*',
    config: { url: receiver.url },
  });
  expect(destination.status).toBe(201);
  tenant.destination = destination.body.id;
  const published = await api.admin('POST', '/publish', {
    tenant_id: tenant.tenant,
    topic: 'user.created',
    data: { marker },
  });
  expect(published.status).toBe(202);
  tenant.event = published.body.id;
  const attempts = await eventually(
    () => api.admin('GET', `/attempts?tenant_id=${tenant.tenant}`),
    (response) => response.body.models.length > 0,
  );
  tenant.attempt = attempts.body.models[0].id;
  return { secret: destination.body.credentials.secret };
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  api = await startApiHarness();
  await setUpTenant(A, 'a-payload');
  B.secret = (await setUpTenant(B, B.marker)).secret;
  tokenA = await api.tokenFor(A.tenant);
});

afterAll(async () => {
  await api?.stop();
  await receiver?.close();
});

interface Probe {
  method: string;
  path: () => string;
  body?: () => unknown;
  /** Allowed statuses; 200 only where a list answers with the caller's own records. */
  statuses: number[];
}

const b = (suffix = '') => `/tenants/${B.tenant}${suffix}`;
const bDestination = (suffix = '') => b(`/destinations/${B.destination}${suffix}`);

const matrix: Record<string, Probe> = {
  'GET /tenants/B': { method: 'GET', path: () => b(), statuses: [403] },
  'PUT /tenants/B': {
    method: 'PUT',
    path: () => b(),
    body: () => ({ metadata: { owner: 'a' } }),
    statuses: [403],
  },
  'DELETE /tenants/B': { method: 'DELETE', path: () => b(), statuses: [403] },
  'GET /tenants/B/token': { method: 'GET', path: () => b('/token'), statuses: [403] },
  'GET /tenants/B/portal': { method: 'GET', path: () => b('/portal'), statuses: [403] },
  'GET /tenants/A/token (admin only)': {
    method: 'GET',
    path: () => `/tenants/${A.tenant}/token`,
    statuses: [403],
  },
  'GET /tenants/B/destinations': { method: 'GET', path: () => b('/destinations'), statuses: [403] },
  'POST /tenants/B/destinations': {
    method: 'POST',
    path: () => b('/destinations'),
    body: () => ({ type: 'webhook', topics: '*', config: { url: 'https://attacker.example' } }),
    statuses: [403],
  },
  'GET B destination': { method: 'GET', path: () => bDestination(), statuses: [403] },
  'PATCH B destination': {
    method: 'PATCH',
    path: () => bDestination(),
    body: () => ({ config: { url: 'https://attacker.example' } }),
    statuses: [403],
  },
  'DELETE B destination': { method: 'DELETE', path: () => bDestination(), statuses: [403] },
  'PUT B destination enable': { method: 'PUT', path: () => bDestination('/enable'), statuses: [403] },
  'PUT B destination disable': { method: 'PUT', path: () => bDestination('/disable'), statuses: [403] },
  'GET B destination attempts': { method: 'GET', path: () => bDestination('/attempts'), statuses: [403] },
  'GET B destination attempt': {
    method: 'GET',
    path: () => bDestination(`/attempts/${B.attempt}`),
    statuses: [403],
  },
  "B's destination under A's path": {
    method: 'GET',
    path: () => `/tenants/${A.tenant}/destinations/${B.destination}`,
    statuses: [404],
  },
  "B's destination attempts under A's path": {
    method: 'GET',
    path: () => `/tenants/${A.tenant}/destinations/${B.destination}/attempts`,
    statuses: [404],
  },
  "B's attempt under A's destination": {
    method: 'GET',
    path: () => `/tenants/${A.tenant}/destinations/${A.destination}/attempts/${B.attempt}`,
    statuses: [404],
  },
  "PATCH B's destination under A's path": {
    method: 'PATCH',
    path: () => `/tenants/${A.tenant}/destinations/${B.destination}`,
    body: () => ({ topics: '*' }),
    statuses: [404],
  },
  'GET /events/:B event': { method: 'GET', path: () => `/events/${B.event}`, statuses: [404] },
  'GET /events/:B event?tenant_id=B': {
    method: 'GET',
    path: () => `/events/${B.event}?tenant_id=${B.tenant}`,
    statuses: [404],
  },
  'GET /events?tenant_id=B': { method: 'GET', path: () => `/events?tenant_id=${B.tenant}`, statuses: [200] },
  'GET /events?id=B event': { method: 'GET', path: () => `/events?id=${B.event}`, statuses: [200] },
  'GET /attempts?tenant_id=B': {
    method: 'GET',
    path: () => `/attempts?tenant_id=${B.tenant}&include=event.data`,
    statuses: [200],
  },
  'GET /attempts?destination_id=B': {
    method: 'GET',
    path: () => `/attempts?destination_id=${B.destination}`,
    statuses: [200],
  },
  'GET /attempts/:B attempt': {
    method: 'GET',
    path: () => `/attempts/${B.attempt}?include=event.data`,
    statuses: [404],
  },
  'GET /attempts/:B attempt?tenant_id=B': {
    method: 'GET',
    path: () => `/attempts/${B.attempt}?tenant_id=${B.tenant}`,
    statuses: [404],
  },
  'GET /tenants': { method: 'GET', path: () => `/tenants?id=${B.tenant}`, statuses: [200] },
  'POST /retry B event': {
    method: 'POST',
    path: () => '/retry',
    body: () => ({ event_id: B.event, destination_id: B.destination }),
    statuses: [404],
  },
  "POST /retry A event to B's destination": {
    method: 'POST',
    path: () => '/retry',
    body: () => ({ event_id: A.event, destination_id: B.destination }),
    statuses: [404],
  },
  'POST /publish for B': {
    method: 'POST',
    path: () => '/publish',
    body: () => ({ tenant_id: B.tenant, topic: 'user.created', data: { injected: true } }),
    statuses: [403],
  },
};

describe.each(Object.entries(matrix))('%s with tenant A token', (_name, probe) => {
  test('is refused or scoped to A, and shows nothing of B', async () => {
    const response = await api.request(probe.method, probe.path(), { token: tokenA, body: probe.body?.() });
    expect(probe.statuses).toContain(response.status);
    for (const secret of [B.tenant, B.destination, B.event, B.attempt, B.secret, B.marker]) {
      expect(response.text).not.toContain(secret);
    }
    if (response.status === 200) {
      const models = Array.isArray(response.body.models) ? response.body.models : [];
      for (const model of models) expect(model.tenant_id ?? model.id).toBe(A.tenant);
    }
  });
});

test("A's token still sees A's own records (the probes above are not refusing everything)", async () => {
  const own = await api.request('GET', `/attempts/${A.attempt}?include=event.data`, { token: tokenA });
  expect(own.status).toBe(200);
  expect(own.body.event.data).toEqual({ marker: 'a-payload' });
  const events = await api.request('GET', '/events', { token: tokenA });
  expect(events.body.models.map((event: { id: string }) => event.id)).toEqual([A.event]);
  const tenants = await api.request('GET', '/tenants', { token: tokenA });
  expect(tenants.body.models.map((tenant: { id: string }) => tenant.id)).toEqual([A.tenant]);
});

test('B is untouched: its tenant, destination and secret are as before', async () => {
  const tenant = await api.admin('GET', b());
  expect(tenant.body).toMatchObject({ id: B.tenant, metadata: { owner: B.tenant }, destinations_count: 1 });
  const destination = await api.admin('GET', bDestination());
  expect(destination.body).toMatchObject({
    id: B.destination,
    disabled_at: null,
    config: { url: receiver.url },
    credentials: { secret: B.secret },
  });
  const events = await api.admin('GET', `/events?tenant_id=${B.tenant}`);
  expect(events.body.models.map((event: { id: string }) => event.id)).toEqual([B.event]);
});
