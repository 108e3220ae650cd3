import { AssumeRoleCommand, STSClient, type AssumeRoleCommandOutput } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { StringMap } from '../core/model';
import { RoleAssumptionError } from './aws-errors';
import { stsSettings, type StsSettings } from './sts-settings';

/**
 * The delivery side of AWS credentials (aws-credentials.ts): static keys as they are, or a role
 * assumed with STS AssumeRole, whose temporary credentials are shared across deliveries.
 */

/** Assumed-role credentials are renewed this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;
const ASSUMED_ROLE_CACHE_SIZE = 500;
const SESSION_SECONDS = 3600;

interface AssumedRole {
  identity: Promise<AwsCredentialIdentity>;
}

const assumedRoles = new Map<string, AssumedRole>();
let platformSts: { settings: StsSettings; timeoutMs: number; client: STSClient } | undefined;

/**
 * The deliver function's own STS client, rebuilt when the composition root configures another STS.
 * Connecting and each answer are bounded by the delivery timeout: an STS that accepts and then
 * stalls fails the attempt (`AssumeRole.timeout`, retried) instead of holding the delivery until
 * the Lambda's own timeout.
 */
function defaultSts(timeoutMs: number): STSClient {
  const settings = stsSettings();
  if (platformSts?.settings !== settings || platformSts.timeoutMs !== timeoutMs) {
    platformSts?.client.destroy();
    const { instrument, ...config } = settings;
    const requestHandler = new NodeHttpHandler({
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
    });
    // One try: a failed AssumeRole is a failed attempt, retried on the delivery schedule.
    platformSts = {
      settings,
      timeoutMs,
      client: new STSClient({ maxAttempts: 1, requestHandler, ...config }),
    };
    instrument?.(platformSts.client);
  }
  return platformSts.client;
}

export interface AwsCredentialOptions {
  /** Names the session in the tenant's CloudTrail (`event-destinations-<destination id>`). */
  sessionName: string;
  /** The destination's tenant: assumed credentials are never shared across tenants. */
  tenantId: string;
  /** Bounds each STS request of the default client (the delivery timeout). */
  timeoutMs: number;
  /** The STS client that assumes roles; default: the deliver Lambda's own identity and region. */
  sts?: STSClient;
  now?: () => number;
}

/**
 * An SDK credential provider for a destination's stored credentials. Assumed-role credentials are
 * cached per (tenant, role, external id, STS client) across deliveries and clients until shortly
 * before they expire; a failed AssumeRole is not cached.
 */
export function awsCredentialProvider(
  credentials: StringMap,
  options: AwsCredentialOptions,
): AwsCredentialIdentityProvider {
  const { role_arn: roleArn, external_id: externalId } = credentials;
  if (roleArn === undefined || externalId === undefined) {
    const identity: AwsCredentialIdentity = {
      accessKeyId: credentials.key ?? '',
      secretAccessKey: credentials.secret ?? '',
      ...(credentials.session !== undefined ? { sessionToken: credentials.session } : {}),
    };
    return () => Promise.resolve(identity);
  }
  const sts = options.sts ?? defaultSts(options.timeoutMs);
  const now = options.now ?? Date.now;
  const cacheKey = [
    options.tenantId,
    roleArn,
    externalId,
    options.sts === undefined ? 'default' : options.sessionName,
  ].join('\u0000');
  return async () => {
    const cached = assumedRoles.get(cacheKey);
    if (cached !== undefined) {
      const identity = await cached.identity;
      if ((identity.expiration?.getTime() ?? 0) - REFRESH_MARGIN_MS > now()) return identity;
      if (assumedRoles.get(cacheKey) === cached) assumedRoles.delete(cacheKey);
    }
    const entry: AssumedRole = { identity: assumeRole(sts, roleArn, externalId, options.sessionName) };
    assumedRoles.set(cacheKey, entry);
    if (assumedRoles.size > ASSUMED_ROLE_CACHE_SIZE) {
      assumedRoles.delete(assumedRoles.keys().next().value as string);
    }
    entry.identity.catch(() => {
      if (assumedRoles.get(cacheKey) === entry) assumedRoles.delete(cacheKey);
    });
    return entry.identity;
  };
}

async function assumeRole(
  sts: STSClient,
  roleArn: string,
  externalId: string,
  sessionName: string,
): Promise<AwsCredentialIdentity> {
  let output: AssumeRoleCommandOutput;
  try {
    output = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        ExternalId: externalId,
        RoleSessionName: sessionName.replace(/[^\w+=,.@-]/g, '-').slice(0, 64),
        DurationSeconds: SESSION_SECONDS,
      }),
    );
  } catch (error) {
    throw new RoleAssumptionError(roleArn, error);
  }
  const issued = output.Credentials;
  if (issued?.AccessKeyId === undefined || issued.SecretAccessKey === undefined) {
    throw new RoleAssumptionError(roleArn, new Error('STS AssumeRole returned no credentials'));
  }
  return {
    accessKeyId: issued.AccessKeyId,
    secretAccessKey: issued.SecretAccessKey,
    ...(issued.SessionToken !== undefined ? { sessionToken: issued.SessionToken } : {}),
    ...(issued.Expiration !== undefined ? { expiration: issued.Expiration } : {}),
  };
}

/** Forgets assumed-role credentials (tests). */
export function clearAssumedRoles(): void {
  assumedRoles.clear();
}
