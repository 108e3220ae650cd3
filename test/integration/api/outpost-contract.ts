import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Validates responses against Hookdeck Outpost's own OpenAPI document (the contract of DESIGN.md §3).
 * The document is OpenAPI 3.1 but still uses 3.0's `nullable`, which JSON Schema does not know; it is
 * rewritten to `anyOf [schema, null]` before compiling.
 */

const DOCUMENT_PATH = '/work/shared/reference/outpost-openapi.yaml';
const DOCUMENT_ID = 'outpost';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withNullable);
  if (!isObject(node)) return node;
  const { nullable, ...rest } = node;
  const converted = Object.fromEntries(
    Object.entries(rest).map(([key, value]) => [key, withNullable(value)]),
  );
  return nullable === true ? { anyOf: [converted, { type: 'null' }] } : converted;
}

function loadDocument(): Json {
  const document = parse(readFileSync(DOCUMENT_PATH, 'utf8')) as Json;
  // Outpost's Attempt.event is `oneOf [EventFull, EventSummary]`, but neither forbids the other's
  // fields, so every event object matches both and oneOf can never pass: read it as anyOf.
  const attempt = ((document.components as Json).schemas as Json).Attempt as Json;
  const event = (attempt.properties as Json).event as Json;
  event.anyOf = event.oneOf;
  delete event.oneOf;
  return withNullable(document) as Json;
}

export interface ContractValidator {
  /** Errors of `body` against the response schema of (path template, method, status); [] when valid. */
  errors(pathTemplate: string, method: string, status: number, body: unknown): string[];
}

export function createOutpostValidator(): ContractValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('url', { type: 'string', validate: (value: string) => /^https?:\/\/\S+$/.test(value) });
  const document = loadDocument();
  ajv.addSchema(document, DOCUMENT_ID);
  return {
    errors(pathTemplate, method, status, body) {
      const paths = document.paths as Json;
      const operation = (paths[pathTemplate] as Json | undefined)?.[method.toLowerCase()] as Json | undefined;
      const response = (operation?.responses as Json | undefined)?.[String(status)] as Json | undefined;
      if (!response) return [`Outpost documents no ${status} for ${method} ${pathTemplate}`];
      // Shared error responses are `$ref: "#/components/responses/NotFound"`.
      const base =
        typeof response.$ref === 'string'
          ? response.$ref.slice(2).split('/')
          : ['paths', pathTemplate, method.toLowerCase(), 'responses', String(status)];
      const pointer = [...base, 'content', 'application/json', 'schema']
        .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'))
        .join('/');
      const validate = ajv.getSchema(`${DOCUMENT_ID}#/${pointer}`);
      if (!validate) return [`no schema at ${pointer}`];
      return validate(body)
        ? []
        : (validate.errors ?? []).map(
            (error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
          );
    },
  };
}
