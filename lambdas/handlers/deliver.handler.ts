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
 * the next attempt itself. Only infrastructure errors (store or queue unreachable) return the message
 * to the queue, and its redrive policy sends a poison message to the DLQ.
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
    await Promise.all(
      event.Records.map(async (record) => {
        let task: DeliveryTask;
        try {
          task = JSON.parse(record.body) as DeliveryTask;
        } catch {
          // Unparseable bodies can never succeed; keep them for inspection in the DLQ.
          logger.error('malformed delivery task', { messageId: record.messageId });
          batchItemFailures.push({ itemIdentifier: record.messageId });
          return;
        }
        try {
          const outcome = await deliverer.process(task);
          logger.info('delivery task processed', {
            outcome: outcome.kind,
            tenant_id: task.tenant_id,
            event_id: task.event_id,
            destination_id: task.destination_id,
            attempt_number: task.attempt_number,
            ...('attempt' in outcome ? { code: outcome.attempt.code } : {}),
            ...('reason' in outcome ? { reason: outcome.reason } : {}),
          });
          if ('attempt' in outcome) {
            metrics.recordAttempt(task, outcome.attempt, record.attributes.SentTimestamp);
          }
        } catch (error) {
          logger.error('delivery task failed', { messageId: record.messageId, error: error as Error });
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
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
