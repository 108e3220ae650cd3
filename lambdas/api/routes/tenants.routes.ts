import { deleteTenant, getTenant, listTenants, upsertTenant } from '../../core/tenants';
import { issueTenantToken } from '../auth';
import { presentPagination, presentTenant } from '../presenters';
import { validateBody, validateQuery } from '../request';
import type { Route } from '../router';
import {
  PortalQuerySchema,
  PortalRedirectSchema,
  SuccessResponseSchema,
  TenantListQuerySchema,
  TenantPaginatedResultSchema,
  TenantSchema,
  TenantTokenSchema,
  TenantUpsertSchema,
} from '../schemas';
import { errorResponses, pageRequest, pathParam, tenantScope } from './route-helpers';

async function tenantToken(context: Parameters<Route['handle']>[0]): Promise<string> {
  const { deps, params } = context;
  const secret = deps.config.api.jwtSecret;
  // A deployment without a JWT secret cannot issue tenant tokens: a configuration fault, not bad input.
  if (!secret) throw new Error('API_JWT_SECRET is not configured');
  await getTenant(deps, pathParam(params, 'tenant_id'));
  return issueTenantToken(pathParam(params, 'tenant_id'), secret, deps.clock.now());
}

/** Where the portal lives: PORTAL_URL, else the API's own origin (the API serves the portal). */
function portalBase(context: Parameters<Route['handle']>[0]): string {
  const configured = context.deps.config.api.portalUrl;
  if (configured) return configured;
  const proto =
    context.headers['x-forwarded-proto'] ?? (context.deps.config.mode === 'local' ? 'http' : 'https');
  return `${proto}://${context.headers.host ?? 'localhost'}/`;
}

export const tenantRoutes: Route[] = [
  {
    method: 'GET',
    path: '/tenants',
    access: 'tenant',
    operationId: 'listTenants',
    summary: 'List tenants (a tenant token sees only its own tenant)',
    tag: 'Tenants',
    query: TenantListQuerySchema,
    responses: {
      200: { description: 'A page of tenants.', schema: TenantPaginatedResultSchema },
      ...errorResponses(400),
    },
    async handle({ deps, principal, query }) {
      const parsed = validateQuery(TenantListQuerySchema, query);
      const page = await listTenants(deps, {
        ...pageRequest(parsed),
        ids: tenantScope(principal, parsed.id),
      });
      return {
        status: 200,
        body: {
          models: page.models.map(presentTenant),
          pagination: presentPagination(page, parsed),
          count: page.count,
        },
      };
    },
  },
  {
    method: 'PUT',
    path: '/tenants/:tenant_id',
    access: 'tenant',
    operationId: 'upsertTenant',
    summary: 'Create (201) or update (200) a tenant',
    tag: 'Tenants',
    requestBody: TenantUpsertSchema,
    responses: {
      200: { description: 'Updated.', schema: TenantSchema },
      201: { description: 'Created.', schema: TenantSchema },
      ...errorResponses(400, 403, 413, 422),
    },
    async handle({ deps, params, body }) {
      const input = validateBody(TenantUpsertSchema, body);
      const { tenant, created } = await upsertTenant(
        deps,
        pathParam(params, 'tenant_id'),
        input.metadata ?? null,
      );
      return { status: created ? 201 : 200, body: presentTenant(tenant) };
    },
  },
  {
    method: 'GET',
    path: '/tenants/:tenant_id',
    access: 'tenant',
    operationId: 'getTenant',
    summary: 'Get a tenant with its destination count and topics',
    tag: 'Tenants',
    responses: { 200: { description: 'The tenant.', schema: TenantSchema }, ...errorResponses(403, 404) },
    async handle({ deps, params }) {
      return { status: 200, body: presentTenant(await getTenant(deps, pathParam(params, 'tenant_id'))) };
    },
  },
  {
    method: 'DELETE',
    path: '/tenants/:tenant_id',
    access: 'tenant',
    operationId: 'deleteTenant',
    summary: 'Delete a tenant and its destinations',
    tag: 'Tenants',
    responses: {
      200: { description: 'Deleted.', schema: SuccessResponseSchema },
      ...errorResponses(403, 404),
    },
    async handle({ deps, params }) {
      await deleteTenant(deps, pathParam(params, 'tenant_id'));
      return { status: 200, body: { success: true } };
    },
  },
  {
    method: 'GET',
    path: '/tenants/:tenant_id/token',
    access: 'admin',
    operationId: 'getTenantToken',
    summary: 'Issue a tenant JWT (24 h)',
    tag: 'Tenants',
    responses: { 200: { description: 'The token.', schema: TenantTokenSchema }, ...errorResponses(403, 404) },
    async handle(context) {
      return {
        status: 200,
        body: { token: await tenantToken(context), tenant_id: pathParam(context.params, 'tenant_id') },
      };
    },
  },
  {
    method: 'GET',
    path: '/tenants/:tenant_id/portal',
    access: 'admin',
    operationId: 'getTenantPortalUrl',
    summary: 'Portal URL carrying a tenant JWT',
    tag: 'Tenants',
    query: PortalQuerySchema,
    responses: {
      200: { description: 'The redirect URL.', schema: PortalRedirectSchema },
      ...errorResponses(400, 403, 404),
    },
    async handle(context) {
      const { theme } = validateQuery(PortalQuerySchema, context.query);
      const url = new URL(portalBase(context));
      url.searchParams.set('token', await tenantToken(context));
      url.searchParams.set('tenant_id', pathParam(context.params, 'tenant_id'));
      if (theme) url.searchParams.set('theme', theme);
      return {
        status: 200,
        body: { redirect_url: url.toString(), tenant_id: pathParam(context.params, 'tenant_id') },
      };
    },
  },
];
