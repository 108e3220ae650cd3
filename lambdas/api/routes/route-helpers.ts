import { BadRequestError } from '../../core/errors';
import type { Page } from '../../core/ports';
import type { Principal } from '../auth';
import { presentPagination } from '../presenters';
import type { RouteResponseDoc, RouteResult } from '../router';
import { APIErrorResponseSchema, type Pagination } from '../schemas';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON or invalid query parameters.',
  401: 'Missing or invalid credentials.',
  403: 'The token may not act on this tenant or route.',
  404: 'Not found.',
  409: 'Conflict.',
  413: 'Request body or event data too large.',
  422: 'Validation failed; `data` lists `"<field>: <message>"`.',
  503: 'The delivery queue did not accept the work; retry with the same id.',
};

/** Error responses for a route's documentation; every authenticated route can also answer 401. */
export function errorResponses(...statuses: number[]): Record<number, RouteResponseDoc> {
  return Object.fromEntries(
    [401, ...statuses].map((status) => [
      status,
      { description: ERROR_DESCRIPTIONS[status] ?? 'Error.', schema: APIErrorResponseSchema },
    ]),
  );
}

/** A tenant token sees only its own tenant: `tenant_id` in the query is ignored for it. */
export function tenantScope(
  principal: Principal | null,
  requested: string[] | undefined,
): string[] | undefined {
  if (principal?.kind === 'tenant') return [principal.tenantId];
  return requested && requested.length > 0 ? requested : undefined;
}

/** The one tenant a single-record lookup is limited to; undefined = any tenant (admin without filter). */
export function singleTenantScope(
  principal: Principal | null,
  requested: string | undefined,
): string | undefined {
  return principal?.kind === 'tenant' ? principal.tenantId : requested;
}

export function isAdmin(principal: Principal | null): boolean {
  return principal?.kind === 'admin';
}

export function timeRange(query: {
  'time[gte]'?: string;
  'time[gt]'?: string;
  'time[lte]'?: string;
  'time[lt]'?: string;
}) {
  const range = {
    gte: query['time[gte]'],
    gt: query['time[gt]'],
    lte: query['time[lte]'],
    lt: query['time[lt]'],
  };
  const given = Object.fromEntries(Object.entries(range).filter(([, value]) => value !== undefined));
  return Object.keys(given).length > 0 ? given : undefined;
}

export function pageRequest(query: { limit: number; next?: string; prev?: string; dir: 'asc' | 'desc' }) {
  if (query.next !== undefined && query.prev !== undefined) {
    throw new BadRequestError('invalid query parameters', ['next: cannot be combined with prev']);
  }
  return { limit: query.limit, next: query.next, prev: query.prev, dir: query.dir };
}

/** A path parameter the route pattern guarantees. */
export function pathParam(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined) throw new Error(`route has no :${name} parameter`);
  return value;
}

/** 200 with a page in the paginated-result shape; `present` may be async (it may load related records). */
export async function pageResponse<T>(
  page: Page<T>,
  request: Omit<Pagination, 'next' | 'prev'>,
  present: (model: T) => unknown,
): Promise<RouteResult> {
  return {
    status: 200,
    body: {
      models: await Promise.all(page.models.map((model) => present(model))),
      pagination: presentPagination(page, request),
    },
  };
}
