import { findEvent } from '../../core/event-lookup';
import { presentEvent } from '../presenters';
import { validateQuery } from '../request';
import type { Route } from '../router';
import {
  EventListQuerySchema,
  EventPaginatedResultSchema,
  EventSchema,
  TenantScopeQuerySchema,
} from '../schemas';
import {
  errorResponses,
  pageRequest,
  pageResponse,
  pathParam,
  singleTenantScope,
  tenantScope,
  timeRange,
} from './route-helpers';

export const eventRoutes: Route[] = [
  {
    method: 'GET',
    path: '/events',
    access: 'tenant',
    operationId: 'listEvents',
    summary: 'List events (a tenant token sees only its own)',
    tag: 'Events',
    query: EventListQuerySchema,
    responses: {
      200: { description: 'A page of events.', schema: EventPaginatedResultSchema },
      ...errorResponses(400),
    },
    async handle({ deps, principal, query }) {
      const parsed = validateQuery(EventListQuerySchema, query);
      const page = await deps.events.list({
        ...pageRequest(parsed),
        tenantIds: tenantScope(principal, parsed.tenant_id),
        ids: parsed.id,
        destinationIds: parsed.destination_id,
        topics: parsed.topic,
        time: timeRange(parsed),
      });
      return pageResponse(page, parsed, presentEvent);
    },
  },
  {
    method: 'GET',
    path: '/events/:event_id',
    access: 'tenant',
    operationId: 'getEvent',
    summary: 'Get an event',
    tag: 'Events',
    query: TenantScopeQuerySchema,
    responses: { 200: { description: 'The event.', schema: EventSchema }, ...errorResponses(400, 404) },
    async handle({ deps, principal, params, query }) {
      const { tenant_id: requested } = validateQuery(TenantScopeQuerySchema, query);
      const event = await findEvent(
        deps,
        singleTenantScope(principal, requested),
        pathParam(params, 'event_id'),
      );
      return { status: 200, body: presentEvent(event) };
    },
  },
];
