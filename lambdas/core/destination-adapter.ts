import type { z } from 'zod';
import type { Destination, Event, ResponseData, StringMap } from './model';

/** One field of a destination type's form, as `GET /destination-types` describes it (Outpost's shape). */
export interface DestinationField {
  key: string;
  type: 'text' | 'checkbox' | 'key_value_map' | 'select';
  label: string;
  description?: string;
  required: boolean;
  sensitive?: boolean;
  default?: string;
  minlength?: number;
  maxlength?: number;
  pattern?: string;
  options?: { label: string; value: string }[];
}

export interface DestinationTypeMetadata {
  type: string;
  label: string;
  description: string;
  icon: string;
  instructions: string;
  config_fields: DestinationField[];
  credential_fields: DestinationField[];
}

export interface DeliveryResult {
  ok: boolean;
  /** HTTP status (`"200"`), `OK`, or an error class: `timeout`, `connection_refused`, `dns_error`, ... */
  code: string;
  retryable: boolean;
  /** The target asked for this pause (Retry-After); honoured within the policy's max delay. */
  retryAfterMs?: number;
  response: ResponseData | null;
}

export interface FormatContext {
  now: Date;
  /** Credentials rotated out less than this long ago still sign (webhook secret rotation). */
  secretRotationGraceMs: number;
}

export interface SendContext {
  timeoutMs: number;
  responseCapBytes: number;
  /** Deployed mode refuses private/loopback targets; local mode allows them. */
  allowPrivateTargets: boolean;
}

export interface CredentialsContext {
  now: Date;
  isAdmin: boolean;
  /**
   * How long a rotated-out webhook secret keeps signing (config.delivery.secretRotationGraceMs).
   * Optional so existing callers compile; adapters fall back to 24 h.
   */
  secretRotationGraceMs?: number;
  /** The destination's tenant: what the platform issues per tenant (an AWS external id) derives from it. */
  tenantId?: string;
  /**
   * Names this deployment, so that two deployments sharing a platform account issue different
   * per-tenant identifiers. Optional like the grace period; adapters that issue identifiers need it.
   */
  deploymentId?: string;
}

/** Who a per-tenant issued value is for: the tenant, within this deployment. */
export interface IssueContext {
  tenantId: string;
  deploymentId: string;
}

/**
 * A destination type. `format` is pure (builds the native request) and is unit-tested without I/O;
 * `send` does the I/O. Adding a type is one file implementing this plus one line in the registry.
 */
export interface DestinationAdapter<TRequest = unknown> {
  readonly type: string;
  readonly configSchema: z.ZodType<StringMap>;
  readonly credentialsSchema: z.ZodType<StringMap>;
  readonly metadata: DestinationTypeMetadata;
  /**
   * Turns credentials from a create/update request into what is stored: generates missing
   * secrets, rotates on request. `existing` is the stored credentials on update.
   */
  prepareCredentials(input: StringMap, existing: StringMap | null, ctx: CredentialsContext): StringMap;
  /**
   * Credential values this service issues per tenant rather than per destination, by field key,
   * which a tenant needs before it creates a destination (an AWS role's trust policy names the
   * external id). Optional: most types issue nothing, or issue per destination (a webhook secret).
   */
  issuedCredentials?(ctx: IssueContext): StringMap;
  /** Credentials as the API shows them: sensitive values masked. */
  maskCredentials(credentials: StringMap): StringMap;
  /**
   * Create/update-time check of where the destination points, for what deployed mode refuses at
   * delivery anyway (webhook: https only, no private IP literal). Field messages
   * (`config.url: must use https`); empty when fine. Optional: most types have no such rule.
   */
  targetProblems?(config: StringMap, ctx: { allowPrivateTargets: boolean }): string[];
  /**
   * Create/update-time check of config and credentials together, run once each is valid on its own
   * (Kafka: a SASL mechanism needs a username and a password). Field messages
   * (`credentials.username: required when sasl_mechanism is plain`); empty when fine. Optional.
   */
  validate?(config: StringMap, credentials: StringMap): string[];
  /** Human-readable target (`target`) and link (`target_url`) of Outpost's destination shape. */
  describeTarget(config: StringMap): { target: string; target_url: string | null };
  format(event: Event, destination: Destination, ctx: FormatContext): TRequest;
  send(request: TRequest, destination: Destination, ctx: SendContext): Promise<DeliveryResult>;
}
