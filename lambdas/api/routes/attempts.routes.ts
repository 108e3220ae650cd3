import type { z } from 'zod';
import type { AppDependencies } from '../../core/dependencies';
import { getDestination } from '../../core/destinations';
import { AttemptNotFoundError } from '../../core/errors';
import { tenantsWithEvents } from '../../core/event-lookup';
import { createAttemptPresenter } from '../presenters';
import { validateQuery } from '../request';
import type { Route, RouteResult } from '../router';
import {
  AttemptGetQuerySchema,
  AttemptListQuerySchema,
  AttemptPaginatedResultSchema,
  AttemptSchema,
  DestinationAttemptGetQuerySchema,
  DestinationAttemptListQuerySchema,
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

const DESTINATION_ATTEMPTS = '/tenants/:tenant_id/destinations/:destination_id/attempts';

/**
 * A page of attempts for either listing; `scope` is what the token, the path or the query fixes.
 * Attempts of named events are read per (tenant, event), so without a tenant their tenants are
 * found first, through the events' id index.
 */
async function attemptPage(
  deps: AppDependencies,
  parsed: z.infer<typeof DestinationAttemptListQuerySchema>,
  scope: {
    tenantIds: string[] | undefined;
    destinationIds: string[] | undefined;
    destinationTypes?: string[];
  },
): Promise<RouteResult> {
  const eventIds = parsed.event_id;
  const tenantIds =
    scope.tenantIds === undefined && eventIds !== undefined && eventIds.length > 0
      ? await tenantsWithEvents(deps, eventIds)
      : scope.tenantIds;
  const page = await deps.attempts.list({
    ...pageRequest(parsed),
    ...scope,
    tenantIds,
    eventIds,
    status: parsed.status,
    topics: parsed.topic,
    time: timeRange(parsed),
  });
  return pageResponse(page, parsed, createAttemptPresenter(deps, parsed.include));
}

export const attemptRoutes: Route[] = [
  {
    method: 'GET',
    path: '/attempts',
    access: 'tenant',
    operationId: 'listAttempts',
    summary: 'List delivery attempts (a tenant token sees only its own)',
    tag: 'Attempts',
    query: AttemptListQuerySchema,
    responses: {
      200: { description: 'A page of attempts.', schema: AttemptPaginatedResultSchema },
      ...errorResponses(400),
    },
    async handle({ deps, principal, query }) {
      const parsed = validateQuery(AttemptListQuerySchema, query);
      return attemptPage(deps, parsed, {
        tenantIds: tenantScope(principal, parsed.tenant_id),
        destinationIds: parsed.destination_id,
        destinationTypes: parsed.destination_type,
      });
    },
  },
  {
    method: 'GET',
    path: '/attempts/:attempt_id',
    access: 'tenant',
    operationId: 'getAttempt',
    summary: 'Get a delivery attempt',
    tag: 'Attempts',
    query: AttemptGetQuerySchema,
    responses: { 200: { description: 'The attempt.', schema: AttemptSchema }, ...errorResponses(400, 404) },
    async handle({ deps, principal, params, query }) {
      const parsed = validateQuery(AttemptGetQuerySchema, query);
      const attempt = await deps.attempts.get(
        singleTenantScope(principal, parsed.tenant_id),
        pathParam(params, 'attempt_id'),
      );
      if (!attempt) throw new AttemptNotFoundError();
      return { status: 200, body: await createAttemptPresenter(deps, parsed.include)(attempt) };
    },
  },
  {
    method: 'GET',
    path: DESTINATION_ATTEMPTS,
    access: 'tenant',
    operationId: 'listTenantDestinationAttempts',
    summary: "List a destination's delivery attempts",
    tag: 'Destinations',
    query: DestinationAttemptListQuerySchema,
    responses: {
      200: { description: 'A page of attempts.', schema: AttemptPaginatedResultSchema },
      ...errorResponses(400, 403, 404),
    },
    async handle({ deps, params, query }) {
      const parsed = validateQuery(DestinationAttemptListQuerySchema, query);
      const tenantId = pathParam(params, 'tenant_id');
      const destination = await getDestination(deps, tenantId, pathParam(params, 'destination_id'));
      return attemptPage(deps, parsed, { tenantIds: [tenantId], destinationIds: [destination.id] });
    },
  },
  {
    method: 'GET',
    path: `${DESTINATION_ATTEMPTS}/:attempt_id`,
    access: 'tenant',
    operationId: 'getTenantDestinationAttempt',
    summary: "Get one of a destination's delivery attempts",
    tag: 'Destinations',
    query: DestinationAttemptGetQuerySchema,
    responses: {
      200: { description: 'The attempt.', schema: AttemptSchema },
      ...errorResponses(400, 403, 404),
    },
    async handle({ deps, params, query }) {
      const parsed = validateQuery(DestinationAttemptGetQuerySchema, query);
      const tenantId = pathParam(params, 'tenant_id');
      const attempt = await deps.attempts.get(tenantId, pathParam(params, 'attempt_id'));
      if (!attempt || attempt.destination_id !== pathParam(params, 'destination_id'))
        throw new AttemptNotFoundError();
      return { status: 200, body: await createAttemptPresenter(deps, parsed.include)(attempt) };
    },
  },
];
