import type { AppDependencies } from './dependencies';
import { BadRequestError, ConflictError, DestinationNotFoundError, EventNotFoundError } from './errors';
import type { Destination, Event } from './model';

/**
 * Producers choose event ids, which are unique per tenant only: one id can name events of several
 * tenants. A tenant (its token, or the admin's `tenant_id`) always means its own; the admin without a
 * tenant means the one event that fits, and is told when more than one does.
 */

type LookupDependencies = Pick<AppDependencies, 'events' | 'destinations'>;

/** GET /events/:id: the event, or 404, or (admin, id used by several tenants) 400 asking for tenant_id. */
export async function findEvent(
  deps: LookupDependencies,
  tenantId: string | undefined,
  eventId: string,
): Promise<Event> {
  const owner = tenantId ?? (await onlyTenantWith(deps, eventId));
  const event = await deps.events.get(owner, eventId);
  if (!event) throw new EventNotFoundError();
  return event;
}

async function onlyTenantWith(deps: LookupDependencies, eventId: string): Promise<string> {
  const [tenantId, ...others] = await deps.events.tenantIdsForEvent(eventId);
  if (tenantId === undefined) throw new EventNotFoundError();
  if (others.length > 0) {
    throw new BadRequestError('event id is used by more than one tenant', [
      `tenant_id: required: ${others.length + 1} tenants have an event "${eventId}"`,
    ]);
  }
  return tenantId;
}

/** The tenants whose events these ids name (the admin listing attempts by event id without a tenant). */
export async function tenantsWithEvents(
  deps: LookupDependencies,
  eventIds: readonly string[],
): Promise<string[]> {
  const tenants = await Promise.all(eventIds.map((eventId) => deps.events.tenantIdsForEvent(eventId)));
  return [...new Set(tenants.flat())];
}

/**
 * POST /retry: the event and the destination to retry it to. For the admin, the event is the one whose
 * tenant owns `destination_id`; 409 if several tenants have both ids (their tokens can tell them apart).
 */
export async function findRetryTarget(
  deps: LookupDependencies,
  tenantId: string | undefined,
  input: { event_id: string; destination_id: string },
): Promise<{ event: Event; destination: Destination }> {
  const tenantIds = tenantId !== undefined ? [tenantId] : await deps.events.tenantIdsForEvent(input.event_id);
  const found = await Promise.all(
    tenantIds.map(async (candidate) => {
      const [event, destination] = await Promise.all([
        deps.events.get(candidate, input.event_id),
        deps.destinations.get(candidate, input.destination_id),
      ]);
      return { event, destination };
    }),
  );
  const withEvent = found.filter((pair) => pair.event !== null);
  if (withEvent.length === 0) throw new EventNotFoundError();
  const targets = withEvent.flatMap(({ event, destination }) =>
    event !== null && destination !== null ? [{ event, destination }] : [],
  );
  const [target, ...others] = targets;
  if (target === undefined) throw new DestinationNotFoundError();
  if (others.length > 0) {
    throw new ConflictError(
      `${targets.length} tenants have event "${input.event_id}" and destination "${input.destination_id}"; ` +
        "retry with the tenant's token",
    );
  }
  return target;
}
