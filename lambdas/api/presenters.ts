import type { AppDependencies } from '../core/dependencies';
import type { Attempt, Destination, Event, Tenant } from '../core/model';
import type { Page } from '../core/ports';
import type { TenantDetails } from '../core/tenants';
import type { AttemptView, DestinationView, EventView, Include, Pagination, TenantView } from './schemas';

/** Records shaped into Outpost's response JSON (field order as Outpost's examples). */

export function presentTenant(tenant: Tenant | TenantDetails): TenantView {
  return {
    id: tenant.id,
    ...('destinations_count' in tenant
      ? { destinations_count: tenant.destinations_count, topics: tenant.topics }
      : {}),
    metadata: tenant.metadata,
    created_at: tenant.created_at,
    updated_at: tenant.updated_at,
  };
}

/**
 * Credentials go through the adapter's mask. Webhook secrets come back in full to the admin and to
 * the owning tenant (the only callers that reach this): the tenant needs the secret to verify
 * signatures, as with Outpost.
 */
export function presentDestination(deps: AppDependencies, destination: Destination): DestinationView {
  const adapter = deps.adapters(destination.type);
  const target = adapter?.describeTarget(destination.config) ?? { target: '', target_url: null };
  return {
    id: destination.id,
    type: destination.type,
    topics: destination.topics,
    filter: destination.filter,
    config: destination.config,
    credentials: adapter ? adapter.maskCredentials(destination.credentials) : {},
    delivery_metadata: destination.delivery_metadata,
    metadata: destination.metadata,
    disabled_at: destination.disabled_at,
    created_at: destination.created_at,
    updated_at: destination.updated_at,
    target: target.target,
    target_url: target.target_url,
    ...(destination.alert_consecutive_failure_count != null
      ? { alert_consecutive_failure_count: destination.alert_consecutive_failure_count }
      : {}),
    ...(destination.retry_schedule != null ? { retry_schedule: destination.retry_schedule } : {}),
  };
}

export function presentEvent(event: Event): EventView {
  return {
    id: event.id,
    tenant_id: event.tenant_id,
    ...(event.destination_id !== undefined ? { destination_id: event.destination_id } : {}),
    topic: event.topic,
    time: event.time,
    eligible_for_retry: event.eligible_for_retry,
    metadata: event.metadata,
    matched_destination_ids: event.matched_destination_ids,
    data: event.data,
  };
}

export function presentPagination(
  page: Page<unknown>,
  request: Omit<Pagination, 'next' | 'prev'>,
): Pagination {
  return {
    order_by: request.order_by,
    dir: request.dir,
    limit: request.limit,
    next: page.next,
    prev: page.prev,
  };
}

/**
 * Attempts with Outpost's `include`: `event` (summary), `event.data` (full event), `response_data`
 * (otherwise omitted), `destination`. Related records are loaded once per request, not per attempt.
 */
export function createAttemptPresenter(deps: AppDependencies, include: readonly Include[] = []) {
  const events = new Map<string, Promise<Event | null>>();
  const destinations = new Map<string, Promise<Destination | null>>();
  const memo = <T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> => {
    const cached = cache.get(key) ?? load();
    cache.set(key, cached);
    return cached;
  };
  const withEvent = include.includes('event') || include.includes('event.data');

  return async (attempt: Attempt): Promise<AttemptView> => {
    const view: AttemptView = {
      id: attempt.id,
      tenant_id: attempt.tenant_id,
      event_id: attempt.event_id,
      destination_id: attempt.destination_id,
      destination_type: attempt.destination_type,
      status: attempt.status,
      code: attempt.code,
      time: attempt.time,
      attempt_number: attempt.attempt_number,
      manual: attempt.manual,
    };
    if (include.includes('response_data'))
      view.response_data = attempt.response_data ? { ...attempt.response_data } : null;
    if (withEvent) {
      const key = `${attempt.tenant_id}\u0000${attempt.event_id}`;
      const event = await memo(events, key, () => deps.events.get(attempt.tenant_id, attempt.event_id));
      view.event = event ? eventForAttempt(event, include.includes('event.data')) : null;
    }
    if (include.includes('destination')) {
      const key = `${attempt.tenant_id}\u0000${attempt.destination_id}`;
      const destination = await memo(destinations, key, () =>
        deps.destinations.get(attempt.tenant_id, attempt.destination_id),
      );
      view.destination = destination ? presentDestination(deps, destination) : null;
    }
    return view;
  };
}

function eventForAttempt(event: Event, withData: boolean) {
  const { matched_destination_ids: _matched, data, ...summary } = presentEvent(event);
  return withData ? { ...summary, data } : summary;
}
