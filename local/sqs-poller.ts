import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttributes,
  SQSRecord,
  SQSRecordAttributes,
} from 'aws-lambda';
import { LOCAL_REGION } from './sqs-emulator';

/**
 * An SQS event source mapping on this machine: concurrent loops that receive batches, invoke the
 * handler with the SQSEvent Lambda would build, and delete what the handler did not report as failed.
 * Failed records come back after the visibility timeout; the queue's redrive policy (fauxqs applies
 * it on receive) moves them to the DLQ at maxReceiveCount.
 */

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface SqsPollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsHandler;
  /** Records per invocation (Lambda's BatchSize). */
  batchSize: number;
  /** How long to gather a batch before invoking with fewer records (MaximumBatchingWindowInSeconds). */
  maximumBatchingWindowSeconds: number;
  /** FunctionResponseTypes includes ReportBatchItemFailures. */
  reportBatchItemFailures: boolean;
  /** Concurrent invocations (ScalingConfig.MaximumConcurrency), capped at LOCAL_MAX_CONCURRENCY. */
  maximumConcurrency?: number;
  log?: (line: string) => void;
}

export interface SqsPoller {
  /** Stops receiving and resolves once the batches in flight are handled. */
  stop(): Promise<void>;
}

/** Beyond a few loops a 2-core machine only gets slower. */
export const LOCAL_MAX_CONCURRENCY = 4;
/** Short long-polls keep stop() prompt. */
const WAIT_TIME_SECONDS = 1;
const SQS_MAX_RECEIVE = 10;
const ERROR_BACKOFF_MS = 1000;

export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const log = options.log ?? (() => undefined);
  const concurrency = Math.min(options.maximumConcurrency ?? LOCAL_MAX_CONCURRENCY, LOCAL_MAX_CONCURRENCY);
  let stopping = false;
  const backoffWakers = new Set<() => void>();

  const loop = async (): Promise<void> => {
    while (!stopping) {
      try {
        const messages = await receiveBatch(options, () => stopping);
        if (messages.length > 0) await invoke(options, messages, log);
      } catch (error) {
        log(`poller ${options.queueArn}: ${String(error)}`);
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            clearTimeout(timer);
            backoffWakers.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, ERROR_BACKOFF_MS);
          backoffWakers.add(wake);
        });
      }
    }
  };
  const loops = Array.from({ length: Math.max(1, concurrency) }, loop);
  return {
    async stop() {
      stopping = true;
      for (const wake of [...backoffWakers]) wake();
      await Promise.all(loops);
    },
  };
}

/** Receives until the batch is full, the batching window has passed, or a receive comes back empty. */
async function receiveBatch(options: SqsPollerOptions, stopping: () => boolean): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + options.maximumBatchingWindowSeconds * 1000;
  do {
    const received = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(SQS_MAX_RECEIVE, options.batchSize - messages.length),
        WaitTimeSeconds: WAIT_TIME_SECONDS,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const batch = received.Messages ?? [];
    messages.push(...batch);
    if (batch.length === 0 && messages.length > 0) break;
  } while (
    messages.length < options.batchSize &&
    messages.length > 0 &&
    Date.now() < deadline &&
    !stopping()
  );
  return messages;
}

async function invoke(
  options: SqsPollerOptions,
  messages: Message[],
  log: (line: string) => void,
): Promise<void> {
  const records = messages.map((message) => toRecord(message, options.queueArn));
  let response: SQSBatchResponse | void;
  try {
    response = await options.handler({ Records: records });
  } catch (error) {
    // Like Lambda: the whole batch returns to the queue after its visibility timeout.
    log(`handler for ${options.queueArn} threw: ${String(error)}`);
    return;
  }
  const toDelete = recordsToDelete(records, options.reportBatchItemFailures ? response : undefined);
  for (let start = 0; start < toDelete.length; start += SQS_MAX_RECEIVE) {
    const chunk = toDelete.slice(start, start + SQS_MAX_RECEIVE);
    const result = await options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
    for (const failure of result.Failed ?? []) {
      log(`could not delete a message from ${options.queueArn}: ${failure.Code} ${failure.Message ?? ''}`);
    }
  }
}

/**
 * Lambda's partial batch response rules: every record not listed is done; a malformed response (an
 * identifier that is empty or not in the batch) fails the whole batch.
 */
function recordsToDelete(records: SQSRecord[], response: SQSBatchResponse | void): SQSRecord[] {
  const failures = response?.batchItemFailures ?? [];
  const ids = new Set(records.map((record) => record.messageId));
  if (
    failures.some(
      (failure) => typeof failure?.itemIdentifier !== 'string' || !ids.has(failure.itemIdentifier),
    )
  ) {
    return [];
  }
  const failed = new Set(failures.map((failure) => failure.itemIdentifier));
  return records.filter((record) => !failed.has(record.messageId));
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: (message.Attributes ?? {}) as unknown as SQSRecordAttributes,
    messageAttributes: toRecordAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

/** Lambda's camel-cased message attributes, binary values base64-encoded. */
function toRecordAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const base64 = (value: Uint8Array): string => Buffer.from(value).toString('base64');
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map(base64),
        dataType: value.DataType ?? 'String',
      },
    ]),
  );
}
