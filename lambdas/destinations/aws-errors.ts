import type { DeliveryResult } from '../core/destination-adapter';
import { networkErrorCode } from './message-fields';
import { TargetForbiddenError } from './target-guard';

/**
 * An AWS SDK failure as a DeliveryResult. The `code` is the service's error name
 * (`AccessDenied`, `QueueDoesNotExist`, `ThrottlingException`...) or a network class. Retryable:
 * throttling, expired temporary credentials, 5xx and network trouble. Not retryable: everything the
 * tenant must fix (access denied, missing queue/topic/stream/bucket, validation); retrying those
 * only fills the attempt log until auto-disable.
 */

/** Throttling and capacity errors across SQS, SNS, EventBridge, Kinesis, S3 and STS. */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'SlowDown',
  'KMSThrottlingException',
  'KMSThrottling',
]);

/** Temporary credentials ran out mid-flight: the next attempt gets fresh ones. */
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);

/**
 * STS refused or failed to assume the destination's role. Classified like the STS error it wraps,
 * with the code `AssumeRole.<STS code>` (`AssumeRole.AccessDenied`: the role's trust policy does
 * not name this platform or the external id), so it is not mistaken for the service's own
 * `AccessDenied` on the queue, topic, stream or bucket.
 */
export class RoleAssumptionError extends Error {
  constructor(
    readonly roleArn: string,
    override readonly cause: unknown,
  ) {
    super(`STS AssumeRole of ${roleArn} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'RoleAssumptionError';
  }
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

function failure(code: string, retryable: boolean, error: SdkError, status?: number): DeliveryResult {
  return {
    ok: false,
    code,
    retryable,
    response: {
      ...(status !== undefined ? { status_code: status } : {}),
      error: error.message ?? code,
    },
  };
}

export function classifyAwsError(thrown: unknown): DeliveryResult {
  if (thrown instanceof RoleAssumptionError) {
    const underlying = classifyAwsError(thrown.cause);
    return {
      ...underlying,
      code: `AssumeRole.${underlying.code}`,
      response: { ...underlying.response, error: thrown.message },
    };
  }
  const error = (
    typeof thrown === 'object' && thrown !== null ? thrown : { message: String(thrown) }
  ) as SdkError;
  if (thrown instanceof TargetForbiddenError) return failure('target_forbidden', false, error);
  const name = error.name ?? 'Error';
  if (name === 'TimeoutError' || name === 'AbortError') return failure('timeout', true, error);
  const status = error.$metadata?.httpStatusCode;
  if (status === undefined) {
    // No HTTP response: the request never reached the service (or no answer came back).
    const network = networkErrorCode(error);
    return failure(network ?? 'network_error', true, error);
  }
  if (THROTTLING.has(name) || EXPIRED.has(name) || status === 429) return failure(name, true, error, status);
  if (status >= 500 || error.$fault === 'server') return failure(name, true, error, status);
  return failure(name, false, error, status);
}
