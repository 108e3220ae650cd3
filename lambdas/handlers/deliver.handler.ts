import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { Deliverer } from '../core/deliver';
import type { DeliveryTask } from '../core/model';
import { closeTransports, preloadBundledTransports } from '../destinations/registry';
import { createAlertSink } from './alert-sink';
import { createDependencies, type AwsInstrumentation } from './dependencies';
import { HandlerMetrics } from './handler-metrics';
import { handlerWithSecrets } from './secrets';

type Environment = Record<string, string | undefined>;

const logger = new Logger({ serviceName: 'deliver' });

// The bundle carries one transport: its client initialises now, in the Lambda init phase. A failure
// is logged here and fails the deliveries, whose tasks the queue retries.
preloadBundledTransports().catch((error: unknown) =>
  logger.error('destination transport failed to load', { error: error as Error }),
);

/**
 * SQS -> delivery. Delivery failures are not batch failures: the deliverer records them and schedules
 * the next attempt, sent with the other retries of this batch in SendMessageBatch calls. Only
 * infrastructure errors (store or queue unreachable, a retry the queue did not take) return a message
 * to the queue; received again, it sends what it left undone.
 */
export function createHandler(
  env: Environment,
  instrumentation?: AwsInstrumentation,
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const deliverer = new Deliverer(
    createDependencies(env, instrumentation, (config, instruments) =>
      createAlertSink(config, env, instruments),
    ),
  );
  const metrics = HandlerMetrics.fromEnvironment(env);
  return async (event) => {
    const batchItemFailures: SQSBatchItemFailure[] = [];
    const received: { messageId: string; sentTimestamp: string; task: DeliveryTask }[] = [];
    for (const record of event.Records) {
      try {
        received.push({
          messageId: record.messageId,
          sentTimestamp: record.attributes.SentTimestamp,
          task: JSON.parse(record.body) as DeliveryTask,
        });
      } catch {
        // Unparseable bodies can never succeed; keep them for inspection in the DLQ.
        logger.error('malformed delivery task', { messageId: record.messageId });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    const results = await deliverer.processBatch(received.map(({ task }) => task));
    results.forEach((result, index) => {
      const { messageId, sentTimestamp, task } = received[index]!;
      if (!result.ok) {
        // The store or the queue failed (the task's run, or sending what it leaves for later):
        // returned to the queue, whose redrive policy sends a poison message to the DLQ.
        logger.error('delivery task failed', { messageId, error: result.error as Error });
        batchItemFailures.push({ itemIdentifier: messageId });
        return;
      }
      const { outcome } = result;
      logger.info('delivery task processed', {
        outcome: outcome.kind,
        tenant_id: task.tenant_id,
        event_id: task.event_id,
        destination_id: task.destination_id,
        attempt_number: task.attempt_number,
        ...('attempt' in outcome ? { code: outcome.attempt.code } : {}),
        ...('reason' in outcome ? { reason: outcome.reason } : {}),
      });
      if ('attempt' in outcome) metrics.recordAttempt(task, outcome.attempt, sentTimestamp);
    });
    metrics.flush();
    return { batchItemFailures };
  };
}

// The alert sink's signing secret comes from Secrets Manager in AWS mode (its ARN is in the environment).
export const handler: (event: SQSEvent) => Promise<SQSBatchResponse> = handlerWithSecrets(
  process.env,
  (env) => createHandler(env),
);

/** Closes the connections and clients the transports keep (the local runtime calls it on stop). */
export const shutdown = closeTransports;
