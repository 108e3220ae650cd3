import type { Logger } from '@aws-lambda-powertools/logger';
import { DomainError } from '../core/errors';
import { EnqueueFailedError } from '../core/publish';
import type { ApiResponse } from './request';

const STATUS_BY_KIND: Record<DomainError['kind'], number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  validation: 422,
};

export const JSON_HEADERS: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };

export function jsonResponse(status: number, body: unknown): ApiResponse {
  return { status, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
}

export function errorBody(status: number, message: string, data?: DomainError['data']) {
  return data === undefined ? { status, message } : { status, message, data };
}

/**
 * The one place errors become HTTP. Domain errors carry their own message and field list; anything
 * else is a bug or an outage: logged in full, answered with a generic message that leaks nothing.
 */
export function errorResponse(error: unknown, logger: Logger): ApiResponse {
  const body = errorPayload(error, logger);
  return jsonResponse(body.status, body);
}

/** The `{status, message, data}` body of an error (also one item of a batch response). */
export function errorPayload(error: unknown, logger: Logger): ReturnType<typeof errorBody> {
  if (error instanceof DomainError) {
    return errorBody(STATUS_BY_KIND[error.kind], error.message, error.data);
  }
  if (error instanceof EnqueueFailedError) {
    logError(logger, 'enqueue failed; deliveries stay queued for the sweeper', error.cause);
    return errorBody(503, 'service temporarily unavailable; retry the request with the same id');
  }
  logError(logger, 'unhandled error', error);
  return errorBody(500, 'internal server error');
}

function logError(logger: Logger, message: string, error: unknown): void {
  if (error instanceof Error) logger.error(message, error);
  else logger.error(message, { error: String(error) });
}
