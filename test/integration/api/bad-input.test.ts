import { MAX_REGEX_LENGTH } from '../../../lambdas/core/filter';
import { createHandler } from '../../../lambdas/handlers/api.handler';
import { startApiGateway, type ApiGateway } from '../../../local/api-gateway';
import { startApiHarness, type ApiHarness } from './api-harness';

/**
 * Bad input through the real stack: every case is a 4xx JSON error `{status, message, data?}` that
 * names what is wrong, and none of them stores anything.
 */

const TENANT = 'tenant_bad_input';
const DESTINATIONS = `/tenants/${TENANT}/destinations`;
const MAX_EVENT_DATA_BYTES = 4096;

let api: ApiHarness;
const EXISTING = 'des_existing';
/** An event of another tenant, so that a retry can name a real event and an unknown destination. */
const RETRY_PROBE = { tenant_id: 'tenant_retry_probe', id: 'evt-retry-probe' };
let destinationBefore: unknown;

beforeAll(async () => {
  api = await startApiHarness({ MAX_EVENT_DATA_BYTES: String(MAX_EVENT_DATA_BYTES) });
  expect((await api.admin('PUT', `/tenants/${TENANT}`, {})).status).toBe(201);
  const created = await api.admin('POST', DESTINATIONS, {
    id: EXISTING,
    type: 'webhook',
    topics: ['user.created'],
    config: { url: 'https://example.com/hook' },
  });
  expect(created.status).toBe(201);
  destinationBefore = created.body;
  const probe = await api.admin('POST', '/publish', { ...RETRY_PROBE, topic: 'user.created', data: {} });
  expect(probe.status).toBe(202);
});

afterAll(async () => {
  await api?.stop();
});

const webhook = (overrides: Record<string, unknown> = {}) => ({
  type: 'webhook',
  topics: '*',
  config: { url: 'https://example.com/hook' },
  ...overrides,
});
const publish = (overrides: Record<string, unknown> = {}) => ({
  tenant_id: TENANT,
  topic: 'user.created',
  data: { user_id: 'u1' },
  ...overrides,
});

interface Case {
  name: string;
  method: string;
  path: () => string;
  body?: unknown;
  auth?: 'admin' | 'none' | 'garbage';
  status: number;
  /** Must appear in `message` or in one of the `data` entries. */
  mentions: RegExp;
}

const cases: Case[] = [
  // Authentication and routing.
  { name: 'no token', method: 'GET', path: () => '/tenants', auth: 'none', status: 401, mentions: /token/ },
  {
    name: 'garbage token',
    method: 'GET',
    path: () => '/tenants',
    auth: 'garbage',
    status: 401,
    mentions: /token/,
  },
  { name: 'unknown route', method: 'GET', path: () => '/nowhere', status: 404, mentions: /route/ },
  // Ids are parts of storage keys: an overlong one is refused or unknown, never a store failure.
  {
    name: 'publish: event id over 255 characters',
    method: 'POST',
    path: () => '/publish',
    body: publish({ id: 'e'.repeat(256) }),
    status: 422,
    mentions: /^id: must be at most 255 characters/,
  },
  {
    name: 'destination: id over 255 characters',
    method: 'POST',
    path: () => `/tenants/${TENANT}/destinations`,
    body: webhook({ id: 'd'.repeat(256) }),
    status: 422,
    mentions: /^id: must be at most 255 characters/,
  },
  {
    name: 'events: id filter over 255 characters',
    method: 'GET',
    path: () => `/events?tenant_id=${TENANT}&id=${'e'.repeat(3000)}`,
    status: 400,
    mentions: /^id\.0: each value must be at most 255 characters/,
  },
  {
    name: 'events: path id over 255 characters',
    method: 'GET',
    path: () => `/events/${'e'.repeat(3000)}?tenant_id=${TENANT}`,
    status: 404,
    mentions: /event not found/,
  },
  {
    name: 'destination: path id over 255 characters',
    method: 'GET',
    path: () => `/tenants/${TENANT}/destinations/${'d'.repeat(3000)}`,
    status: 404,
    mentions: /destination not found/,
  },
  // Tenants.
  {
    name: 'tenant: malformed JSON',
    method: 'PUT',
    path: () => `/tenants/${TENANT}`,
    body: '{"metadata":',
    status: 400,
    mentions: /malformed JSON/,
  },
  {
    name: 'tenant: metadata value not a string',
    method: 'PUT',
    path: () => '/tenants/t_new',
    body: { metadata: { plan: 1 } },
    status: 422,
    mentions: /^metadata\.plan:/,
  },
  {
    name: 'tenant: unknown field',
    method: 'PUT',
    path: () => '/tenants/t_new',
    body: { metdata: {} },
    status: 422,
    mentions: /^metdata: unknown field/,
  },
  {
    name: 'tenant: unknown tenant',
    method: 'GET',
    path: () => '/tenants/t_missing',
    status: 404,
    mentions: /tenant not found/,
  },
  {
    name: 'tenant: bad query',
    method: 'GET',
    path: () => '/tenants?limit=0',
    status: 400,
    mentions: /^limit:/,
  },
  // Destination create.
  {
    name: 'destination: malformed JSON',
    method: 'POST',
    path: () => DESTINATIONS,
    body: '{"type":"webhook",',
    status: 400,
    mentions: /malformed JSON/,
  },
  {
    name: 'destination: body is an array',
    method: 'POST',
    path: () => DESTINATIONS,
    body: [webhook()],
    status: 422,
    mentions: /^body:/,
  },
  {
    name: 'destination: missing type',
    method: 'POST',
    path: () => DESTINATIONS,
    body: { topics: '*', config: { url: 'https://a.example' } },
    status: 422,
    mentions: /^type:/,
  },
  {
    name: 'destination: unknown type',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ type: 'carrier_pigeon' }),
    status: 422,
    mentions: /^type: must be one of .*webhook/,
  },
  {
    name: 'destination: missing topics',
    method: 'POST',
    path: () => DESTINATIONS,
    body: { type: 'webhook', config: { url: 'https://a.example' } },
    status: 422,
    mentions: /^topics:/,
  },
  {
    name: 'destination: topics of the wrong type',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ topics: 5 }),
    status: 422,
    mentions: /^topics:/,
  },
  {
    name: 'destination: empty topics',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ topics: [] }),
    status: 422,
    mentions: /^topics:/,
  },
  {
    name: 'destination: missing config',
    method: 'POST',
    path: () => DESTINATIONS,
    body: { type: 'webhook', topics: '*' },
    status: 422,
    mentions: /^config:/,
  },
  {
    name: 'destination: missing config.url',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ config: {} }),
    status: 422,
    mentions: /^config\.url:/,
  },
  {
    name: 'destination: url not http(s)',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ config: { url: 'ftp://example.com/x' } }),
    status: 422,
    mentions: /^config\.url: must be an http\(s\) URL/,
  },
  {
    name: 'destination: url not a URL',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ config: { url: 'not a url' } }),
    status: 422,
    mentions: /^config\.url:/,
  },
  {
    name: 'destination: typo in config',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ config: { url: 'https://a.example', custom_header: '{}' } }),
    status: 422,
    mentions: /^config\.custom_header: unknown field/,
  },
  {
    name: 'destination: typo at the top level',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ topic: 'user.created' }),
    status: 422,
    mentions: /^topic: unknown field/,
  },
  {
    name: 'destination: custom header overrides Content-Type',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ config: { url: 'https://a.example', custom_headers: '{"Content-Type":"text/plain"}' } }),
    status: 422,
    mentions: /^config\.custom_headers: .*reserved/,
  },
  {
    name: 'destination: custom header overrides a signature header',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ config: { url: 'https://a.example', custom_headers: '{"webhook-signature":"v1,x"}' } }),
    status: 422,
    mentions: /^config\.custom_headers: .*reserved/,
  },
  {
    name: 'destination: custom header value with CR/LF',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({
      config: { url: 'https://a.example', custom_headers: JSON.stringify({ 'x-a': 'v\r\nx-injected: 1' }) },
    }),
    status: 422,
    mentions: /^config\.custom_headers: .*CR, LF/,
  },
  {
    name: 'destination: custom header name that is not an HTTP token',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ config: { url: 'https://a.example', custom_headers: '{"x bad:name":"1"}' } }),
    status: 422,
    mentions: /^config\.custom_headers: header name "x bad:name" is not a valid HTTP token/,
  },
  {
    name: 'destination: custom headers not JSON',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ config: { url: 'https://a.example', custom_headers: 'x-a: 1' } }),
    status: 422,
    mentions: /^config\.custom_headers:/,
  },
  {
    name: 'destination: unknown credential',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ credentials: { secrt: 'x' } }),
    status: 422,
    mentions: /^credentials\.secrt: unknown field/,
  },
  {
    name: 'destination: weak secret',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ credentials: { secret: 'short' } }),
    status: 422,
    mentions: /^credentials\.secret:/,
  },
  {
    name: 'destination: filter not an object',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ filter: 'amount > 5' }),
    status: 422,
    mentions: /^filter:/,
  },
  {
    name: 'destination: filter $regex with a lookahead (not RE2)',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ filter: { data: { sku: { $regex: '(?=a)' } } } }),
    status: 422,
    mentions: /^filter\.data\.sku\.\$regex: not a valid RE2 pattern/,
  },
  {
    name: 'destination: filter $regex with a backreference (not RE2)',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ filter: { data: { sku: { $regex: '(a)\\1' } } } }),
    status: 422,
    mentions: /^filter\.data\.sku\.\$regex: not a valid RE2 pattern/,
  },
  {
    name: 'destination: filter $regex over the length limit',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ filter: { data: { sku: { $regex: 'a'.repeat(MAX_REGEX_LENGTH + 1) } } } }),
    status: 422,
    mentions: new RegExp(
      `^filter\\.data\\.sku\\.\\$regex: pattern longer than ${MAX_REGEX_LENGTH} characters`,
    ),
  },
  {
    name: 'destination: filter with an unknown operator',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ filter: { data: { amount: { $between: [1, 5] } } } }),
    status: 422,
    mentions: /^filter\.data\.amount\.\$between: unknown operator/,
  },
  {
    name: 'destination update: filter $regex with a lookahead (not RE2)',
    method: 'PATCH',
    path: () => `${DESTINATIONS}/${EXISTING}`,
    body: { filter: { data: { sku: { $regex: '(?=a)' } } } },
    status: 422,
    mentions: /^filter\.data\.sku\.\$regex: not a valid RE2 pattern/,
  },
  {
    name: 'destination: metadata value not a string',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ metadata: { team: 7 } }),
    status: 422,
    mentions: /^metadata\.team:/,
  },
  {
    name: 'destination: created_at in the future',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ created_at: '2999-01-01T00:00:00Z' }),
    status: 422,
    mentions: /^created_at: must not be in the future/,
  },
  {
    name: 'destination: id with a slash',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ id: 'a/b' }),
    status: 422,
    mentions: /^id:/,
  },
  {
    name: 'destination: duplicate id',
    method: 'POST',
    path: () => DESTINATIONS,
    body: webhook({ id: EXISTING }),
    status: 409,
    mentions: /./,
  },
  {
    name: 'destination: unknown tenant',
    method: 'POST',
    path: () => '/tenants/t_missing/destinations',
    body: webhook(),
    status: 404,
    mentions: /tenant not found/,
  },
  {
    name: 'destination: unknown destination',
    method: 'GET',
    path: () => `${DESTINATIONS}/des_missing`,
    status: 404,
    mentions: /destination not found/,
  },
  // Destination update.
  {
    name: 'patch: unknown destination',
    method: 'PATCH',
    path: () => `${DESTINATIONS}/des_missing`,
    body: { topics: '*' },
    status: 404,
    mentions: /destination not found/,
  },
  {
    name: 'patch: type change',
    method: 'PATCH',
    path: () => `${DESTINATIONS}/${EXISTING}`,
    body: { type: 'aws_sqs' },
    status: 422,
    mentions: /^type:/,
  },
  {
    name: 'patch: bad url',
    method: 'PATCH',
    path: () => `${DESTINATIONS}/${EXISTING}`,
    body: { config: { url: 'javascript:alert(1)' } },
    status: 422,
    mentions: /^config\.url:/,
  },
  {
    name: 'patch: removing the required url',
    method: 'PATCH',
    path: () => `${DESTINATIONS}/${EXISTING}`,
    body: { config: { url: null } },
    status: 422,
    mentions: /^config\.url:/,
  },
  {
    name: 'patch: typo at the top level',
    method: 'PATCH',
    path: () => `${DESTINATIONS}/${EXISTING}`,
    body: { topic: ['a'] },
    status: 422,
    mentions: /^topic: unknown field/,
  },
  {
    name: 'patch: typo in config',
    method: 'PATCH',
    path: () => `${DESTINATIONS}/${EXISTING}`,
    body: { config: { ulr: 'https://b.example' } },
    status: 422,
    mentions: /^config\.ulr: unknown field/,
  },
  {
    name: 'patch: malformed JSON',
    method: 'PATCH',
    path: () => `${DESTINATIONS}/${EXISTING}`,
    body: '{',
    status: 400,
    mentions: /malformed JSON/,
  },
  // Publish.
  {
    name: 'publish: malformed JSON',
    method: 'POST',
    path: () => '/publish',
    body: '{"tenant_id":',
    status: 400,
    mentions: /malformed JSON/,
  },
  {
    name: 'publish: missing tenant_id',
    method: 'POST',
    path: () => '/publish',
    body: { topic: 'user.created', data: {} },
    status: 422,
    mentions: /^tenant_id:/,
  },
  {
    name: 'publish: tenant_id that cannot be a tenant id',
    method: 'POST',
    path: () => '/publish',
    body: publish({ tenant_id: 'acme/../other' }),
    status: 422,
    mentions: /^tenant_id: must be 1-128 letters/,
  },
  {
    name: 'publish: missing data',
    method: 'POST',
    path: () => '/publish',
    body: { tenant_id: TENANT, topic: 'user.created' },
    status: 422,
    mentions: /^data:/,
  },
  {
    name: 'publish: data is an array',
    method: 'POST',
    path: () => '/publish',
    body: publish({ data: [1, 2] }),
    status: 422,
    mentions: /^data: must be a JSON object/,
  },
  {
    name: 'publish: data is a string',
    method: 'POST',
    path: () => '/publish',
    body: publish({ data: 'hello' }),
    status: 422,
    mentions: /^data: must be a JSON object/,
  },
  {
    name: 'publish: data is null',
    method: 'POST',
    path: () => '/publish',
    body: publish({ data: null }),
    status: 422,
    mentions: /^data: must be a JSON object/,
  },
  {
    name: 'publish: unknown field',
    method: 'POST',
    path: () => '/publish',
    body: publish({ tenantId: TENANT }),
    status: 422,
    mentions: /^tenantId: unknown field/,
  },
  {
    name: 'publish: eligible_for_retry not a boolean',
    method: 'POST',
    path: () => '/publish',
    body: publish({ eligible_for_retry: 'yes' }),
    status: 422,
    mentions: /^eligible_for_retry:/,
  },
  {
    name: 'publish: time not RFC3339',
    method: 'POST',
    path: () => '/publish',
    body: publish({ time: 'yesterday' }),
    status: 422,
    mentions: /^time:/,
  },
  {
    name: 'publish: metadata value not a string',
    method: 'POST',
    path: () => '/publish',
    body: publish({ metadata: { source: 1 } }),
    status: 422,
    mentions: /^metadata\.source:/,
  },
  {
    name: 'publish: topic pattern',
    method: 'POST',
    path: () => '/publish',
    body: publish({ topic: 'user.*' }),
    status: 422,
    mentions: /^topic:/,
  },
  {
    name: 'publish: unknown destination_id',
    method: 'POST',
    path: () => '/publish',
    body: publish({ destination_id: 'des_missing' }),
    status: 404,
    mentions: /destination not found/,
  },
  {
    name: 'publish: data over MAX_EVENT_DATA_BYTES',
    method: 'POST',
    path: () => '/publish',
    body: publish({ data: { blob: 'x'.repeat(MAX_EVENT_DATA_BYTES) } }),
    status: 413,
    mentions: /data is \d+ bytes/,
  },
  {
    name: 'publish: data over MAX_EVENT_DATA_BYTES as sent (whitespace counts: it is delivered)',
    method: 'POST',
    path: () => '/publish',
    body: `{"tenant_id":"${TENANT}","topic":"user.created","data":{"a":1${' '.repeat(MAX_EVENT_DATA_BYTES)}}}`,
    status: 413,
    mentions: /data is \d+ bytes/,
  },
  {
    name: 'publish: body over the request cap',
    method: 'POST',
    path: () => '/publish',
    body: JSON.stringify(publish({ data: { blob: 'x'.repeat(MAX_EVENT_DATA_BYTES * 40) } })),
    status: 413,
    mentions: /request body is \d+ bytes/,
  },
  // Retry and reads.
  {
    name: 'retry: missing event_id',
    method: 'POST',
    path: () => '/retry',
    body: { destination_id: EXISTING },
    status: 422,
    mentions: /^event_id:/,
  },
  {
    name: 'retry: unknown event',
    method: 'POST',
    path: () => '/retry',
    body: { event_id: 'evt_missing', destination_id: EXISTING },
    status: 404,
    mentions: /event not found/,
  },
  {
    name: 'retry: unknown destination of a real event',
    method: 'POST',
    path: () => '/retry',
    body: { event_id: RETRY_PROBE.id, destination_id: 'des_missing' },
    status: 404,
    mentions: /destination not found/,
  },
  {
    name: 'retry: unknown field',
    method: 'POST',
    path: () => '/retry',
    body: { event_id: RETRY_PROBE.id, destination_id: 'des_missing', tenant: 'x' },
    status: 422,
    mentions: /^tenant: unknown field/,
  },
  {
    name: 'events: unknown event',
    method: 'GET',
    path: () => '/events/evt_missing',
    status: 404,
    mentions: /event not found/,
  },
  {
    name: 'events: bad time filter',
    method: 'GET',
    path: () => '/events?time[gte]=soon',
    status: 400,
    mentions: /^time\[gte\]:/,
  },
  {
    name: 'events: next and prev together',
    method: 'GET',
    path: () => '/events?next=a&prev=b',
    status: 400,
    mentions: /^next:/,
  },
  {
    name: 'events: misspelt query parameter',
    method: 'GET',
    path: () => '/events?tenantId=x',
    status: 400,
    mentions: /^tenantId: unknown field/,
  },
  {
    name: 'events: too many ids',
    method: 'GET',
    path: () => `/events?${Array.from({ length: 51 }, (_, n) => `id=e${n}`).join('&')}`,
    status: 400,
    mentions: /^id: at most 50 values/,
  },
  {
    name: 'attempts: misspelt query parameter',
    method: 'GET',
    path: () => '/attempts?destinationType=webhook',
    status: 400,
    mentions: /^destinationType: unknown field/,
  },
  {
    name: 'attempts: event ids times tenants beyond one batch read',
    method: 'GET',
    path: () =>
      `/attempts?${Array.from({ length: 11 }, (_, n) => `event_id=e${n}&tenant_id=t${n}`).join('&')}`,
    status: 400,
    mentions: /^event_id: at most 100 per request/,
  },
  {
    name: 'destination attempts: a parameter only /attempts has',
    method: 'GET',
    path: () => `${DESTINATIONS}/${EXISTING}/attempts?destination_type=webhook`,
    status: 400,
    mentions: /^destination_type: unknown field/,
  },
  {
    name: 'tenants: misspelt query parameter',
    method: 'GET',
    path: () => '/tenants?ids=t1',
    status: 400,
    mentions: /^ids: unknown field/,
  },
  {
    name: 'destinations: misspelt query parameter',
    method: 'GET',
    path: () => `${DESTINATIONS}?topic=user.created`,
    status: 400,
    mentions: /^topic: unknown field/,
  },
  {
    name: 'attempts: unknown attempt',
    method: 'GET',
    path: () => '/attempts/atm_missing',
    status: 404,
    mentions: /attempt not found/,
  },
  {
    name: 'attempts: bad include',
    method: 'GET',
    path: () => '/attempts?include=secrets',
    status: 400,
    mentions: /^include/,
  },
  {
    name: 'destination-types: unknown type',
    method: 'GET',
    path: () => '/destination-types/carrier_pigeon',
    status: 404,
    mentions: /type not found/,
  },
];

describe.each(cases)('$name', ({ method, path, body, auth, status, mentions }) => {
  test(`answers ${status} naming the problem`, async () => {
    const token = auth === 'none' ? undefined : auth === 'garbage' ? 'not-a-token' : api.runtime.adminKey;
    const response = await api.request(method, path(), { token, body });
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ status, message: expect.any(String) });
    const texts = [response.body.message, ...(Array.isArray(response.body.data) ? response.body.data : [])];
    expect(texts.some((text: string) => mentions.test(text))).toBe(true);
  });
});

test('nothing was stored by any of the bad requests', async () => {
  const destinations = await api.admin('GET', DESTINATIONS);
  expect(destinations.body).toEqual([destinationBefore]);
  const events = await api.admin('GET', `/events?tenant_id=${TENANT}`);
  expect(events.body.models).toEqual([]);
  const tenants = await api.admin('GET', '/tenants?id=t_new&id=t_missing');
  expect(tenants.body.models).toEqual([]);
});

/**
 * Deployed mode (DEPLOYMENT_MODE=aws) refuses at the API what it would refuse at delivery: the API
 * Lambda's own handler, in AWS mode, behind the local API gateway, on the same tables.
 */
describe('deployed mode', () => {
  let gateway: ApiGateway;

  beforeAll(async () => {
    // AWS mode takes credentials from the SDK's default chain (the Lambda role), here this test's env.
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
    gateway = await startApiGateway({
      routes: [
        { routeKey: '$default', handler: createHandler({ ...api.runtime.env, DEPLOYMENT_MODE: 'aws' }) },
      ],
    });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  const deployed = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${gateway.baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${api.runtime.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { status: number; data?: string[] } };
  };

  test.each([
    ['an http:// URL', 'http://hooks.example.com/in', /^config\.url: must use https/],
    ['a private IP', 'https://10.0.0.7/in', /^config\.url: must not point at a forbidden address/],
    [
      'the metadata service',
      'https://169.254.169.254/latest',
      /^config\.url: must not point at a forbidden address/,
    ],
    ['localhost', 'https://localhost:8443/in', /^config\.url: must not point at localhost/],
  ])('a webhook to %s is 422 naming config.url', async (_name, url, mentions) => {
    const response = await deployed('POST', DESTINATIONS, webhook({ config: { url } }));
    expect(response.status).toBe(422);
    expect(response.body.status).toBe(422);
    expect(response.body.data?.some((text) => mentions.test(text))).toBe(true);
  });

  test('and accepts a public https URL', async () => {
    expect((await deployed('PUT', '/tenants/tenant_deployed', {})).status).toBe(201);
    const created = await deployed(
      'POST',
      '/tenants/tenant_deployed/destinations',
      webhook({ config: { url: 'https://hooks.example.com/in' } }),
    );
    expect(created.status).toBe(201);
  });
});
