import { Webhook } from 'standardwebhooks';
import { createHmac } from 'node:crypto';
import type { Destination, Event, StringMap } from '../../lambdas/core/model';
import { ValidationError } from '../../lambdas/core/errors';
import { generateSecret } from '../../lambdas/core/signing';
import { customHeadersProblems, webhookAdapter } from '../../lambdas/destinations/webhook.adapter';

const now = new Date('2025-03-01T12:00:00.250Z');
const hour = 3600 * 1000;

function event(overrides: Partial<Event> = {}): Event {
  return {
    id: 'evt_123',
    tenant_id: 't1',
    topic: 'user.created',
    time: '2025-03-01T11:59:59Z',
    eligible_for_retry: true,
    metadata: null,
    data: { user_id: 'usr_1', nested: { list: [1, 2.5, 'três'] }, unicode: '✓' },
    matched_destination_ids: ['d1'],
    ...overrides,
  };
}

function destination(overrides: Partial<Destination> = {}): Destination {
  return {
    id: 'd1',
    tenant_id: 't1',
    type: 'webhook',
    topics: '*',
    filter: null,
    config: { url: 'https://hooks.example.com/in' },
    credentials: { secret: generateSecret() },
    delivery_metadata: null,
    metadata: null,
    disabled_at: null,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    ...overrides,
  };
}

const formatCtx = { now, secretRotationGraceMs: 24 * hour };

/** Zod issues as the API reports them: `config.<path>: <message>`. */
function configErrors(config: unknown): string[] {
  const result = webhookAdapter.configSchema.safeParse(config);
  return result.success ? [] : result.error.issues.map((i) => `config.${i.path.join('.')}: ${i.message}`);
}

describe('webhook configSchema', () => {
  it.each<[string, unknown, string[]]>([
    ['minimal', { url: 'https://hooks.example.com/in' }, []],
    ['http is valid at the schema level', { url: 'http://127.0.0.1:8080/in' }, []],
    ['signature format outpost', { url: 'https://a.example/in', signature_format: 'outpost' }, []],
    [
      'custom headers',
      { url: 'https://a.example/in', custom_headers: '{"x-api-key":"k","X-Tenant":"t-1"}' },
      [],
    ],
    ['missing url', {}, ['config.url: Invalid input: expected string, received undefined']],
    ['not a URL', { url: 'hooks.example.com' }, ['config.url: must be an http(s) URL']],
    ['ftp URL', { url: 'ftp://hooks.example.com/' }, ['config.url: must be an http(s) URL']],
    [
      'unknown signature format',
      { url: 'https://a.example/in', signature_format: 'hmac' },
      ['config.signature_format: Invalid option: expected one of "standard"|"outpost"'],
    ],
    [
      'reserved header',
      { url: 'https://a.example/in', custom_headers: '{"Host":"evil.example"}' },
      ['config.custom_headers: header "Host" is reserved'],
    ],
  ])('%s', (_label, config, errors) => {
    expect(configErrors(config)).toEqual(errors);
  });

  it('drops fields that are not given and unknown ones', () => {
    expect(webhookAdapter.configSchema.parse({ url: 'https://a.example/in', colour: 'red' })).toEqual({
      url: 'https://a.example/in',
    });
  });
});

describe('customHeadersProblems', () => {
  it.each<[string, string, string[]]>([
    ['valid', '{"x-api-key":"secret123","x-tenant-id":"customer-456"}', []],
    ['empty object', '{}', []],
    ['not JSON', '{x-api-key: 1}', ['must be a JSON object of header names to string values']],
    ['an array', '["x-api-key"]', ['must be a JSON object of header names to string values']],
    ['a string', '"x-api-key"', ['must be a JSON object of header names to string values']],
    ['non-string value', '{"x-count":3}', ['header "x-count" must have a string value']],
    ['empty value', '{"x-empty":""}', ['header "x-empty" must not be empty']],
    ['space in name', '{"x api":"v"}', ['header name "x api" is not a valid HTTP token']],
    ['colon in name', '{"x-a:b":"v"}', ['header name "x-a:b" is not a valid HTTP token']],
    [
      'CRLF in value',
      '{"x-a":"v\\r\\nx-injected: 1"}',
      ['header "x-a" value must not contain CR, LF, NUL or other control characters'],
    ],
    [
      'LF in value',
      '{"x-a":"v\\nw"}',
      ['header "x-a" value must not contain CR, LF, NUL or other control characters'],
    ],
    [
      'NUL in value',
      '{"x-a":"v\\u0000"}',
      ['header "x-a" value must not contain CR, LF, NUL or other control characters'],
    ],
    [
      'beyond latin-1',
      '{"x-a":"✓"}',
      ['header "x-a" value must not contain CR, LF, NUL or other control characters'],
    ],
    ['Content-Type', '{"Content-Type":"text/plain"}', ['header "Content-Type" is reserved']],
    ['content-length', '{"content-length":"1"}', ['header "content-length" is reserved']],
    ['HOST', '{"HOST":"a"}', ['header "HOST" is reserved']],
    ['User-Agent', '{"User-Agent":"a"}', ['header "User-Agent" is reserved']],
    ['Connection', '{"Connection":"close"}', ['header "Connection" is reserved']],
    ['Transfer-Encoding', '{"Transfer-Encoding":"chunked"}', ['header "Transfer-Encoding" is reserved']],
    ['webhook-signature', '{"Webhook-Signature":"v1,x"}', ['header "Webhook-Signature" is reserved']],
    ['any webhook-*', '{"webhook-anything":"x"}', ['header "webhook-anything" is reserved']],
    ['x-outpost-*', '{"X-Outpost-Event-Id":"x"}', ['header "X-Outpost-Event-Id" is reserved']],
    [
      'several problems',
      '{"host":"a","x ok":"b","x-fine":"c"}',
      ['header "host" is reserved', 'header name "x ok" is not a valid HTTP token'],
    ],
  ])('%s', (_label, json, problems) => {
    expect(customHeadersProblems(json)).toEqual(problems);
  });
});

describe('webhook credentials', () => {
  const oldSecret = generateSecret();
  const adminCtx = { now, isAdmin: true, secretRotationGraceMs: 24 * hour };
  const tenantCtx = { now, isAdmin: false, secretRotationGraceMs: 24 * hour };

  it('generates a secret on create when none is given', () => {
    const stored = webhookAdapter.prepareCredentials({}, null, tenantCtx);
    expect(Object.keys(stored)).toEqual(['secret']);
    expect(stored.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  });

  it('keeps an admin-supplied secret', () => {
    expect(webhookAdapter.prepareCredentials({ secret: oldSecret }, null, adminCtx)).toEqual({
      secret: oldSecret,
    });
  });

  it.each<[string, StringMap, string[]]>([
    [
      'too short',
      { secret: 'short' },
      ['credentials.secret: must start with whsec_ or be at least 32 printable ASCII characters'],
    ],
    ['bad whsec', { secret: 'whsec_???' }, ['credentials.secret: must be whsec_ followed by base64']],
    ['bad rotate flag', { rotate_secret: 'yes' }, ['credentials.rotate_secret: Invalid input']],
  ])('rejects %s', (_label, input, messages) => {
    const attempt = (): unknown => webhookAdapter.prepareCredentials(input, null, adminCtx);
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).data).toEqual(messages);
    }
  });

  it.each<[string, StringMap, StringMap | null]>([
    ['secret on create', { secret: oldSecret }, null],
    ['a different secret on update', { secret: generateSecret() }, { secret: oldSecret }],
    ['previous_secret', { previous_secret: generateSecret() }, { secret: oldSecret }],
  ])('refuses a tenant setting %s', (_label, input, existing) => {
    expect(() => webhookAdapter.prepareCredentials(input, existing, tenantCtx)).toThrow(ValidationError);
  });

  it('accepts a tenant echoing the stored credentials back (merge patch)', () => {
    const existing = { secret: oldSecret };
    expect(webhookAdapter.prepareCredentials({ secret: oldSecret }, existing, tenantCtx)).toEqual(existing);
  });

  it.each<[string, StringMap, { isAdmin: boolean; secretRotationGraceMs?: number }, string]>([
    [
      'string flag, configured grace',
      { rotate_secret: 'true' },
      { isAdmin: false, secretRotationGraceMs: 2 * hour },
      '2025-03-01T14:00:00.250Z',
    ],
    [
      'boolean flag (Outpost SDK)',
      { rotate_secret: true as unknown as string },
      { isAdmin: false, secretRotationGraceMs: 2 * hour },
      '2025-03-01T14:00:00.250Z',
    ],
    ['default grace of 24 h', { rotate_secret: 'true' }, { isAdmin: false }, '2025-03-02T12:00:00.250Z'],
    [
      'admin-chosen end of the window',
      { rotate_secret: 'true', previous_secret_invalid_at: '2025-03-05T00:00:00Z' },
      { isAdmin: true },
      '2025-03-05T00:00:00.000Z',
    ],
    [
      'tenant-chosen end is ignored',
      { rotate_secret: 'true', previous_secret_invalid_at: '2025-03-05T00:00:00Z' },
      { isAdmin: false },
      '2025-03-02T12:00:00.250Z',
    ],
  ])('rotation: %s', (_label, input, ctx, invalidAt) => {
    const stored = webhookAdapter.prepareCredentials(input, { secret: oldSecret }, { now, ...ctx });
    expect(stored.previous_secret).toBe(oldSecret);
    expect(stored.previous_secret_invalid_at).toBe(invalidAt);
    expect(stored.secret).toMatch(/^whsec_/);
    expect(stored.secret).not.toBe(oldSecret);
    expect(stored).not.toHaveProperty('rotate_secret');
  });

  it('rotation by an admin to a chosen secret', () => {
    const next = generateSecret();
    const stored = webhookAdapter.prepareCredentials(
      { secret: next, rotate_secret: 'true' },
      { secret: oldSecret },
      adminCtx,
    );
    expect(stored).toEqual({
      secret: next,
      previous_secret: oldSecret,
      previous_secret_invalid_at: '2025-03-02T12:00:00.250Z',
    });
  });

  it('rotation with the stored credentials merged in opens a new window, not the old one', () => {
    const current = generateSecret();
    const existing = {
      secret: current,
      previous_secret: oldSecret,
      previous_secret_invalid_at: '2025-03-01T13:00:00.000Z',
    };
    for (const ctx of [adminCtx, tenantCtx]) {
      const stored = webhookAdapter.prepareCredentials({ ...existing, rotate_secret: 'true' }, existing, ctx);
      expect(stored).toMatchObject({
        previous_secret: current,
        previous_secret_invalid_at: '2025-03-02T12:00:00.250Z',
      });
      expect(stored.secret).not.toBe(current);
    }
  });

  it('an admin may move the end of the current window', () => {
    const existing = {
      secret: generateSecret(),
      previous_secret: oldSecret,
      previous_secret_invalid_at: '2025-03-01T13:00:00.000Z',
    };
    const stored = webhookAdapter.prepareCredentials(
      { ...existing, previous_secret_invalid_at: '2025-03-01T18:00:00Z' },
      existing,
      adminCtx,
    );
    expect(stored).toEqual({ ...existing, previous_secret_invalid_at: '2025-03-01T18:00:00.000Z' });
  });

  it('rotate_secret false changes nothing', () => {
    expect(
      webhookAdapter.prepareCredentials({ rotate_secret: 'false' }, { secret: oldSecret }, tenantCtx),
    ).toEqual({
      secret: oldSecret,
    });
  });

  it('keeps a previous secret until its window ends and drops it after', () => {
    const existing = {
      secret: generateSecret(),
      previous_secret: oldSecret,
      previous_secret_invalid_at: '2025-03-01T13:00:00.000Z',
    };
    expect(webhookAdapter.prepareCredentials({}, existing, tenantCtx)).toEqual(existing);
    const later = { ...tenantCtx, now: new Date('2025-03-01T13:00:00.000Z') };
    expect(webhookAdapter.prepareCredentials({}, existing, later)).toEqual({ secret: existing.secret });
  });

  it('shows credentials as stored (the tenant needs the secret to verify)', () => {
    const stored = { secret: oldSecret };
    expect(webhookAdapter.maskCredentials(stored)).toEqual(stored);
  });
});

describe('webhook format', () => {
  it('sends the event data byte for byte as the JSON body', () => {
    const request = webhookAdapter.format(event(), destination(), formatCtx);
    expect(request.url).toBe('https://hooks.example.com/in');
    expect(request.body).toBe('{"user_id":"usr_1","nested":{"list":[1,2.5,"três"]},"unicode":"✓"}');
  });

  it('builds the Standard Webhooks and metadata headers', () => {
    const request = webhookAdapter.format(event(), destination(), formatCtx);
    expect(request.headers).toEqual({
      'content-type': 'application/json',
      'x-outpost-event-id': 'evt_123',
      'x-outpost-topic': 'user.created',
      'x-outpost-timestamp': '1740830400',
      'webhook-id': 'evt_123',
      'webhook-timestamp': '1740830400',
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/) as string,
    });
  });

  it('is pure: the same inputs give the same request', () => {
    const dest = destination();
    expect(webhookAdapter.format(event(), dest, formatCtx)).toEqual(
      webhookAdapter.format(event(), dest, formatCtx),
    );
  });

  it('adds custom headers, event metadata and delivery metadata (delivery metadata wins a clash)', () => {
    const request = webhookAdapter.format(
      event({ metadata: { source: 'signup', Region: 'eu', 'bad key': 'x', crlf: 'a\r\nb' } }),
      destination({
        config: { url: 'https://a.example/in', custom_headers: '{"x-api-key":"k1","X-Tenant":"t-9"}' },
        delivery_metadata: { region: 'us', app: 'shop' },
      }),
      formatCtx,
    );
    expect(request.headers).toMatchObject({
      'x-api-key': 'k1',
      'X-Tenant': 't-9',
      'x-outpost-source': 'signup',
      'x-outpost-region': 'us',
      'x-outpost-app': 'shop',
    });
    expect(Object.keys(request.headers)).not.toContain('x-outpost-bad key');
    expect(Object.keys(request.headers)).not.toContain('x-outpost-crlf');
  });

  it('never lets metadata replace a system header', () => {
    const request = webhookAdapter.format(
      event({ metadata: { 'event-id': 'forged', topic: 'forged', signature: 'forged' } }),
      destination({ config: { url: 'https://a.example/in', signature_format: 'outpost' } }),
      formatCtx,
    );
    expect(request.headers['x-outpost-event-id']).toBe('evt_123');
    expect(request.headers['x-outpost-topic']).toBe('user.created');
    expect(request.headers['x-outpost-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
  });

  it('outpost format: v0 hex signature of the body and an RFC 3339 timestamp', () => {
    const secret = 'whsec_outpost-style-secret-0123456789abcdef';
    const request = webhookAdapter.format(
      event(),
      destination({
        config: { url: 'https://a.example/in', signature_format: 'outpost' },
        credentials: { secret },
      }),
      formatCtx,
    );
    const expected = createHmac('sha256', secret).update(request.body).digest('hex');
    expect(request.headers['x-outpost-signature']).toBe(`v0=${expected}`);
    expect(request.headers['x-outpost-timestamp']).toBe('2025-03-01T12:00:00Z');
    expect(Object.keys(request.headers).filter((name) => name.startsWith('webhook-'))).toEqual([]);
  });

  it.each<[string, string, number]>([
    ['inside the rotation window both secrets sign', '2025-03-01T12:00:01Z', 2],
    ['at the end of the window only the new one signs', '2025-03-01T12:00:00.250Z', 1],
    ['after the window only the new one signs', '2025-03-01T11:00:00Z', 1],
    ['an unreadable end date does not sign', 'not a date', 1],
  ])('%s', (_label, invalidAt, signatures) => {
    const current = generateSecret();
    const previous = generateSecret();
    const request = webhookAdapter.format(
      event(),
      destination({
        credentials: { secret: current, previous_secret: previous, previous_secret_invalid_at: invalidAt },
      }),
      formatCtx,
    );
    expect(request.headers['webhook-signature']?.split(' ')).toHaveLength(signatures);
  });

  it('produces headers the standardwebhooks library verifies', () => {
    const secret = generateSecret();
    const request = webhookAdapter.format(event(), destination({ credentials: { secret } }), {
      ...formatCtx,
      now: new Date(),
    });
    expect(new Webhook(secret).verify(request.body, request.headers)).toEqual(event().data);
  });
});

describe('webhook target', () => {
  it.each<[string, StringMap, boolean, string[]]>([
    ['https public in deployed mode', { url: 'https://hooks.example.com/in' }, false, []],
    ['http in deployed mode', { url: 'http://hooks.example.com/in' }, false, ['config.url: must use https']],
    [
      'loopback literal in deployed mode',
      { url: 'https://127.0.0.1/in' },
      false,
      ['config.url: must not point at a forbidden address (loopback)'],
    ],
    [
      'metadata service in deployed mode',
      { url: 'https://169.254.169.254/' },
      false,
      ['config.url: must not point at a forbidden address (link-local)'],
    ],
    ['http loopback in local mode', { url: 'http://127.0.0.1:9999/in' }, true, []],
  ])('%s', (_label, config, allowPrivateTargets, problems) => {
    expect(webhookAdapter.targetProblems?.(config, { allowPrivateTargets })).toEqual(problems);
  });

  it.each<[StringMap, { target: string; target_url: string | null }]>([
    [
      { url: 'https://hooks.example.com:8443/in?x=1' },
      { target: 'hooks.example.com:8443', target_url: 'https://hooks.example.com:8443/in?x=1' },
    ],
    [{ url: 'not a url' }, { target: 'not a url', target_url: null }],
  ])('describeTarget %p', (config, expected) => {
    expect(webhookAdapter.describeTarget(config)).toEqual(expected);
  });

  it('describes itself for GET /destination-types', () => {
    const { metadata } = webhookAdapter;
    expect(metadata).toMatchObject({ type: 'webhook', label: 'Webhook' });
    expect(metadata.icon).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(metadata.instructions).toContain('new Webhook(');
    expect(metadata.config_fields.map((field) => [field.key, field.required])).toEqual([
      ['url', true],
      ['custom_headers', false],
    ]);
    expect(metadata.credential_fields.map((field) => field.key)).toEqual(['secret']);
  });
});
