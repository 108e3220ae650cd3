import { getDestination } from '../../core/destinations';
import { BadRequestError } from '../../core/errors';
import { testDestinationFilter } from '../../core/filter-test';
import type { Delivery } from '../../core/model';
import { replayDeliveries } from '../../core/replay';
import { validateBody, validateQuery } from '../request';
import type { Route } from '../router';
import {
  BulkRetryRequestSchema,
  BulkRetryResponseSchema,
  DeliveryListQuerySchema,
  DeliveryPaginatedResultSchema,
  FilterTestRequestSchema,
  FilterTestResponseSchema,
} from '../schemas';
import { errorResponses, pathParam, singleTenantScope, timeRange } from './route-helpers';

const DESTINATION = '/tenants/:tenant_id/destinations/:destination_id';

function presentDelivery(delivery: Delivery) {
  return {
    event_id: delivery.event_id,
    destination_id: delivery.destination_id,
    destination_type: delivery.destination_type,
    event_time: delivery.event_time,
    status: delivery.status,
    attempts: delivery.attempts,
    manual_retries: delivery.manual_retries,
    due_at: delivery.due_at,
    last_code: delivery.last_code,
    reason: delivery.reason,
    updated_at: delivery.updated_at,
  };
}

/**
 * Beyond Outpost (DESIGN.md §4c): a destination's deliveries with their state (skipped while the
 * destination was disabled, failed after retries), bulk replay of them, and a filter test.
 */
export const deliveryRoutes: Route[] = [
  {
    method: 'GET',
    path: `${DESTINATION}/deliveries`,
    access: 'tenant',
    operationId: 'listDestinationDeliveries',
    summary: "List a destination's deliveries by event time, e.g. `status=skipped,failed`",
    tag: 'Deliveries',
    query: DeliveryListQuerySchema,
    responses: {
      200: { description: 'A page of deliveries.', schema: DeliveryPaginatedResultSchema },
      ...errorResponses(400, 403, 404),
    },
    async handle({ deps, params, query }) {
      const parsed = validateQuery(DeliveryListQuerySchema, query);
      const tenantId = pathParam(params, 'tenant_id');
      const destinationId = pathParam(params, 'destination_id');
      await getDestination(deps, tenantId, destinationId);
      const page = await deps.deliveries.listForDestination(tenantId, destinationId, {
        statuses: parsed.status,
        time: timeRange(parsed),
        limit: parsed.limit,
        cursor: parsed.next,
      });
      return {
        status: 200,
        body: {
          models: page.deliveries.map(presentDelivery),
          pagination: {
            order_by: 'event_time',
            dir: 'asc',
            limit: parsed.limit,
            next: page.cursor ?? null,
            prev: null,
          },
        },
      };
    },
  },
  {
    method: 'POST',
    path: '/retry/bulk',
    access: 'tenant',
    operationId: 'retryDeliveriesInBulk',
    summary: "Replay a destination's skipped and failed deliveries (optionally in a time range)",
    tag: 'Retry',
    requestBody: BulkRetryRequestSchema,
    responses: {
      202: { description: 'Queued.', schema: BulkRetryResponseSchema },
      ...errorResponses(400, 403, 404, 422, 503),
    },
    async handle({ deps, principal, body }) {
      const input = validateBody(BulkRetryRequestSchema, body);
      const tenantId = singleTenantScope(principal, input.tenant_id);
      if (tenantId === undefined) {
        throw new BadRequestError('invalid request', ['tenant_id: required with the admin key']);
      }
      const result = await replayDeliveries(deps, tenantId, input.destination_id, {
        statuses: input.status,
        time: input.time,
        cursor: input.cursor,
      });
      return { status: 202, body: result };
    },
  },
  {
    method: 'POST',
    path: `${DESTINATION}/filter/test`,
    access: 'tenant',
    operationId: 'testDestinationFilter',
    summary: 'Would an event reach this destination? Says which part of the topic or filter it fails',
    tag: 'Destinations',
    requestBody: FilterTestRequestSchema,
    responses: {
      200: { description: 'The verdict.', schema: FilterTestResponseSchema },
      ...errorResponses(400, 403, 404, 422),
    },
    async handle({ deps, params, body }) {
      const input = validateBody(FilterTestRequestSchema, body);
      const result = await testDestinationFilter(
        deps,
        pathParam(params, 'tenant_id'),
        pathParam(params, 'destination_id'),
        input,
      );
      return { status: 200, body: result };
    },
  },
];
