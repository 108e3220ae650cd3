import { createHash, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../core/errors';

export type Principal = { kind: 'admin' } | { kind: 'tenant'; tenantId: string };

export interface AuthSettings {
  apiKey?: string;
  jwtSecret?: string;
}

/** Outpost's tenant tokens: HS256, `iss: outpost`, `sub` = tenant id, valid 24 h. */
export const TOKEN_ISSUER = 'outpost';
const CLOCK_TOLERANCE_SECONDS = 5;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Comparing fixed-length digests keeps the comparison constant-time even when the lengths differ
 * (timingSafeEqual itself throws on a length mismatch, which would leak the key's length).
 */
export function isAdminKey(candidate: string, apiKey: string | undefined): boolean {
  return apiKey !== undefined && timingSafeEqual(digest(candidate), digest(apiKey));
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/** Admin key first, then a tenant JWT; anything else is 401 with the same message (no oracle). */
export async function authenticate(
  authorization: string | undefined,
  settings: AuthSettings,
): Promise<Principal> {
  const token = bearerToken(authorization);
  if (token === undefined) throw new UnauthorizedError('missing bearer token');
  if (isAdminKey(token, settings.apiKey)) return { kind: 'admin' };
  const tenantId = settings.jwtSecret ? await verifyTenantToken(token, settings.jwtSecret) : undefined;
  if (tenantId === undefined) throw new UnauthorizedError('invalid token');
  return { kind: 'tenant', tenantId };
}

async function verifyTenantToken(token: string, secret: string): Promise<string | undefined> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      issuer: TOKEN_ISSUER,
      requiredClaims: ['sub', 'exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    return typeof payload.sub === 'string' && payload.sub.length > 0 ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}

export function issueTenantToken(tenantId: string, secret: string, now: Date): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setSubject(tenantId)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(now.getTime() / 1000) + 24 * 3600)
    .sign(new TextEncoder().encode(secret));
}
