import {
  createDestination,
  deleteDestination,
  getDestination,
  listDestinations,
  setDestinationEnabled,
  updateDestination,
} from '../../core/destinations';
import { presentDestination } from '../presenters';
import { validateBody, validateQuery } from '../request';
import type { Destination } from '../../core/model';
import type { Route, RouteContext, RouteResult } from '../router';
import {
  DestinationCreateSchema,
  destinationCreateSchemaFor,
  DestinationListQuerySchema,
  DestinationListSchema,
  DestinationSchema,
  DestinationUpdateSchema,
  SuccessResponseSchema,
} from '../schemas';
import { errorResponses, isAdmin, pathParam } from './route-helpers';
import { z } from 'zod';

const BASE = '/tenants/:tenant_id/destinations';

function ids(context: RouteContext) {
  return {
    tenantId: pathParam(context.params, 'tenant_id'),
    destinationId: pathParam(context.params, 'destination_id'),
  };
}

/** A destination as the API answers it (credentials masked by its adapter). */
function destinationResult(context: RouteContext, destination: Destination, status = 200): RouteResult {
  return { status, body: presentDestination(context.deps, destination) };
}

function toggleRoute(enabled: boolean): Route {
  return {
    method: 'PUT',
    path: `${BASE}/:destination_id/${enabled ? 'enable' : 'disable'}`,
    access: 'tenant',
    operationId: enabled ? 'enableTenantDestination' : 'disableTenantDestination',
    summary: `${enabled ? 'Enable' : 'Disable'} a destination (idempotent)`,
    tag: 'Destinations',
    responses: {
      200: { description: 'The destination.', schema: DestinationSchema },
      ...errorResponses(403, 404),
    },
    async handle(context) {
      const { tenantId, destinationId } = ids(context);
      const destination = await setDestinationEnabled(context.deps, tenantId, destinationId, enabled);
      return destinationResult(context, destination);
    },
  };
}

export const destinationRoutes: Route[] = [
  {
    method: 'GET',
    path: BASE,
    access: 'tenant',
    operationId: 'listTenantDestinations',
    summary: "List a tenant's destinations (not paged)",
    tag: 'Destinations',
    query: DestinationListQuerySchema,
    responses: {
      200: { description: 'The destinations.', schema: DestinationListSchema },
      ...errorResponses(400, 403, 404),
    },
    async handle(context) {
      const { type, topics } = validateQuery(DestinationListQuerySchema, context.query);
      const tenantId = pathParam(context.params, 'tenant_id');
      const destinations = await listDestinations(context.deps, tenantId, { types: type, topics });
      return {
        status: 200,
        body: destinations.map((destination) => presentDestination(context.deps, destination)),
      };
    },
  },
  {
    method: 'POST',
    path: BASE,
    access: 'tenant',
    operationId: 'createTenantDestination',
    summary: 'Create a destination',
    tag: 'Destinations',
    requestBody: (adapters) =>
      adapters.length > 0
        ? z.union(adapters.map((adapter) => destinationCreateSchemaFor(adapter)))
        : DestinationCreateSchema,
    responses: {
      201: { description: 'Created.', schema: DestinationSchema },
      ...errorResponses(400, 403, 404, 409, 413, 422),
    },
    async handle(context) {
      const input = validateBody(DestinationCreateSchema, context.body);
      const tenantId = pathParam(context.params, 'tenant_id');
      const actor = { isAdmin: isAdmin(context.principal) };
      const destination = await createDestination(context.deps, actor, tenantId, input);
      return destinationResult(context, destination, 201);
    },
  },
  {
    method: 'GET',
    path: `${BASE}/:destination_id`,
    access: 'tenant',
    operationId: 'getTenantDestination',
    summary: 'Get a destination',
    tag: 'Destinations',
    responses: {
      200: { description: 'The destination.', schema: DestinationSchema },
      ...errorResponses(403, 404),
    },
    async handle(context) {
      const { tenantId, destinationId } = ids(context);
      return destinationResult(context, await getDestination(context.deps, tenantId, destinationId));
    },
  },
  {
    method: 'PATCH',
    path: `${BASE}/:destination_id`,
    access: 'tenant',
    operationId: 'updateTenantDestination',
    summary: 'Update a destination (maps are RFC 7396 merge patches; topics and filter are replaced)',
    tag: 'Destinations',
    requestBody: DestinationUpdateSchema,
    responses: {
      200: { description: 'Updated.', schema: DestinationSchema },
      ...errorResponses(400, 403, 404, 413, 422),
    },
    async handle(context) {
      const input = validateBody(DestinationUpdateSchema, context.body);
      const { tenantId, destinationId } = ids(context);
      const actor = { isAdmin: isAdmin(context.principal) };
      const destination = await updateDestination(context.deps, actor, tenantId, destinationId, input);
      return destinationResult(context, destination);
    },
  },
  {
    method: 'DELETE',
    path: `${BASE}/:destination_id`,
    access: 'tenant',
    operationId: 'deleteTenantDestination',
    summary: 'Delete a destination',
    tag: 'Destinations',
    responses: {
      200: { description: 'Deleted.', schema: SuccessResponseSchema },
      ...errorResponses(403, 404),
    },
    async handle(context) {
      const { tenantId, destinationId } = ids(context);
      await deleteDestination(context.deps, tenantId, destinationId);
      return { status: 200, body: { success: true } };
    },
  },
  toggleRoute(true),
  toggleRoute(false),
];
