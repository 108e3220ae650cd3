import { Logger } from '@aws-lambda-powertools/logger';
import type { AppDependencies } from '../core/dependencies';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../core/errors';
import { MAX_ID_LENGTH } from '../core/ids';
import { authenticate, type Principal } from './auth';
import { errorResponse, jsonResponse, errorBody } from './http-errors';
import { openApiRoute } from './openapi';
import { bodyLimitBytes, parseJsonBody, parseQuery, type ApiRequest, type ApiResponse } from './request';
import { createRouter, type Route } from './router';
import { attemptRoutes } from './routes/attempts.routes';
import { deliveryRoutes } from './routes/deliveries.routes';
import { destinationRoutes } from './routes/destinations.routes';
import { eventRoutes } from './routes/events.routes';
import { metaRoutes } from './routes/meta.routes';
import { publishRoutes } from './routes/publish.routes';
import { tenantRoutes } from './routes/tenants.routes';

export type { ApiRequest, ApiResponse } from './request';

export const API_BASE = '/api/v1';

const API_ROUTES: readonly Route[] = [
  ...metaRoutes,
  ...publishRoutes,
  ...tenantRoutes,
  ...destinationRoutes,
  ...eventRoutes,
  ...attemptRoutes,
  ...deliveryRoutes,
];

export const ROUTES: readonly Route[] = [...API_ROUTES, openApiRoute(() => ROUTES)];

export interface ApiAppOptions {
  logger?: Logger;
}

/** Admin-only routes refuse tenant tokens; a tenant token may only name its own tenant in the path. */
function authorise(route: Route, principal: Principal, params: Record<string, string>): void {
  if (principal.kind === 'admin') return;
  if (route.access === 'admin') throw new ForbiddenError('this route requires the admin API key');
  const pathTenant = params.tenant_id;
  if (pathTenant !== undefined && pathTenant !== principal.tenantId) {
    throw new ForbiddenError('the token is not valid for this tenant');
  }
}

/**
 * A tenant token outlives its tenant (it is valid 24 h): once the tenant is deleted the token is
 * refused, as Outpost does, so it can neither read what is left nor recreate the tenant with PUT.
 */
async function requireLiveTenant(deps: AppDependencies, principal: Principal): Promise<void> {
  if (principal.kind !== 'tenant') return;
  if (!(await deps.tenants.get(principal.tenantId))) {
    throw new UnauthorizedError("the token's tenant does not exist");
  }
}

/**
 * The whole API as one function of a transport-neutral request: the Lambda handler, the local
 * runtime's HTTP server and tests all call this.
 */
export function createApiApp(
  deps: AppDependencies,
  options: ApiAppOptions = {},
): (request: ApiRequest) => Promise<ApiResponse> {
  const logger = options.logger ?? new Logger({ serviceName: 'event-destinations-api' });
  const match = createRouter(ROUTES);
  const settings = { apiKey: deps.config.api.apiKey, jwtSecret: deps.config.api.jwtSecret };
  const bodyLimit = bodyLimitBytes(deps.config.api.maxEventDataBytes);

  return async (request) => {
    try {
      if (!request.path.startsWith(`${API_BASE}/`)) throw new NotFoundError('route not found');
      const found = match(request.method.toUpperCase(), request.path.slice(API_BASE.length));
      if (found.kind === 'not_found') throw new NotFoundError('route not found');
      if (found.kind === 'method_not_allowed') {
        return jsonResponse(405, errorBody(405, 'method not allowed'));
      }
      const { route, params } = found;
      let principal: Principal | null = null;
      if (route.access !== 'public') {
        principal = await authenticate(request.headers.authorization, settings);
        authorise(route, principal, params);
        await requireLiveTenant(deps, principal);
      }
      // No stored id is longer (ids are bounded where they are created): answer as for any unknown id,
      // before a key over DynamoDB's limit makes the store fail.
      const overlong = Object.keys(params).find((name) => params[name]!.length > MAX_ID_LENGTH);
      if (overlong !== undefined) throw new NotFoundError(`${overlong.replace(/_id$/, '')} not found`);
      const result = await route.handle({
        deps,
        principal,
        params,
        query: parseQuery(request.rawQuery),
        body: parseJsonBody(request.body, route.bodyLimitBytes ?? bodyLimit),
        rawBody: request.body,
        headers: request.headers,
      });
      return jsonResponse(result.status, result.body);
    } catch (error) {
      return errorResponse(error, logger);
    }
  };
}
