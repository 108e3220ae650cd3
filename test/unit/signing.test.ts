import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateSecret, secretProblem, signatureHeaders } from '../../lambdas/core/signing';

const body = '{"user_id":"usr_123","amount":4.5,"note":"é ✓"}';

describe('generateSecret', () => {
  it('is whsec_ followed by base64 of 32 random bytes', () => {
    const bytes = Buffer.alloc(32, 7);
    const secret = generateSecret((size) => (size === 32 ? bytes : Buffer.alloc(0)));
    expect(secret).toBe(`whsec_${bytes.toString('base64')}`);
  });

  it('generates distinct usable secrets', () => {
    const first = generateSecret();
    const second = generateSecret();
    expect(first).not.toBe(second);
    expect(Buffer.from(first.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(secretProblem(first)).toBeUndefined();
  });
});

describe('secretProblem', () => {
  it.each<[string, string, boolean]>([
    ['generated form', `whsec_${Buffer.alloc(32, 1).toString('base64')}`, true],
    ['24-byte key', `whsec_${Buffer.alloc(24, 1).toString('base64')}`, true],
    ['64-byte key', `whsec_${Buffer.alloc(64, 1).toString('base64')}`, true],
    ['key too short', `whsec_${Buffer.alloc(16, 1).toString('base64')}`, false],
    ['key too long', `whsec_${Buffer.alloc(65, 1).toString('base64')}`, false],
    ['not base64', 'whsec_not base64!!', false],
    ['prefix only', 'whsec_', false],
    ['32 printable characters', 'a'.repeat(32), true],
    ['31 characters', 'a'.repeat(31), false],
    ['whitespace inside', `${'a'.repeat(20)} ${'b'.repeat(20)}`, false],
  ])('%s', (_label, secret, usable) => {
    expect(secretProblem(secret) === undefined).toBe(usable);
  });
});

describe('signatureHeaders: standard', () => {
  it('matches the Standard Webhooks reference vector', () => {
    // The example of the Standard Webhooks / Svix libraries' own test suites.
    const headers = signatureHeaders({
      format: 'standard',
      messageId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: new Date(1614265330 * 1000),
      body: '{"test": 2432232314}',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    });
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('signs id.timestamp.body with the base64-decoded key', () => {
    const secret = generateSecret();
    const timestamp = new Date('2025-03-01T12:00:00.750Z');
    const headers = signatureHeaders({
      format: 'standard',
      messageId: 'evt_1',
      timestamp,
      body,
      secrets: [secret],
    });
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`evt_1.1740830400.${body}`).digest('base64');
    expect(headers['webhook-timestamp']).toBe('1740830400');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('is verified by the standardwebhooks library', () => {
    const secret = generateSecret();
    const headers = signatureHeaders({
      format: 'standard',
      messageId: 'evt_2',
      timestamp: new Date(),
      body,
      secrets: [secret],
    });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow('No matching signature found');
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow('No matching signature found');
  });

  it('during rotation carries one signature per secret, each verifiable on its own', () => {
    const current = generateSecret();
    const previous = generateSecret();
    const headers = signatureHeaders({
      format: 'standard',
      messageId: 'evt_3',
      timestamp: new Date(),
      body,
      secrets: [current, previous],
    });
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
  });

  it('uses a secret without the whsec_ prefix as raw bytes', () => {
    const secret = 'a-long-shared-secret-of-32-chars!!';
    const headers = signatureHeaders({
      format: 'standard',
      messageId: 'evt_4',
      timestamp: new Date(),
      body,
      secrets: [secret],
    });
    expect(() => new Webhook(secret, { format: 'raw' }).verify(body, headers)).not.toThrow();
  });

  it('adds no headers without a secret', () => {
    expect(
      signatureHeaders({ format: 'standard', messageId: 'e', timestamp: new Date(), body, secrets: [] }),
    ).toEqual({});
  });
});

describe('signatureHeaders: outpost', () => {
  const hex = (secret: string): string => createHmac('sha256', secret).update(body).digest('hex');

  it.each([
    ['one secret', ['whsec_current']],
    ['rotation', ['whsec_current', 'whsec_previous']],
  ])('%s: v0=<hex HMAC-SHA256 of the body keyed by the secret string>', (_label, secrets) => {
    const headers = signatureHeaders({
      format: 'outpost',
      messageId: 'evt_5',
      timestamp: new Date(),
      body,
      secrets,
    });
    expect(headers).toEqual({ 'x-outpost-signature': `v0=${secrets.map(hex).join(',')}` });
  });
});
