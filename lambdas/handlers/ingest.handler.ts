import { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { decodePublishRequest, publishDataText } from '../api/publish-request';
import { BadRequestError, DomainError } from '../core/errors';
import { publishEvents } from '../core/publish-batch';
import { sqsBatches } from '../queue/sqs-batches';
import { createDependencies, createSqsClient, type AwsInstrumentation } from './dependencies';

type Environment = Record<string, string | undefined>;

const logger = new Logger({ serviceName: 'ingest' });

/** The message attribute that says why a message was moved to the ingest DLQ. */
export const REASON_ATTRIBUTE = 'reason';

/**
 * Publishing from a queue: each SQS message is the JSON body of POST /publish. The batch is published
 * together (one enqueue of the delivery tasks). A message that can never succeed (not JSON, invalid,
 * unknown destination, too large) is sent to the DLQ with its reason as a message attribute and
 * reported done, so it is neither retried nor lost; an outage (store or queue) fails that record only,
 * and SQS redelivers it (its redrive policy moves it to the same DLQ after repeated outages).
 */
export function createHandler(
  env: Environment,
  instrumentation?: AwsInstrumentation,
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const deps = createDependencies(env, instrumentation);
  const sqs = createSqsClient(env, instrumentation);
  const deadLetterQueueUrl = env.INGEST_DEAD_LETTER_QUEUE_URL;
  if (!deadLetterQueueUrl) throw new Error('INGEST_DEAD_LETTER_QUEUE_URL is required');
  return async (event) => {
    const outcomes = await publishEvents(deps, event.Records, (record) =>
      decodePublishRequest(parseBody(record), publishDataText(record.body)),
    );
    const rejected: DeadLetter[] = [];
    const batchItemFailures: SQSBatchItemFailure[] = [];
    outcomes.forEach((outcome, index) => {
      const record = event.Records[index]!;
      if (outcome.ok) return;
      if (outcome.error instanceof DomainError) {
        rejected.push({ record, reason: describe(outcome.error) });
      } else {
        logger.error('publish from queue failed; SQS will redeliver', {
          messageId: record.messageId,
          error: outcome.error as Error,
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    });
    batchItemFailures.push(...(await moveToDeadLetterQueue(sqs, deadLetterQueueUrl, rejected)));
    return { batchItemFailures };
  };
}

function parseBody(record: SQSRecord): unknown {
  try {
    return JSON.parse(record.body) as unknown;
  } catch {
    throw new BadRequestError('message body is not JSON');
  }
}

function describe(error: DomainError): string {
  const details = Array.isArray(error.data) ? `: ${error.data.join('; ')}` : '';
  return `${error.message}${details}`.slice(0, 1024);
}

interface DeadLetter {
  record: SQSRecord;
  reason: string;
}

/**
 * Returns the records it could not move: they stay on the ingest queue and are tried again. Batches
 * are cut to SQS's limits (a batch over them is refused whole, and its messages would reach the DLQ
 * only later, by redrive, without their reasons).
 */
async function moveToDeadLetterQueue(
  sqs: SQSClient,
  queueUrl: string,
  rejected: DeadLetter[],
): Promise<SQSBatchItemFailure[]> {
  for (const { record, reason } of rejected) {
    logger.warn('malformed message rejected; moving it to the ingest DLQ', {
      messageId: record.messageId,
      reason,
    });
  }
  const unsent = await Promise.all(
    sqsBatches(rejected, entryBytes).map((batch) => sendBatch(sqs, queueUrl, batch)),
  );
  return unsent.flat().map(({ record }) => ({ itemIdentifier: record.messageId }));
}

/** What SQS counts against its size limits: the body and each attribute's name, type and value. */
function entryBytes({ record, reason }: DeadLetter): number {
  return (
    Buffer.byteLength(record.body) +
    Buffer.byteLength(REASON_ATTRIBUTE) +
    Buffer.byteLength('String') +
    Buffer.byteLength(reason)
  );
}

/** Returns the dead letters it could not send. A refused batch is tried again one message at a time. */
async function sendBatch(sqs: SQSClient, queueUrl: string, batch: DeadLetter[]): Promise<DeadLetter[]> {
  try {
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map(({ record, reason }, index) => ({
          Id: String(index),
          MessageBody: record.body,
          MessageAttributes: { [REASON_ATTRIBUTE]: { DataType: 'String', StringValue: reason } },
        })),
      }),
    );
    const failed = result.Failed ?? [];
    for (const failure of failed) {
      logger.error('the ingest DLQ refused a message', { code: failure.Code, message: failure.Message });
    }
    return failed.map((failure) => batch[Number(failure.Id)]!);
  } catch (error) {
    if (batch.length === 1) {
      logger.error('could not send to the ingest DLQ', { error: error as Error });
      return batch;
    }
    logger.warn('the ingest DLQ refused a batch; sending its messages one by one', { error: error as Error });
    const unsent = await Promise.all(batch.map((letter) => sendBatch(sqs, queueUrl, [letter])));
    return unsent.flat();
  }
}

let lazyHandler: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;

export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => {
  lazyHandler ??= createHandler(process.env);
  return lazyHandler(event);
};
