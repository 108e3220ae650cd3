import { Logger } from '@aws-lambda-powertools/logger';
import { errorResponse } from '../../../lambdas/api/http-errors';
import {
  BadRequestError,
  ConflictError,
  DestinationNotFoundError,
  ForbiddenError,
  PayloadTooLargeError,
  UnauthorizedError,
  ValidationError,
} from '../../../lambdas/core/errors';
import { EnqueueFailedError } from '../../../lambdas/core/publish';

function capturingLogger() {
  const lines: string[] = [];
  const logger = new Logger({ serviceName: 'test', logLevel: 'DEBUG' });
  // Powertools writes JSON lines to the process streams; capture them instead of printing them.
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  return { logger, lines };
}

afterEach(() => jest.restoreAllMocks());

describe('errorResponse', () => {
  test.each([
    [new BadRequestError('malformed JSON body'), 400, { status: 400, message: 'malformed JSON body' }],
    [new UnauthorizedError('invalid token'), 401, { status: 401, message: 'invalid token' }],
    [new ForbiddenError('no'), 403, { status: 403, message: 'no' }],
    [new DestinationNotFoundError(), 404, { status: 404, message: 'destination not found' }],
    [new ConflictError('taken'), 409, { status: 409, message: 'taken' }],
    [new PayloadTooLargeError('big'), 413, { status: 413, message: 'big' }],
    [
      new ValidationError('validation error', ['config.url: must be an http(s) URL']),
      422,
      { status: 422, message: 'validation error', data: ['config.url: must be an http(s) URL'] },
    ],
  ])('%s -> %i', (error, status, body) => {
    const { logger } = capturingLogger();
    const response = errorResponse(error, logger);
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body)).toEqual(body);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
  });

  test('an unexpected error is a generic 500 that leaks nothing, and is logged', () => {
    const { logger, lines } = capturingLogger();
    const response = errorResponse(new Error('secret=whsec_abc connection to 10.0.0.1 refused'), logger);
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ status: 500, message: 'internal server error' });
    expect(lines.join('\n')).toContain('connection to 10.0.0.1 refused');
  });

  test('a queue outage is a 503 asking for a retry with the same id', () => {
    const { logger, lines } = capturingLogger();
    const response = errorResponse(new EnqueueFailedError(new Error('queue down'), []), logger);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body).message).toMatch(/retry/);
    expect(response.body).not.toContain('queue down');
    expect(lines.join('\n')).toContain('queue down');
  });
});
