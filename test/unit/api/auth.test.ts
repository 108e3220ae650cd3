import { SignJWT } from 'jose';
import { authenticate, bearerToken, isAdminKey, issueTenantToken } from '../../../lambdas/api/auth';
import { UnauthorizedError } from '../../../lambdas/core/errors';

const settings = { apiKey: 'admin-key-0123456789abcdef', jwtSecret: 'jwt-secret-0123456789abcdef0123456789' };
const key = (secret: string) => new TextEncoder().encode(secret);

async function signed(
  claims: { iss?: string; sub?: string; exp?: number },
  secret = settings.jwtSecret,
  alg = 'HS256',
) {
  let jwt = new SignJWT({}).setProtectedHeader({ alg }).setIssuedAt();
  if (claims.iss !== undefined) jwt = jwt.setIssuer(claims.iss);
  if (claims.sub !== undefined) jwt = jwt.setSubject(claims.sub);
  if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
  return jwt.sign(key(secret));
}

const inOneHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('authenticate', () => {
  test('the admin key is admin', async () => {
    await expect(authenticate(`Bearer ${settings.apiKey}`, settings)).resolves.toEqual({ kind: 'admin' });
    await expect(authenticate(`bearer ${settings.apiKey}`, settings)).resolves.toEqual({ kind: 'admin' });
  });

  test('a token from issueTenantToken is that tenant for 24 hours', async () => {
    const token = await issueTenantToken('tenant_a', settings.jwtSecret, new Date());
    await expect(authenticate(`Bearer ${token}`, settings)).resolves.toEqual({
      kind: 'tenant',
      tenantId: 'tenant_a',
    });
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: 'outpost', sub: 'tenant_a' });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(24 * 3600);
  });

  test.each<[string, () => Promise<string | undefined>]>([
    ['no header', async () => undefined],
    ['not a bearer token', async () => `Basic ${settings.apiKey}`],
    ['a wrong key', async () => 'Bearer admin-key-0123456789abcdeX'],
    ['a prefix of the key', async () => `Bearer ${settings.apiKey.slice(0, 10)}`],
    [
      'a token signed with another secret',
      async () =>
        `Bearer ${await signed({ iss: 'outpost', sub: 't', exp: inOneHour() }, 'another-secret-0123456789abcdef01234')}`,
    ],
    [
      'a token from another issuer',
      async () => `Bearer ${await signed({ iss: 'someone', sub: 't', exp: inOneHour() })}`,
    ],
    ['a token without exp', async () => `Bearer ${await signed({ iss: 'outpost', sub: 't' })}`],
    ['a token without sub', async () => `Bearer ${await signed({ iss: 'outpost', exp: inOneHour() })}`],
    [
      'an expired token',
      async () =>
        `Bearer ${await signed({ iss: 'outpost', sub: 't', exp: Math.floor(Date.now() / 1000) - 60 })}`,
    ],
    [
      'an HS512 token',
      async () =>
        `Bearer ${await signed({ iss: 'outpost', sub: 't', exp: inOneHour() }, settings.jwtSecret, 'HS512')}`,
    ],
    [
      'an unsigned token',
      async () =>
        `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'outpost', sub: 't', exp: inOneHour() })).toString('base64url')}.`,
    ],
  ])('%s is 401', async (_name, header) => {
    await expect(authenticate(await header(), settings)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  test('without a configured API key nothing is admin, and without a JWT secret no token is a tenant', async () => {
    await expect(
      authenticate(`Bearer ${settings.apiKey}`, { jwtSecret: settings.jwtSecret }),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    const token = await issueTenantToken('tenant_a', settings.jwtSecret, new Date());
    await expect(authenticate(`Bearer ${token}`, { apiKey: settings.apiKey })).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
  });
});

describe('helpers', () => {
  test('bearerToken', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Bearer  abc  ')).toBe('abc');
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken('abc')).toBeUndefined();
  });

  test('isAdminKey compares whole keys', () => {
    expect(isAdminKey(settings.apiKey, settings.apiKey)).toBe(true);
    expect(isAdminKey(`${settings.apiKey}x`, settings.apiKey)).toBe(false);
    expect(isAdminKey('', settings.apiKey)).toBe(false);
    expect(isAdminKey(settings.apiKey, undefined)).toBe(false);
  });
});
