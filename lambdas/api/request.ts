import type { z } from 'zod';
import { describeIssues } from '../core/destinations';
import { BadRequestError, PayloadTooLargeError, ValidationError } from '../core/errors';

/** What the router hands the app: a transport-neutral HTTP request (API Gateway, local server, tests). */
export interface ApiRequest {
  method: string;
  path: string;
  rawQuery: string;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  body?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Query values: a repeated or bracketed key (`id=a&id=b`, `id[]=a`, `id[0]=a`) becomes a list. */
export type QueryValues = Record<string, string | string[]>;

const ARRAY_KEY = /^([^[\]]+)\[\d*\]$/;

/** Operator keys such as `time[gte]` stay as they are; the route's schema names them. */
export function parseQuery(rawQuery: string): QueryValues {
  const values: QueryValues = {};
  for (const [rawKey, value] of new URLSearchParams(rawQuery)) {
    const arrayKey = ARRAY_KEY.exec(rawKey)?.[1];
    const key = arrayKey ?? rawKey;
    const current = values[key];
    if (current === undefined) values[key] = arrayKey ? [value] : value;
    else values[key] = [...(Array.isArray(current) ? current : [current]), value];
  }
  return values;
}

/**
 * The whole body is capped before parsing, so an oversized request costs no JSON work: the event
 * data limit plus room for the envelope (id, topic, metadata) and for pretty-printed JSON.
 */
export function bodyLimitBytes(maxEventDataBytes: number): number {
  return maxEventDataBytes * 2 + 64 * 1024;
}

export function parseJsonBody(body: string | undefined, limitBytes: number): unknown {
  if (body === undefined || body.trim() === '') return undefined;
  const size = Buffer.byteLength(body);
  if (size > limitBytes)
    throw new PayloadTooLargeError(`request body is ${size} bytes; the limit is ${limitBytes}`);
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new BadRequestError('malformed JSON body');
  }
}

export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body === undefined ? {} : body);
  if (!parsed.success) throw new ValidationError('validation error', describeIssues(parsed.error.issues));
  return parsed.data;
}

export function validateQuery<S extends z.ZodType>(schema: S, query: QueryValues): z.output<S> {
  const parsed = schema.safeParse(query);
  if (!parsed.success)
    throw new BadRequestError('invalid query parameters', describeIssues(parsed.error.issues));
  return parsed.data;
}
