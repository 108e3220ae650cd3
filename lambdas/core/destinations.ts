import { z } from 'zod';
import type { AppDependencies } from './dependencies';
import type { CredentialsContext, DestinationAdapter } from './destination-adapter';
import { DestinationNotFoundError, ForbiddenError, TenantNotFoundError, ValidationError } from './errors';
import { validateFilter } from './filter';
import { CALLER_ID_PATTERN, newDestinationId } from './ids';
import type { Destination, JsonObject, StringMap, Topics } from './model';
import { normaliseTopics } from './topics';

/** Who is asking: the admin key, or a tenant JWT (already checked to own the tenant in the path). */
export interface Actor {
  isAdmin: boolean;
}

/** Credentials as a request carries them: the adapter's string fields plus `rotate_secret`. */
export type CredentialsInput = Record<string, string | boolean | null | undefined>;

export interface DestinationCreateInput {
  id?: string;
  type: string;
  topics: Topics;
  filter?: JsonObject | null;
  config: Record<string, unknown>;
  credentials?: CredentialsInput;
  delivery_metadata?: StringMap | null;
  metadata?: StringMap | null;
  created_at?: string | null;
  updated_at?: string | null;
  disabled_at?: string | null;
  alert_consecutive_failure_count?: number | null;
  retry_schedule?: number[] | null;
}

/** A PATCH body: maps are RFC 7396 merge patches (null deletes a key, null for the whole map clears it). */
export interface DestinationUpdateInput {
  type?: string;
  topics?: Topics;
  filter?: JsonObject | null;
  config?: Record<string, string | null>;
  credentials?: CredentialsInput;
  delivery_metadata?: Record<string, string | null> | null;
  metadata?: Record<string, string | null> | null;
  disabled_at?: string | null;
  alert_consecutive_failure_count?: number | null;
  retry_schedule?: number[] | null;
}

export interface DestinationListFilter {
  types?: string[];
  topics?: string[];
}

/** `"<field path>: <message>"` for each zod issue; unknown keys are named one by one. */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): string[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path].map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${[...path, key].join('.')}: unknown field`);
    }
    return [`${path.length > 0 ? path.join('.') : 'body'}: ${issue.message}`];
  });
}

/**
 * Top-level keys an adapter's schema knows. Its object schemas strip unknown keys silently, so a typo
 * (`config.ulr`) is caught here and named instead of being dropped.
 */
function knownKeys(schema: z.ZodType): string[] | undefined {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodPipe) return knownKeys(schema.in as z.ZodType);
  return undefined;
}

function unknownFieldProblems(schema: z.ZodType, value: Record<string, unknown>, field: string): string[] {
  const known = knownKeys(schema);
  if (!known) return [];
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .map((key) => `${field}.${key}: unknown field`);
}

/**
 * RFC 7396 JSON merge patch: objects merge recursively, `null` deletes, anything else replaces.
 * Pure; neither argument is modified.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A merge patch applied to a nullable string map; an empty result is stored as null. */
function patchStringMap(
  current: StringMap | null,
  patch: Record<string, string | null> | null | undefined,
): StringMap | null {
  if (patch === undefined) return current;
  if (patch === null) return null;
  const merged = mergePatch(current ?? {}, patch) as StringMap;
  return Object.keys(merged).length > 0 ? merged : null;
}

export function requireAdapter(deps: AppDependencies, type: string): DestinationAdapter {
  const adapter = deps.adapters(type);
  if (!adapter) {
    const valid = deps.adapterList.map((candidate) => candidate.type).join(', ');
    throw new ValidationError('validation error', [`type: must be one of ${valid}`]);
  }
  return adapter;
}

export async function getDestination(
  deps: AppDependencies,
  tenantId: string,
  destinationId: string,
): Promise<Destination> {
  const destination = await deps.destinations.get(tenantId, destinationId);
  if (!destination) throw new DestinationNotFoundError();
  return destination;
}

export async function listDestinations(
  deps: AppDependencies,
  tenantId: string,
  filter: DestinationListFilter,
): Promise<Destination[]> {
  const found = await deps.tenants.getWithDestinations(tenantId);
  if (!found) throw new TenantNotFoundError();
  return found.destinations.filter(
    (destination) =>
      (!filter.types || filter.types.includes(destination.type)) &&
      (!filter.topics || filter.topics.every((topic) => subscribesTo(destination, topic))),
  );
}

/** A destination "supports" a topic when it subscribes to everything or lists that exact topic. */
function subscribesTo(destination: Destination, topic: string): boolean {
  return destination.topics === '*' || destination.topics.includes('*') || destination.topics.includes(topic);
}

export async function createDestination(
  deps: AppDependencies,
  actor: Actor,
  tenantId: string,
  input: DestinationCreateInput,
): Promise<Destination> {
  const adapter = requireAdapter(deps, input.type);
  if (!actor.isAdmin && (input.created_at != null || input.updated_at != null)) {
    throw new ForbiddenError('created_at and updated_at may only be set with the admin API key');
  }
  const now = deps.clock.now();
  const problems: string[] = [];
  if (input.id !== undefined && !CALLER_ID_PATTERN.test(input.id)) {
    problems.push('id: must be 1-128 letters, digits or ._:@+=- and start with a letter or digit');
  }
  const topics = checkTopics(deps, input.topics, problems);
  const filter = checkFilter(input.filter, problems);
  const config = checkConfig(deps, adapter, input.config, problems);
  const credentials = checkCredentials(
    adapter,
    input.credentials ?? {},
    null,
    credentialsContext(deps, actor, now, tenantId),
    problems,
  );
  if (config && credentials) problems.push(...crossFieldProblems(adapter, config, credentials));
  const createdAt = checkPastTime('created_at', input.created_at, now, problems) ?? now.toISOString();
  const updatedAt = checkPastTime('updated_at', input.updated_at, now, problems) ?? createdAt;
  const disabledAt = checkPastTime('disabled_at', input.disabled_at, now, problems) ?? null;
  if (problems.length > 0 || !topics || !config || !credentials) {
    throw new ValidationError('validation error', problems);
  }

  if (!(await deps.tenants.get(tenantId))) throw new TenantNotFoundError();
  const destination: Destination = {
    id: input.id ?? newDestinationId(),
    tenant_id: tenantId,
    type: adapter.type,
    topics,
    filter,
    config,
    credentials,
    delivery_metadata: emptyToNull(input.delivery_metadata),
    metadata: emptyToNull(input.metadata),
    disabled_at: disabledAt,
    created_at: createdAt,
    updated_at: updatedAt,
    alert_consecutive_failure_count: input.alert_consecutive_failure_count ?? null,
    retry_schedule: input.retry_schedule ?? null,
  };
  await deps.destinations.create(destination);
  return destination;
}

export async function updateDestination(
  deps: AppDependencies,
  actor: Actor,
  tenantId: string,
  destinationId: string,
  input: DestinationUpdateInput,
): Promise<Destination> {
  const existing = await getDestination(deps, tenantId, destinationId);
  const adapter = requireAdapter(deps, existing.type);
  const now = deps.clock.now();
  const problems: string[] = [];
  if (input.type !== undefined && input.type !== existing.type) {
    problems.push(`type: cannot change a destination's type (it is ${existing.type})`);
  }
  const topics = input.topics === undefined ? existing.topics : checkTopics(deps, input.topics, problems);
  // `filter` is replaced, not merged (Outpost): null or {} clears it.
  const filter = input.filter === undefined ? existing.filter : checkFilter(input.filter, problems);
  const config = checkConfig(
    deps,
    adapter,
    mergePatch(existing.config, input.config ?? {}) as StringMap,
    problems,
  );
  const credentials =
    input.credentials === undefined
      ? existing.credentials
      : checkCredentials(
          adapter,
          input.credentials,
          existing.credentials,
          credentialsContext(deps, actor, now, tenantId),
          problems,
        );
  if (config && credentials) problems.push(...crossFieldProblems(adapter, config, credentials));
  const disabledAt =
    input.disabled_at === undefined
      ? existing.disabled_at
      : (checkPastTime('disabled_at', input.disabled_at, now, problems) ?? null);
  if (problems.length > 0 || !topics || !config || !credentials) {
    throw new ValidationError('validation error', problems);
  }

  const updated: Destination = {
    ...existing,
    topics,
    filter,
    config,
    credentials,
    delivery_metadata: patchStringMap(existing.delivery_metadata, input.delivery_metadata),
    metadata: patchStringMap(existing.metadata, input.metadata),
    disabled_at: disabledAt,
    updated_at: now.toISOString(),
    // undefined keeps the override, null clears it.
    alert_consecutive_failure_count:
      input.alert_consecutive_failure_count === undefined
        ? (existing.alert_consecutive_failure_count ?? null)
        : input.alert_consecutive_failure_count,
    retry_schedule:
      input.retry_schedule === undefined ? (existing.retry_schedule ?? null) : input.retry_schedule,
  };
  await deps.destinations.update(updated);
  if (existing.disabled_at !== null && disabledAt === null) await forgetFailures(deps, updated);
  return updated;
}

/** Re-enabling starts the consecutive-failure count afresh (and re-arms its alerts). */
async function forgetFailures(deps: AppDependencies, destination: Destination): Promise<void> {
  await deps.health.reset(destination.tenant_id, destination.id);
}

/** Idempotent: enabling an enabled destination (or disabling a disabled one) returns it unchanged. */
export async function setDestinationEnabled(
  deps: AppDependencies,
  tenantId: string,
  destinationId: string,
  enabled: boolean,
): Promise<Destination> {
  const existing = await getDestination(deps, tenantId, destinationId);
  if ((existing.disabled_at === null) === enabled) return existing;
  const now = deps.clock.now().toISOString();
  const updated: Destination = { ...existing, disabled_at: enabled ? null : now, updated_at: now };
  await deps.destinations.update(updated);
  if (enabled) await forgetFailures(deps, updated);
  return updated;
}

export async function deleteDestination(
  deps: AppDependencies,
  tenantId: string,
  destinationId: string,
): Promise<void> {
  if (!(await deps.destinations.delete(tenantId, destinationId))) throw new DestinationNotFoundError();
}

function checkTopics(
  deps: AppDependencies,
  topics: Topics,
  problems: string[],
): Destination['topics'] | undefined {
  const result = normaliseTopics(topics, deps.config.topics);
  if ('errors' in result) {
    problems.push(...result.errors.map((error) => prefixed('topics', error)));
    return undefined;
  }
  return result.topics;
}

function checkFilter(filter: JsonObject | null | undefined, problems: string[]): JsonObject | null {
  if (filter === undefined || filter === null || Object.keys(filter).length === 0) return null;
  problems.push(...validateFilter(filter).map((error) => prefixed('filter', error)));
  return filter;
}

function checkConfig(
  deps: AppDependencies,
  adapter: DestinationAdapter,
  config: Record<string, unknown>,
  problems: string[],
): StringMap | undefined {
  const unknown = unknownFieldProblems(adapter.configSchema, config, 'config');
  const parsed = adapter.configSchema.safeParse(config);
  if (unknown.length > 0 || !parsed.success) {
    problems.push(...unknown, ...(parsed.success ? [] : describeIssues(parsed.error.issues, ['config'])));
    return undefined;
  }
  const target =
    adapter.targetProblems?.(parsed.data, { allowPrivateTargets: deps.config.mode === 'local' }) ?? [];
  problems.push(...target);
  return target.length > 0 ? undefined : parsed.data;
}

/**
 * Merge-patches the given fields over what is stored and lets the adapter validate them, generate
 * missing secrets and rotate on `rotate_secret`. The adapter also decides what a tenant token may
 * set (Outpost: a tenant may rotate its webhook secret but not choose one).
 */
function checkCredentials(
  adapter: DestinationAdapter,
  input: CredentialsInput,
  existing: StringMap | null,
  ctx: CredentialsContext,
  problems: string[],
): StringMap | undefined {
  const unknown = unknownFieldProblems(adapter.credentialsSchema, input, 'credentials');
  if (unknown.length > 0) {
    problems.push(...unknown);
    return undefined;
  }
  // Outpost's SDK sends rotate_secret as a boolean; stored maps hold strings only.
  const patch = Object.fromEntries(
    Object.entries(input).map(([key, value]) => [key, typeof value === 'boolean' ? String(value) : value]),
  );
  const request = mergePatch(existing ?? {}, patch) as StringMap;
  return adapter.prepareCredentials(request, existing, ctx);
}

function credentialsContext(
  deps: AppDependencies,
  actor: Actor,
  now: Date,
  tenantId: string,
): CredentialsContext {
  return {
    now,
    isAdmin: actor.isAdmin,
    secretRotationGraceMs: deps.config.delivery.secretRotationGraceMs,
    tenantId,
    deploymentId: deploymentId(deps),
  };
}

/**
 * Names this deployment for what it issues per tenant. The destinations table's name: CDK makes it
 * unique per stack, and it lasts as long as the destinations whose identifiers derive from it.
 */
export function deploymentId(deps: AppDependencies): string {
  return deps.config.tables.destinations;
}

/** The adapter's checks of config and credentials together, once each is valid on its own. */
function crossFieldProblems(
  adapter: DestinationAdapter,
  config: StringMap,
  credentials: StringMap,
): string[] {
  return adapter.validate?.(config, credentials) ?? [];
}

function checkPastTime(field: string, value: string | null | undefined, now: Date, problems: string[]) {
  if (value === undefined || value === null) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) {
    problems.push(`${field}: must be an RFC3339 timestamp`);
    return undefined;
  }
  if (time.getTime() > now.getTime()) {
    problems.push(`${field}: must not be in the future`);
    return undefined;
  }
  return time.toISOString();
}

function prefixed(field: string, message: string): string {
  return message.startsWith(field) ? message : `${field}: ${message}`;
}

function emptyToNull(map: StringMap | null | undefined): StringMap | null {
  return map && Object.keys(map).length > 0 ? map : null;
}
