import { z } from 'zod';
import type { DestinationAdapter } from '../core/destination-adapter';
import { openApiPath, type Route } from './router';
import * as schemas from './schemas';

type JsonSchema = Record<string, unknown>;

const COMPONENT_PREFIX = '#/components/schemas/';

const SECURITY_SCHEMES = {
  AdminApiKey: { type: 'http', scheme: 'bearer', description: 'The API_KEY of the deployment.' },
  TenantJwt: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'HS256 tenant token (`iss` "outpost", `sub` = tenant id, valid 24 h) from GET /tenants/{tenant_id}/token.',
  },
};

const SECURITY_BY_ACCESS: Record<Route['access'], Record<string, string[]>[]> = {
  public: [],
  admin: [{ AdminApiKey: [] }],
  tenant: [{ AdminApiKey: [] }, { TenantJwt: [] }],
};

function pascal(value: string): string {
  return value
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function withoutDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/**
 * Every named shape of schemas.ts is a component (`TenantSchema` -> `Tenant`); query schemas are
 * expanded into parameters instead. Per-type destination create bodies come from the adapters.
 */
function registerComponents(
  registry: z.core.$ZodRegistry<{ id: string }>,
  adapters: readonly DestinationAdapter[],
) {
  for (const [name, value] of Object.entries(schemas)) {
    if (value instanceof z.ZodType && name.endsWith('Schema') && !name.endsWith('QuerySchema')) {
      registry.add(value, { id: name.slice(0, -'Schema'.length) });
    }
  }
  for (const adapter of adapters) {
    registry.add(schemas.destinationCreateSchemaFor(adapter), {
      id: `DestinationCreate${pascal(adapter.type)}`,
    });
  }
}

function schemaRef(registry: z.core.$ZodRegistry<{ id: string }>, schema: z.ZodType, fallbackId: string) {
  if (!registry.has(schema)) registry.add(schema, { id: fallbackId });
  return { $ref: `${COMPONENT_PREFIX}${registry.get(schema)?.id ?? fallbackId}` };
}

function queryParameters(query: z.ZodObject | undefined) {
  if (!query) return [];
  return Object.entries(query.shape).map(([name, field]) => ({
    name,
    in: 'query',
    required: false,
    schema: withoutDialect(
      z.toJSONSchema(field as z.ZodType, { io: 'input', unrepresentable: 'any' }) as JsonSchema,
    ),
  }));
}

function pathParameters(path: string) {
  return [...path.matchAll(/:([A-Za-z_]+)/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
}

/** The OpenAPI 3.1 document of /api/v1, generated from the route table and the zod schemas. */
export function buildOpenApiDocument(routes: readonly Route[], adapters: readonly DestinationAdapter[]) {
  const registry = z.registry<{ id: string }>();
  registerComponents(registry, adapters);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const requestSchema =
      typeof route.requestBody === 'function' ? route.requestBody(adapters) : route.requestBody;
    const operation = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      security: SECURITY_BY_ACCESS[route.access],
      parameters: [...pathParameters(route.path), ...queryParameters(route.query)],
      ...(requestSchema
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: schemaRef(registry, requestSchema, `${pascal(route.operationId)}Request`),
                },
              },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.schema
              ? {
                  content: {
                    'application/json': {
                      schema: schemaRef(
                        registry,
                        response.schema,
                        `${pascal(route.operationId)}${status}Response`,
                      ),
                    },
                  },
                }
              : {}),
          },
        ]),
      ),
    };
    const path = openApiPath(`/api/v1${route.path}`);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  const generated = z.toJSONSchema(registry, {
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `${COMPONENT_PREFIX}${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  return {
    openapi: '3.1.0',
    info: {
      title: 'event-destinations API',
      version: '1.0.0',
      description: "Hookdeck Outpost's /api/v1, served by AWS Lambda; extensions are documented here.",
    },
    security: SECURITY_BY_ACCESS.tenant,
    paths,
    components: {
      securitySchemes: SECURITY_SCHEMES,
      schemas: Object.fromEntries(
        Object.entries(generated.schemas).map(([id, schema]) => [id, withoutDialect(schema)]),
      ),
    },
  };
}

/** GET /openapi.json, built on first request and kept for the container's life. */
export function openApiRoute(routes: () => readonly Route[]): Route {
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  return {
    method: 'GET',
    path: '/openapi.json',
    access: 'public',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tag: 'Schemas',
    responses: { 200: { description: 'The OpenAPI 3.1 document.' } },
    async handle({ deps }) {
      document ??= buildOpenApiDocument(routes(), deps.adapterList);
      return { status: 200, body: document };
    },
  };
}
