import { destinationTypeForTenant } from '../../core/destination-types';
import { NotFoundError } from '../../core/errors';
import type { Route } from '../router';
import { DestinationTypeSchemaSchema, HealthSchema, TopicListSchema } from '../schemas';
import { errorResponses, pathParam } from './route-helpers';
import { z } from 'zod';

export const metaRoutes: Route[] = [
  {
    method: 'GET',
    path: '/healthz',
    access: 'public',
    operationId: 'healthCheck',
    summary: 'Health check (no authentication)',
    tag: 'Health',
    responses: { 200: { description: 'Healthy.', schema: HealthSchema } },
    async handle({ deps }) {
      // A Lambda that answers is a healthy API worker; delivery health is watched by CloudWatch alarms.
      return {
        status: 200,
        body: {
          status: 'healthy',
          timestamp: deps.clock.now().toISOString(),
          workers: { api: { status: 'healthy' } },
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/destination-types',
    access: 'tenant',
    operationId: 'listDestinationTypeSchemas',
    summary: 'Destination types and their form fields',
    tag: 'Schemas',
    responses: {
      200: { description: 'Every type.', schema: z.array(DestinationTypeSchemaSchema) },
      ...errorResponses(),
    },
    async handle({ deps }) {
      return { status: 200, body: deps.adapterList.map((adapter) => adapter.metadata) };
    },
  },
  {
    method: 'GET',
    path: '/destination-types/:type',
    access: 'tenant',
    operationId: 'getDestinationTypeSchema',
    summary: "One destination type's form fields",
    tag: 'Schemas',
    responses: {
      200: { description: 'The type.', schema: DestinationTypeSchemaSchema },
      ...errorResponses(404),
    },
    async handle({ deps, params }) {
      const adapter = deps.adapters(pathParam(params, 'type'));
      if (!adapter) throw new NotFoundError('destination type not found');
      return { status: 200, body: adapter.metadata };
    },
  },
  {
    method: 'GET',
    path: '/tenants/:tenant_id/destination-types/:type',
    access: 'tenant',
    operationId: 'getTenantDestinationTypeSchema',
    summary:
      "One destination type as a tenant sees it: what the service issues to the tenant (an AWS role's external id) filled in",
    tag: 'Schemas',
    responses: {
      200: {
        description:
          "The type; an issued credential (`external_id` of the aws_* types) is its field's `default` and is filled in to the instructions.",
        schema: DestinationTypeSchemaSchema,
      },
      ...errorResponses(403, 404),
    },
    async handle({ deps, params }) {
      const tenantId = pathParam(params, 'tenant_id');
      return { status: 200, body: await destinationTypeForTenant(deps, tenantId, pathParam(params, 'type')) };
    },
  },
  {
    method: 'GET',
    path: '/topics',
    access: 'tenant',
    operationId: 'listTopics',
    summary: 'Configured topics (empty when any topic is accepted)',
    tag: 'Topics',
    responses: { 200: { description: 'Topic names.', schema: TopicListSchema }, ...errorResponses() },
    async handle({ deps }) {
      return { status: 200, body: deps.config.topics ?? [] };
    },
  },
];
