import { FILTER_OPERATORS } from '../../../lambdas/core/filter';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';
import { eventually, startApiHarness, type ApiHarness, type TestResponse } from './api-harness';
import { createOutpostValidator } from './outpost-contract';

/**
 * The shared routes answer in Outpost's shapes (validated against Outpost's OpenAPI document), and
 * events and attempts page both ways with next/prev.
 */

const TENANT = 'tenant_contract';
const EVENT_COUNT = 5;
/** Stops a cursor that never ends from looping forever; the assertions then fail. */
const MAX_PAGES = 10;
const validator = createOutpostValidator();

let api: ApiHarness;
let receiver: WebhookReceiver;
let destinationId: string;
let eventIds: string[];

/** Calls the API as admin and checks the response against Outpost's schema for that route and status. */
async function conforming(
  method: string,
  template: string,
  path: string,
  status: number,
  body?: unknown,
): Promise<TestResponse> {
  const response = await api.admin(method, path, body);
  expect({ status: response.status, body: response.body }).toMatchObject({ status });
  expect(validator.errors(template, method, status, response.body)).toEqual([]);
  return response;
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  api = await startApiHarness({ TOPICS: 'user.created,user.deleted,order.shipped' });
  await conforming('PUT', '/tenants/{tenant_id}', `/tenants/${TENANT}`, 201, { metadata: { plan: 'pro' } });
  const created = await conforming(
    'POST',
    '/tenants/{tenant_id}/destinations',
    `/tenants/${TENANT}/destinations`,
    201,
    {
      type: 'webhook',
      topics: ['user.*'],
      config: { url: receiver.url },
      metadata: { team: 'platform' },
    },
  );
  destinationId = created.body.id;
  expect(destinationId).toMatch(/^des_[0-9A-Za-z]{12}$/);
  eventIds = [];
  for (let index = 0; index < EVENT_COUNT; index += 1) {
    const published = await conforming('POST', '/publish', '/publish', 202, {
      tenant_id: TENANT,
      topic: 'user.created',
      time: new Date(Date.UTC(2024, 0, 1, 0, 0, index)).toISOString(),
      metadata: { source: 'test' },
      data: { index },
    });
    expect(published.body).toEqual({
      id: expect.stringMatching(/^evt_/),
      duplicate: false,
      destination_ids: [destinationId],
    });
    eventIds.push(published.body.id);
  }
  await eventually(
    () => api.admin('GET', `/attempts?tenant_id=${TENANT}`),
    (response) => response.body.models.length >= EVENT_COUNT,
  );
});

afterAll(async () => {
  await api?.stop();
  await receiver?.close();
});

describe('responses match Outpost', () => {
  const D = '/tenants/{tenant_id}/destinations/{destination_id}';
  const d = () => `/tenants/${TENANT}/destinations/${destinationId}`;

  // Object rows: with array rows of different lengths jest would take a missing argument for `done`.
  test.each<{ method: string; template: string; path: () => string; status: number; body?: unknown }>([
    { method: 'GET', template: '/healthz', path: () => '/healthz', status: 200 },
    { method: 'GET', template: '/tenants', path: () => '/tenants', status: 200 },
    {
      method: 'PUT',
      template: '/tenants/{tenant_id}',
      path: () => `/tenants/${TENANT}`,
      status: 200,
      body: { metadata: { plan: 'enterprise' } },
    },
    { method: 'GET', template: '/tenants/{tenant_id}', path: () => `/tenants/${TENANT}`, status: 200 },
    {
      method: 'GET',
      template: '/tenants/{tenant_id}/token',
      path: () => `/tenants/${TENANT}/token`,
      status: 200,
    },
    {
      method: 'GET',
      template: '/tenants/{tenant_id}/portal',
      path: () => `/tenants/${TENANT}/portal?theme=dark`,
      status: 200,
    },
    {
      method: 'GET',
      template: '/tenants/{tenant_id}/destinations',
      path: () => `/tenants/${TENANT}/destinations`,
      status: 200,
    },
    { method: 'GET', template: D, path: d, status: 200 },
    {
      method: 'PATCH',
      template: D,
      path: d,
      status: 200,
      body: { metadata: { region: 'eu' }, delivery_metadata: { app: 'contract' } },
    },
    { method: 'PUT', template: `${D}/disable`, path: () => `${d()}/disable`, status: 200 },
    { method: 'PUT', template: `${D}/enable`, path: () => `${d()}/enable`, status: 200 },
    { method: 'GET', template: `${D}/attempts`, path: () => `${d()}/attempts?include=event`, status: 200 },
    { method: 'GET', template: '/events', path: () => `/events?tenant_id=${TENANT}`, status: 200 },
    { method: 'GET', template: '/events/{event_id}', path: () => `/events/${eventIds[0]}`, status: 200 },
    {
      method: 'GET',
      template: '/attempts',
      path: () =>
        `/attempts?tenant_id=${TENANT}&include=event.data&include=response_data&include=destination`,
      status: 200,
    },
    { method: 'GET', template: '/attempts', path: () => `/attempts?include=event`, status: 200 },
    { method: 'GET', template: '/destination-types', path: () => '/destination-types', status: 200 },
    {
      method: 'GET',
      template: '/destination-types/{type}',
      path: () => '/destination-types/webhook',
      status: 200,
    },
    { method: 'GET', template: '/topics', path: () => '/topics', status: 200 },
  ])('$method $template', async ({ method, template, path, status, body }) => {
    await conforming(method, template, path(), status, body);
  });

  test('a single attempt, plain and with every include', async () => {
    const list = await api.admin('GET', `/attempts?tenant_id=${TENANT}`);
    const attemptId = list.body.models[0].id;
    const plain = await conforming('GET', '/attempts/{attempt_id}', `/attempts/${attemptId}`, 200);
    expect(plain.body).not.toHaveProperty('response_data');
    expect(plain.body).not.toHaveProperty('event');
    const full = await conforming(
      'GET',
      `${D}/attempts/{attempt_id}`,
      `${d()}/attempts/${attemptId}?include=event.data,response_data,destination`,
      200,
    );
    expect(full.body.event).toMatchObject({ id: plain.body.event_id, data: { index: expect.any(Number) } });
    expect(full.body.response_data).toMatchObject({ status_code: 200 });
    expect(full.body.destination).toMatchObject({ id: destinationId, target_url: receiver.url });
  });

  test('tenant view counts destinations and lists their topics; the PATCH merged the maps', async () => {
    const tenant = await api.admin('GET', `/tenants/${TENANT}`);
    expect(tenant.body).toMatchObject({
      destinations_count: 1,
      topics: ['user.*'],
      metadata: { plan: 'enterprise' },
    });
    const destination = await api.admin('GET', d());
    expect(destination.body).toMatchObject({
      metadata: { team: 'platform', region: 'eu' },
      delivery_metadata: { app: 'contract' },
    });
  });

  test('errors have Outpost error shape', async () => {
    const missing = await api.admin('GET', `/tenants/${TENANT}/destinations/des_missing`);
    expect(validator.errors(D, 'GET', 404, missing.body)).toEqual([]);
    const invalid = await api.admin('POST', `/tenants/${TENANT}/destinations`, {
      type: 'webhook',
      topics: '*',
      config: {},
    });
    expect(validator.errors('/tenants/{tenant_id}/destinations', 'POST', 422, invalid.body)).toEqual([]);
  });
});

describe('publish and retry semantics', () => {
  test('a repeated id is a duplicate with the original destinations; nothing new is delivered', async () => {
    const again = await conforming('POST', '/publish', '/publish', 202, {
      id: eventIds[0],
      tenant_id: TENANT,
      topic: 'user.created',
      data: { index: 0 },
    });
    expect(again.body).toEqual({ id: eventIds[0], duplicate: true, destination_ids: [destinationId] });
  });

  test('an event matching no destination is stored with no destinations; a disabled one is skipped', async () => {
    const unmatched = await conforming('POST', '/publish', '/publish', 202, {
      tenant_id: TENANT,
      topic: 'order.shipped',
      data: {},
    });
    expect(unmatched.body.destination_ids).toEqual([]);
    expect((await api.admin('GET', `/events/${unmatched.body.id}`)).body.matched_destination_ids).toEqual([]);

    await api.admin('PUT', `/tenants/${TENANT}/destinations/${destinationId}/disable`);
    const skipped = await api.admin('POST', '/publish', {
      tenant_id: TENANT,
      topic: 'user.deleted',
      data: {},
    });
    await api.admin('PUT', `/tenants/${TENANT}/destinations/${destinationId}/enable`);
    expect(skipped.body.destination_ids).toEqual([]);
  });

  test('an unknown tenant is accepted and the event is kept, unmatched', async () => {
    const published = await api.admin('POST', '/publish', {
      tenant_id: 'tenant_nobody',
      topic: 'user.created',
      data: {},
    });
    expect(published.status).toBe(202);
    expect(published.body.destination_ids).toEqual([]);
    expect((await api.admin('GET', `/events/${published.body.id}?tenant_id=tenant_nobody`)).status).toBe(200);
  });

  test('a manual retry makes a new, manual attempt', async () => {
    const event = eventIds[1];
    await conforming('POST', '/retry', '/retry', 202, { event_id: event, destination_id: destinationId });
    const attempts = await eventually(
      () => api.admin('GET', `/attempts?event_id=${event}`),
      (response) => response.body.models.length >= 2,
    );
    expect(attempts.body.models.map((attempt: { manual: boolean }) => attempt.manual).sort()).toEqual([
      false,
      true,
    ]);
  });

  test('a retry to a disabled destination is refused', async () => {
    await api.admin('PUT', `/tenants/${TENANT}/destinations/${destinationId}/disable`);
    const refused = await api.admin('POST', '/retry', {
      event_id: eventIds[2],
      destination_id: destinationId,
    });
    await api.admin('PUT', `/tenants/${TENANT}/destinations/${destinationId}/enable`);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('destination is disabled');
  });
});

describe('pagination', () => {
  async function walk(path: string): Promise<{ pages: string[][]; back: string[][] }> {
    const pages: string[][] = [];
    const cursors: (string | null)[] = [];
    let next: string | null = null;
    do {
      const response: TestResponse = await api.admin(
        'GET',
        `${path}&limit=2${next ? `&next=${encodeURIComponent(next)}` : ''}`,
      );
      expect(response.status).toBe(200);
      pages.push(response.body.models.map((model: { id: string }) => model.id));
      cursors.push(response.body.pagination.prev);
      next = response.body.pagination.next;
    } while (next !== null && pages.length < MAX_PAGES);
    // Walk back from the last page with prev cursors.
    const back: string[][] = [];
    let prev = cursors[cursors.length - 1] ?? null;
    while (prev !== null && back.length < MAX_PAGES) {
      const response: TestResponse = await api.admin(
        'GET',
        `${path}&limit=2&prev=${encodeURIComponent(prev)}`,
      );
      back.unshift(response.body.models.map((model: { id: string }) => model.id));
      prev = response.body.pagination.prev;
    }
    return { pages, back };
  }

  test('events: next pages through everything newest first, prev walks back to the same pages', async () => {
    const { pages, back } = await walk(`/events?tenant_id=${TENANT}&topic=user.created&time[lt]=2024-01-02`);
    expect(pages.flat()).toEqual([...eventIds].reverse());
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(back).toEqual(pages.slice(0, -1));
  });

  test('attempts of the destination: the same round trip', async () => {
    const all = await api.admin('GET', `/tenants/${TENANT}/destinations/${destinationId}/attempts?limit=100`);
    const { pages, back } = await walk(`/tenants/${TENANT}/destinations/${destinationId}/attempts?dir=desc`);
    expect(pages.flat()).toEqual(all.body.models.map((model: { id: string }) => model.id));
    expect(pages.flat().length).toBeGreaterThanOrEqual(EVENT_COUNT);
    expect(back).toEqual(pages.slice(0, -1));
  });
});

describe('GET /api/v1/openapi.json', () => {
  test('documents every route, its security and the per-type create body, generated from the zod schemas', async () => {
    const response = await api.request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    const document = response.body;
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.values(
      document.paths as Record<string, Record<string, { operationId: string }>>,
    ).flatMap((methods) => Object.values(methods).map((operation) => operation.operationId));
    // Every Outpost operation this API shares, by Outpost's operationId.
    const outpostOperations = [
      'healthCheck',
      'listTenants',
      'upsertTenant',
      'getTenant',
      'deleteTenant',
      'listEvents',
      'getEvent',
      'listAttempts',
      'getAttempt',
      'getTenantPortalUrl',
      'getTenantToken',
      'listTenantDestinations',
      'createTenantDestination',
      'getTenantDestination',
      'updateTenantDestination',
      'deleteTenantDestination',
      'enableTenantDestination',
      'disableTenantDestination',
      'listTenantDestinationAttempts',
      'getTenantDestinationAttempt',
      'publishEvent',
      'retryEvent',
      'listDestinationTypeSchemas',
      'getDestinationTypeSchema',
      'listTopics',
    ];
    expect(operations).toEqual(expect.arrayContaining(outpostOperations));
    const publish = document.paths['/api/v1/publish'].post;
    expect(publish.security).toEqual([{ AdminApiKey: [] }]);
    expect(publish.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/PublishRequest',
    });
    expect(document.components.schemas.PublishRequest).toMatchObject({
      required: expect.arrayContaining(['tenant_id', 'data']),
      additionalProperties: false,
    });
    expect(document.components.schemas.DestinationCreateWebhook.properties.config.required).toEqual(['url']);
    expect(document.paths['/api/v1/healthz'].get.security).toEqual([]);
    // The filter's description lists every operator the filter module accepts, $regex included.
    const filterDescription: string = document.components.schemas.Filter.description;
    expect(filterDescription.match(/\$[A-Za-z]+/g)).toEqual(expect.arrayContaining([...FILTER_OPERATORS]));
    expect(filterDescription).toContain('RE2');
    const events = document.paths['/api/v1/events'].get.parameters.map(
      (parameter: { name: string }) => parameter.name,
    );
    expect(events).toEqual(
      expect.arrayContaining(['tenant_id', 'topic', 'time[gte]', 'limit', 'next', 'prev', 'dir']),
    );
  });
});
