/**
 * Typed domain errors. They are mapped to HTTP in exactly one place (lambdas/api/http-errors.ts),
 * so the core never speaks HTTP status codes.
 */
export abstract class DomainError extends Error {
  abstract readonly kind:
    | 'bad_request'
    | 'unauthorized'
    | 'forbidden'
    | 'not_found'
    | 'conflict'
    | 'payload_too_large'
    | 'validation';
  /** Field-level messages, e.g. `["config.url: must be an http(s) URL"]`, or structured context. */
  readonly data?: string[] | Record<string, unknown>;

  constructor(message: string, data?: string[] | Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.data = data;
  }
}

export class ValidationError extends DomainError {
  readonly kind = 'validation' as const;
  constructor(message: string, fieldMessages: string[]) {
    super(message, fieldMessages);
  }
}

export class BadRequestError extends DomainError {
  readonly kind = 'bad_request' as const;
}

export class UnauthorizedError extends DomainError {
  readonly kind = 'unauthorized' as const;
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden' as const;
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict' as const;
}

export class PayloadTooLargeError extends DomainError {
  readonly kind = 'payload_too_large' as const;
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
}

export class TenantNotFoundError extends NotFoundError {
  constructor() {
    super('tenant not found');
  }
}

export class DestinationNotFoundError extends NotFoundError {
  constructor() {
    super('destination not found');
  }
}

export class EventNotFoundError extends NotFoundError {
  constructor() {
    super('event not found');
  }
}

export class AttemptNotFoundError extends NotFoundError {
  constructor() {
    super('attempt not found');
  }
}
