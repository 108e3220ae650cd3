import { ROUTES } from '../../../lambdas/api/app';
import type { Route } from '../../../lambdas/api/router';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';
import { eventually, startApiHarness, type ApiHarness } from './api-harness';

/**
 * Tenant A's JWT against tenant B's resources, for every route of the API's route table: always 403 or
 * 404 (or, where a route answers with the caller's own records, only A's), and never a byte of B's
 * data in the response. The probes are generated from the route table, so a route added without an
 * entry in `MATRIX` fails this test until someone says what it must answer.
 */

let api: ApiHarness;
let receiver: WebhookReceiver;
let tokenA: string;

interface TenantFixture {
  tenant: string;
  destination: string;
  event: string;
  attempt: string;
  secret: string;
  /** The external id issued to the tenant for its AWS role destinations. */
  externalId: string;
  marker: string;
}

const A: TenantFixture = {
  tenant: 'tenant_a',
  destination: '',
  event: '',
  attempt: '',
  secret: '',
  externalId: '',
  marker: 'a-payload',
};
const B: TenantFixture = {
  tenant: 'tenant_b',
  destination: '',
  event: '',
  attempt: '',
  secret: '',
  externalId: '',
  marker: 'b-private-payload-7f3a',
};

async function setUpTenant(fixture: TenantFixture): Promise<void> {
  const upserted = await api.admin('PUT', `/tenants/${fixture.tenant}`, {
    metadata: { owner: fixture.tenant },
  });
  expect(upserted.status).toBe(201);
  fixture.externalId = await readExternalId(fixture.tenant, api.runtime.adminKey);
  const destination = await api.admin('POST', `/tenants/${fixture.tenant}/destinations`, {
    type: 'webhook',
    topics: '*',
    config: { url: receiver.url },
  });
  expect(destination.status).toBe(201);
  fixture.destination = destination.body.id;
  fixture.secret = destination.body.credentials.secret;
  const published = await api.admin('POST', '/publish', {
    tenant_id: fixture.tenant,
    topic: 'user.created',
    data: { marker: fixture.marker },
  });
  expect(published.status).toBe(202);
  fixture.event = published.body.id;
  const attempts = await eventually(
    () => api.admin('GET', `/attempts?tenant_id=${fixture.tenant}`),
    (response) => response.body.models.length > 0,
  );
  fixture.attempt = attempts.body.models[0].id;
}

const typePath = (tenant: string, type: string) => `/tenants/${tenant}/destination-types/${type}`;

/** The external id a tenant reads for its AWS role destinations before creating one. */
async function readExternalId(tenant: string, token: string, type = 'aws_sqs'): Promise<string> {
  const response = await api.request('GET', typePath(tenant, type), { token });
  expect(response.status).toBe(200);
  const field = response.body.credential_fields.find(
    (candidate: { key: string }) => candidate.key === 'external_id',
  );
  expect(field.default).toMatch(/^ed-[0-9a-f]{32}$/);
  return field.default as string;
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  api = await startApiHarness();
  await setUpTenant(A);
  await setUpTenant(B);
  tokenA = await api.tokenFor(A.tenant);
});

afterAll(async () => {
  await api?.stop();
  await receiver?.close();
});

/** What a route must answer to A's token on B's resources. */
interface MatrixEntry {
  /** Allowed statuses when every id in the path is B's; 200 only where the route lists the caller's own. */
  statuses: number[];
  body?: () => unknown;
  /** Further probes of the same route: another query string or body aimed at B. */
  variants?: Array<{ name: string; query?: () => string; body?: () => unknown; statuses: number[] }>;
}

const webhookBody = () => ({ type: 'webhook', topics: '*', config: { url: 'https://attacker.example' } });
const publishBody = () => ({ tenant_id: B.tenant, topic: 'user.created', data: { injected: true } });

const MATRIX: Record<string, MatrixEntry> = {
  'GET /healthz': { statuses: [200] },
  'GET /openapi.json': { statuses: [200] },
  'GET /destination-types': { statuses: [200] },
  'GET /destination-types/:type': { statuses: [200] },
  'GET /tenants/:tenant_id/destination-types/:type': { statuses: [403] },
  'GET /topics': { statuses: [200] },
  'POST /publish': { statuses: [403], body: publishBody },
  'POST /publish/batch': { statuses: [403], body: () => ({ events: [publishBody()] }) },
  'POST /retry': {
    statuses: [404],
    body: () => ({ event_id: B.event, destination_id: B.destination }),
    variants: [
      {
        name: "A's event to B's destination",
        body: () => ({ event_id: A.event, destination_id: B.destination }),
        statuses: [404],
      },
    ],
  },
  'POST /retry/bulk': {
    statuses: [404],
    body: () => ({ destination_id: B.destination }),
    variants: [
      {
        name: 'naming tenant B',
        body: () => ({ tenant_id: B.tenant, destination_id: B.destination }),
        statuses: [404],
      },
    ],
  },
  'GET /tenants': {
    statuses: [200],
    variants: [{ name: 'id=B', query: () => `?id=${B.tenant}`, statuses: [200] }],
  },
  'PUT /tenants/:tenant_id': { statuses: [403], body: () => ({ metadata: { owner: 'a' } }) },
  'GET /tenants/:tenant_id': { statuses: [403] },
  'DELETE /tenants/:tenant_id': { statuses: [403] },
  'GET /tenants/:tenant_id/token': { statuses: [403] },
  'GET /tenants/:tenant_id/portal': { statuses: [403] },
  'GET /tenants/:tenant_id/destinations': { statuses: [403] },
  'POST /tenants/:tenant_id/destinations': { statuses: [403], body: webhookBody },
  'GET /tenants/:tenant_id/destinations/:destination_id': { statuses: [403] },
  'PATCH /tenants/:tenant_id/destinations/:destination_id': {
    statuses: [403],
    body: () => ({ config: { url: 'https://attacker.example' } }),
  },
  'DELETE /tenants/:tenant_id/destinations/:destination_id': { statuses: [403] },
  'PUT /tenants/:tenant_id/destinations/:destination_id/enable': { statuses: [403] },
  'PUT /tenants/:tenant_id/destinations/:destination_id/disable': { statuses: [403] },
  'GET /tenants/:tenant_id/destinations/:destination_id/attempts': { statuses: [403] },
  'GET /tenants/:tenant_id/destinations/:destination_id/attempts/:attempt_id': { statuses: [403] },
  'GET /tenants/:tenant_id/destinations/:destination_id/deliveries': { statuses: [403] },
  'POST /tenants/:tenant_id/destinations/:destination_id/filter/test': {
    statuses: [403],
    body: () => ({ event: { topic: 'user.created', data: {} } }),
  },
  'GET /events': {
    statuses: [200],
    variants: [
      { name: 'tenant_id=B', query: () => `?tenant_id=${B.tenant}`, statuses: [200] },
      { name: "id=B's event", query: () => `?id=${B.event}`, statuses: [200] },
      { name: "destination_id=B's", query: () => `?destination_id=${B.destination}`, statuses: [200] },
    ],
  },
  'GET /events/:event_id': {
    statuses: [404],
    variants: [{ name: 'tenant_id=B', query: () => `?tenant_id=${B.tenant}`, statuses: [404] }],
  },
  'GET /attempts': {
    statuses: [200],
    variants: [
      { name: 'tenant_id=B', query: () => `?tenant_id=${B.tenant}&include=event.data`, statuses: [200] },
      { name: "event_id=B's", query: () => `?event_id=${B.event}`, statuses: [200] },
      { name: "destination_id=B's", query: () => `?destination_id=${B.destination}`, statuses: [200] },
    ],
  },
  'GET /attempts/:attempt_id': {
    statuses: [404],
    variants: [
      { name: 'include=event.data', query: () => '?include=event.data', statuses: [404] },
      { name: 'tenant_id=B', query: () => `?tenant_id=${B.tenant}`, statuses: [404] },
    ],
  },
};

const routeKey = (route: Route): string => `${route.method} ${route.path}`;

/** The route's path with `ids` for its parameters. */
function pathFor(route: Route, ids: Record<string, string>): string {
  return route.path.replace(/:([a-z_]+)/g, (_match, name: string) => {
    const value = ids[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${route.path}`);
    return encodeURIComponent(value);
  });
}

const idsOf = (fixture: TenantFixture): Record<string, string> => ({
  tenant_id: fixture.tenant,
  destination_id: fixture.destination,
  event_id: fixture.event,
  attempt_id: fixture.attempt,
  // A type that issues something per tenant (an external id), so that a probe could leak B's.
  type: 'aws_sqs',
});

interface Probe {
  name: string;
  method: string;
  path: () => string;
  body?: () => unknown;
  statuses: number[];
}

/**
 * Per route: everything B's; then, where the path names the tenant and something of it, B's ids under
 * A's tenant (404: A has no such thing; admin-only routes refuse first), and B's attempt under A's own
 * destination.
 */
function probesFor(route: Route): Probe[] {
  const entry = MATRIX[routeKey(route)];
  if (entry === undefined) return [];
  const key = routeKey(route);
  const probes: Probe[] = [
    {
      name: key,
      method: route.method,
      path: () => pathFor(route, idsOf(B)),
      body: entry.body,
      statuses: entry.statuses,
    },
    ...(entry.variants ?? []).map((variant) => ({
      name: `${key} (${variant.name})`,
      method: route.method,
      path: () => `${pathFor(route, idsOf(B))}${variant.query?.() ?? ''}`,
      body: variant.body ?? entry.body,
      statuses: variant.statuses,
    })),
  ];
  const crossStatus = route.access === 'admin' ? [403] : [404];
  if (route.path.includes(':tenant_id') && /:(destination|attempt|event)_id/.test(route.path)) {
    probes.push({
      name: `${key} (B's ids under A's tenant)`,
      method: route.method,
      path: () => pathFor(route, { ...idsOf(B), tenant_id: A.tenant }),
      body: entry.body,
      statuses: crossStatus,
    });
  }
  if (route.path.includes(':destination_id') && route.path.includes(':attempt_id')) {
    probes.push({
      name: `${key} (B's attempt under A's destination)`,
      method: route.method,
      path: () => pathFor(route, { ...idsOf(A), attempt_id: B.attempt }),
      statuses: crossStatus,
    });
  }
  return probes;
}

test('every route of the route table has a matrix entry, and every entry a route', () => {
  const keys = ROUTES.map(routeKey);
  expect(keys.filter((key) => MATRIX[key] === undefined)).toEqual([]);
  expect(Object.keys(MATRIX).filter((key) => !keys.includes(key))).toEqual([]);
});

describe.each(ROUTES.flatMap(probesFor).map((probe) => [probe.name, probe] as const))(
  '%s with tenant A token',
  (_name, probe) => {
    test('is refused or scoped to A, and shows nothing of B', async () => {
      const response = await api.request(probe.method, probe.path(), { token: tokenA, body: probe.body?.() });
      expect(probe.statuses).toContain(response.status);
      for (const secret of [B.tenant, B.destination, B.event, B.attempt, B.secret, B.externalId, B.marker]) {
        expect(response.text).not.toContain(secret);
      }
      if (response.status === 200 && Array.isArray(response.body?.models)) {
        for (const model of response.body.models) expect(model.tenant_id ?? model.id).toBe(A.tenant);
      }
    });
  },
);

test("A's token still sees A's own records (the probes above are not refusing everything)", async () => {
  const own = await api.request('GET', `/attempts/${A.attempt}?include=event.data`, { token: tokenA });
  expect(own.status).toBe(200);
  expect(own.body.event.data).toEqual({ marker: A.marker });
  const events = await api.request('GET', '/events', { token: tokenA });
  expect(events.body.models.map((event: { id: string }) => event.id)).toEqual([A.event]);
  const tenants = await api.request('GET', '/tenants', { token: tokenA });
  expect(tenants.body.models.map((tenant: { id: string }) => tenant.id)).toEqual([A.tenant]);
  const destination = await api.request(
    'GET',
    pathFor(
      ROUTES.find((r) => routeKey(r) === 'GET /tenants/:tenant_id/destinations/:destination_id')!,
      idsOf(A),
    ),
    {
      token: tokenA,
    },
  );
  expect(destination.body).toMatchObject({ id: A.destination, credentials: { secret: A.secret } });
});

test('B is untouched: its tenant, destination and secret are as before', async () => {
  const tenant = await api.admin('GET', `/tenants/${B.tenant}`);
  expect(tenant.body).toMatchObject({ id: B.tenant, metadata: { owner: B.tenant }, destinations_count: 1 });
  const destination = await api.admin('GET', `/tenants/${B.tenant}/destinations/${B.destination}`);
  expect(destination.body).toMatchObject({
    id: B.destination,
    disabled_at: null,
    config: { url: receiver.url },
    credentials: { secret: B.secret },
  });
  const events = await api.admin('GET', `/events?tenant_id=${B.tenant}`);
  expect(events.body.models.map((event: { id: string }) => event.id)).toEqual([B.event]);
});

describe("a deleted tenant's token", () => {
  const C = 'tenant_c_deleted';
  let tokenC: string;

  beforeAll(async () => {
    expect((await api.admin('PUT', `/tenants/${C}`, {})).status).toBe(201);
    tokenC = await api.tokenFor(C);
    expect((await api.request('GET', `/tenants/${C}`, { token: tokenC })).status).toBe(200);
    expect((await api.admin('DELETE', `/tenants/${C}`)).status).toBe(200);
  });

  test.each([
    ['PUT', `/tenants/${C}`, { metadata: { back: 'again' } }],
    ['GET', `/tenants/${C}`, undefined],
    ['GET', `/tenants/${C}/destinations`, undefined],
    ['POST', `/tenants/${C}/destinations`, webhookBody()],
    ['GET', '/events', undefined],
    ['GET', '/attempts', undefined],
    ['GET', '/tenants', undefined],
  ])('%s %s is 401', async (method, path, body) => {
    const response = await api.request(method, path, { token: tokenC, body });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ status: 401, message: expect.stringMatching(/tenant/) });
  });

  test('cannot recreate its tenant', async () => {
    expect((await api.admin('GET', `/tenants/${C}`)).status).toBe(404);
  });
});

describe("an AWS role's external id, read before the destination exists", () => {
  const ROLE_ARN = 'arn:aws:iam::123456789012:role/deliveries';
  const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';

  test('a tenant token reads its own, and it is what a role destination it then creates is given', async () => {
    const own = await readExternalId(A.tenant, tokenA);
    expect(own).toBe(A.externalId);
    expect(own).not.toBe(B.externalId);
    const type = await api.request('GET', typePath(A.tenant, 'aws_sqs'), { token: tokenA });
    expect(type.body.instructions).toContain(`"sts:ExternalId": "${own}"`);
    expect(type.body.instructions).not.toContain('<EXTERNAL_ID>');

    const tenant = 'tenant_role_first';
    expect((await api.admin('PUT', `/tenants/${tenant}`, {})).status).toBe(201);
    const token = await api.tokenFor(tenant);
    const issued = await readExternalId(tenant, token);
    const created = await api.request('POST', `/tenants/${tenant}/destinations`, {
      token,
      body: {
        type: 'aws_sqs',
        topics: '*',
        config: { queue_url: QUEUE_URL },
        credentials: { role_arn: ROLE_ARN },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.credentials).toMatchObject({ role_arn: ROLE_ARN, external_id: issued });
    const sentBack = await api.request('POST', `/tenants/${tenant}/destinations`, {
      token,
      body: {
        type: 'aws_s3',
        topics: '*',
        config: { bucket: 'orders', region: 'us-east-1' },
        credentials: { role_arn: ROLE_ARN, external_id: issued },
      },
    });
    expect(sentBack.status).toBe(201);
    expect(sentBack.body.credentials.external_id).toBe(issued);
    // One external id per tenant, whichever AWS type.
    expect(await readExternalId(tenant, token, 'aws_kinesis')).toBe(issued);
  });

  test('/openapi.json documents the route for tenant tokens, answering a destination type', async () => {
    const document = (await api.request('GET', '/openapi.json')).body;
    const operation = document.paths['/api/v1/tenants/{tenant_id}/destination-types/{type}'].get;
    expect(operation).toMatchObject({
      operationId: 'getTenantDestinationTypeSchema',
      security: [{ AdminApiKey: [] }, { TenantJwt: [] }],
    });
    expect(operation.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/DestinationTypeSchema',
    });
  });

  test('a type that issues nothing per tenant answers as the tenant-free route does', async () => {
    const scoped = await api.request('GET', typePath(A.tenant, 'webhook'), { token: tokenA });
    const shared = await api.request('GET', '/destination-types/webhook', { token: tokenA });
    expect(scoped.status).toBe(200);
    expect(scoped.body).toEqual(shared.body);
  });

  test.each([
    ['an unknown type', () => typePath(A.tenant, 'carrier_pigeon'), /destination type/],
    ['an unknown tenant (admin key)', () => typePath('tenant_nobody', 'aws_sqs'), /tenant/],
  ])('%s is 404', async (_name, path, message) => {
    const response = await api.admin('GET', path());
    expect(response.status).toBe(404);
    expect(response.body.message).toMatch(message);
  });
});
