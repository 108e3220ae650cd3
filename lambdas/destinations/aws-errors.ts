import type { DeliveryResult } from '../core/destination-adapter';
import { networkErrorCode } from './message-fields';
import { TargetForbiddenError } from './target-guard';

/**
 * An AWS SDK failure as a DeliveryResult. The `code` is the service's error name
 * (`AccessDenied`, `QueueDoesNotExist`, `ThrottlingException`...) or a network class. Retryable:
 * throttling, expired temporary credentials, 5xx, network trouble, and access denied or rejected
 * credentials (the rule of every destination type: permissions are what a tenant fixes without
 * touching the event, IAM changes take effect only after propagating, and a delivery that waits on
 * the schedule succeeds once they do; auto-disable bounds the cost of one never fixed). Not
 * retryable: a missing queue/topic/stream/bucket and an invalid request, which no wait repairs.
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
 * Access denied and rejected credentials across the AWS types, STS and KMS (a queue or stream
 * encrypted with a key the role may not use). EventBridge reports some per entry
 * (aws-eventbridge.transport.ts).
 */
export const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'NotAuthorizedForSourceException',
  'KMSAccessDeniedException',
  'KMS.AccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
]);

/**
 * STS refused or failed to assume the destination's role. Classified like the STS error it wraps,
 * with the code `AssumeRole.<STS code>` (`AssumeRole.AccessDenied`: the role's trust policy does
 * not name this platform or the external id, or is not in effect yet), so it is not mistaken for the service's own
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
  if (THROTTLING.has(name) || EXPIRED.has(name) || ACCESS_DENIED.has(name) || status === 429) {
    return failure(name, true, error, status);
  }
  if (status >= 500 || error.$fault === 'server') return failure(name, true, error, status);
  return failure(name, false, error, status);
}
