import type { AppDependencies } from './dependencies';
import { TenantNotFoundError, ValidationError } from './errors';
import { CALLER_ID_PATTERN, CALLER_ID_RULE } from './ids';
import type { StringMap, Tenant } from './model';
import type { Page, PageRequest } from './ports';
import { tenantTopics } from './topics';

/** Outpost's tenant view: the record plus what its destinations subscribe to. */
export interface TenantDetails extends Tenant {
  destinations_count: number;
  topics: string[];
}

export async function upsertTenant(
  deps: AppDependencies,
  tenantId: string,
  metadata: StringMap | null,
): Promise<{ tenant: TenantDetails; created: boolean }> {
  if (!CALLER_ID_PATTERN.test(tenantId)) {
    throw new ValidationError('validation error', [`tenant_id: ${CALLER_ID_RULE}`]);
  }
  const stored = metadata && Object.keys(metadata).length > 0 ? metadata : null;
  const { tenant, created } = await deps.tenants.upsert(tenantId, stored, deps.clock.now().toISOString());
  if (created) return { tenant: { ...tenant, destinations_count: 0, topics: [] }, created };
  return { tenant: await getTenant(deps, tenantId), created };
}

/** One Query: the tenant and its destinations together. */
export async function getTenant(deps: AppDependencies, tenantId: string): Promise<TenantDetails> {
  const found = await deps.tenants.getWithDestinations(tenantId);
  if (!found) throw new TenantNotFoundError();
  return {
    ...found.tenant,
    destinations_count: found.destinations.length,
    topics: tenantTopics(found.destinations, deps.config.topics),
  };
}

/** Deletes the tenant and its destinations; its events and attempts expire with their TTL. */
export async function deleteTenant(deps: AppDependencies, tenantId: string): Promise<void> {
  if (!(await deps.tenants.delete(tenantId))) throw new TenantNotFoundError();
}

export function listTenants(
  deps: AppDependencies,
  request: PageRequest & { ids?: string[] },
): Promise<Page<Tenant> & { count: number }> {
  return deps.tenants.list(request);
}
