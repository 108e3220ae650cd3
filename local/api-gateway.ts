import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from './sqs-emulator';

/**
 * An HTTP API (API Gateway v2, payload format 2.0) on node:http: matches the template's routes,
 * turns each request into the event API Gateway would send, and writes the handler's result back.
 */

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface ApiGatewayRoute {
  /** `METHOD /path`, `ANY /path/{param}/{proxy+}` or `$default`. */
  routeKey: string;
  handler: ApiHandler;
}

export interface ApiGatewayOptions {
  routes: ApiGatewayRoute[];
  /** 0 or undefined = a free port. */
  port?: number;
  log?: (line: string) => void;
}

export interface ApiGateway {
  port: number;
  /** `http://localhost:<port>` */
  baseUrl: string;
  stop(): Promise<void>;
}

/** API Gateway's request payload limit. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
const API_ID = 'local';

interface CompiledRoute {
  routeKey: string;
  method: string;
  /** Literal segments, `{name}` or a trailing greedy `{name+}`. */
  segments: string[];
  handler: ApiHandler;
}

interface RouteMatch {
  route: CompiledRoute;
  pathParameters: Record<string, string>;
}

class PayloadTooLargeError extends Error {}

export async function startApiGateway(options: ApiGatewayOptions): Promise<ApiGateway> {
  const routes = options.routes.map(compileRoute);
  const log = options.log ?? (() => undefined);
  const server = createServer((request, response) => {
    handleRequest(routes, request, response).catch((error: unknown) => {
      log(`api: ${request.method} ${request.url} failed: ${String(error)}`);
      // API Gateway's answer when the integration fails.
      if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    baseUrl: `http://localhost:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

async function handleRequest(
  routes: CompiledRoute[],
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  const match = matchRoute(routes, method, url.pathname);
  if (match === undefined) {
    sendJson(response, 404, { status: 404, message: 'route not found' });
    request.resume();
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(request);
  } catch (error) {
    if (!(error instanceof PayloadTooLargeError)) throw error;
    sendJson(response, 413, { status: 413, message: `request payload exceeds ${MAX_PAYLOAD_BYTES} bytes` });
    return;
  }
  const event = toEvent(request, url, match, body);
  const result = await match.route.handler(event);
  writeResult(response, result);
}

function compileRoute(route: ApiGatewayRoute): CompiledRoute {
  if (route.routeKey === '$default') return { ...route, method: 'ANY', segments: ['{proxy+}'] };
  const [method, path] = route.routeKey.split(' ');
  if (method === undefined || path === undefined) throw new Error(`malformed route key ${route.routeKey}`);
  return { ...route, method, segments: path.split('/').filter((segment) => segment.length > 0) };
}

/**
 * API Gateway's precedence: a literal segment beats `{param}`, which beats a greedy `{proxy+}`;
 * a route for the method beats ANY; `$default` comes last.
 */
function matchRoute(routes: CompiledRoute[], method: string, pathname: string): RouteMatch | undefined {
  const pathSegments = pathname.split('/').filter((segment) => segment.length > 0);
  const candidates = routes.flatMap((route) => {
    if (route.method !== 'ANY' && route.method !== method) return [];
    const pathParameters = matchSegments(route.segments, pathSegments);
    return pathParameters === undefined ? [] : [{ route, pathParameters, rank: rank(route) }];
  });
  candidates.sort((a, b) => compareRanks(a.rank, b.rank));
  return candidates[0];
}

function matchSegments(routeSegments: string[], pathSegments: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of routeSegments.entries()) {
    const greedy = /^\{(.+)\+\}$/.exec(segment);
    if (greedy !== null) {
      const rest = pathSegments.slice(index);
      if (rest.length === 0) return undefined;
      parameters[greedy[1]!] = rest.map(decodeURIComponent).join('/');
      return parameters;
    }
    const actual = pathSegments[index];
    if (actual === undefined) return undefined;
    const variable = /^\{(.+)\}$/.exec(segment);
    if (variable !== null) parameters[variable[1]!] = decodeURIComponent(actual);
    else if (segment !== actual) return undefined;
  }
  return routeSegments.length === pathSegments.length ? parameters : undefined;
}

/** Per segment: 0 literal, 1 variable, 2 greedy; then 1 for ANY. Lower sorts first. */
function rank(route: CompiledRoute): number[] {
  const segmentRanks = route.segments.map((segment) =>
    segment.endsWith('+}') ? 2 : segment.startsWith('{') ? 1 : 0,
  );
  return [route.routeKey === '$default' ? 1 : 0, ...segmentRanks, route.method === 'ANY' ? 1 : 0];
}

function compareRanks(a: number[], b: number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const difference = (a[index] ?? -1) - (b[index] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  if (Number(request.headers['content-length'] ?? 0) > MAX_PAYLOAD_BYTES) {
    request.resume();
    throw new PayloadTooLargeError();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) {
      request.resume();
      throw new PayloadTooLargeError();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Content types API Gateway passes as text; any other body arrives base64-encoded. */
function isTextContent(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    mediaType.startsWith('text/') ||
    /^application\/([a-z0-9.+-]*\+)?(json|xml)$/.test(mediaType) ||
    mediaType === 'application/javascript'
  );
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  match: RouteMatch,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  // rawHeaders keeps repeated headers, which API Gateway joins with commas.
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index]!.toLowerCase();
    const value = request.rawHeaders[index + 1]!;
    if (name === 'cookie')
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter(Boolean),
      );
    else headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    queryStringParameters[name] =
      queryStringParameters[name] === undefined ? value : `${queryStringParameters[name]},${value}`;
  }
  const now = new Date();
  const host = headers.host ?? 'localhost';
  const text = isTextContent(headers['content-type']);
  const method = request.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: match.route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(queryStringParameters).length > 0 ? { queryStringParameters } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: API_ID,
      // Host with its port: locally the port is part of any URL a handler builds from it.
      domainName: host,
      domainPrefix: host.split(':')[0]!.split('.')[0]!,
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: match.route.routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time`: `23/Nov/2026:11:03:58 +0000`. */
function formatRequestTime(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

function writeResult(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, String(value));
  if (result.cookies !== undefined && result.cookies.length > 0)
    response.setHeader('set-cookie', result.cookies);
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  response.statusCode = result.statusCode ?? 200;
  response.setHeader('content-length', body.length);
  response.end(body);
}

function sendJson(response: ServerResponse, statusCode: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(statusCode, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}
