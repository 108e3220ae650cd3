import type { z } from 'zod';
import type { AppDependencies } from '../core/dependencies';
import type { DestinationAdapter } from '../core/destination-adapter';
import type { Principal } from './auth';
import type { QueryValues } from './request';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * `public`: no token. `admin`: the API key only. `tenant`: the API key or a tenant JWT; when the path
 * has `:tenant_id`, a JWT must be for that tenant.
 */
export type Access = 'public' | 'admin' | 'tenant';

export interface RouteContext {
  deps: AppDependencies;
  /** Null only on public routes. */
  principal: Principal | null;
  params: Record<string, string>;
  query: QueryValues;
  /** Parsed JSON, or undefined when the request had no body. */
  body: unknown;
  /** The body as received (publish reads the exact text of `data` from it). */
  rawBody: string | undefined;
  headers: Record<string, string | undefined>;
}

export interface RouteResult {
  status: number;
  body: unknown;
}

export interface RouteResponseDoc {
  description: string;
  schema?: z.ZodType;
}

export interface Route {
  method: HttpMethod;
  /** Relative to /api/v1, with `:name` parameters. */
  path: string;
  access: Access;
  operationId: string;
  summary: string;
  tag: string;
  query?: z.ZodObject;
  /** A schema, or one built per destination type (create/update bodies). */
  requestBody?: z.ZodType | ((adapters: readonly DestinationAdapter[]) => z.ZodType);
  responses: Record<number, RouteResponseDoc>;
  /** Largest request body, 413 beyond. @default twice the event data limit plus 64 KiB */
  bodyLimitBytes?: number;
  handle(context: RouteContext): Promise<RouteResult>;
}

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method_not_allowed' }
  | { kind: 'not_found' };

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

/** Matches a method and path (below /api/v1) against a route table; parameters are URL-decoded. */
export function createRouter(routes: readonly Route[]): (method: string, path: string) => RouteMatch {
  const compiled: CompiledRoute[] = routes.map((route) => {
    const names: string[] = [];
    const source = route.path
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    return { route, names, pattern: new RegExp(`^${source}/?$`) };
  });
  return (method, path) => {
    let pathMatched = false;
    for (const { route, pattern, names } of compiled) {
      const match = pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params = Object.fromEntries(
        names.map((name, index) => [name, safeDecode(match[index + 1] ?? '')]),
      );
      return { kind: 'found', route, params };
    }
    return pathMatched ? { kind: 'method_not_allowed' } : { kind: 'not_found' };
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Converts `/tenants/:tenant_id` to OpenAPI's `/tenants/{tenant_id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}
