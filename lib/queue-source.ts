import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/** Every queue-fed function receives batches of up to ten messages, gathered for at most a second. */
const BATCH_SIZE = 10;
const BATCHING_WINDOW = Duration.seconds(1);
/** AWS's guidance for SQS event sources (see visibilityTimeoutFor). */
const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * The visibility timeout of a queue that feeds a function: six times the function timeout plus the
 * batching window, as AWS advises, so that a message is not received again while the batch holding
 * it is still being gathered, retried after a throttle or processed.
 */
export function visibilityTimeoutFor(functionTimeout: Duration): Duration {
  return Duration.seconds(
    VISIBILITY_TIMEOUT_FACTOR * functionTimeout.toSeconds() + BATCHING_WINDOW.toSeconds(),
  );
}

/** Feeds the function from the queue: batches, partial batch failures, at most `maxConcurrency` at once. */
export function feedFromQueue(fn: IFunction, queue: IQueue, maxConcurrency: number): void {
  fn.addEventSource(
    new SqsEventSource(queue, {
      batchSize: BATCH_SIZE,
      maxBatchingWindow: BATCHING_WINDOW,
      reportBatchItemFailures: true,
      maxConcurrency,
    }),
  );
}
