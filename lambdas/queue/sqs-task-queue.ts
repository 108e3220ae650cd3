import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { TasksNotEnqueuedError, type ScheduledTask, type TaskQueue } from '../core/ports';
import { sqsBatches } from './sqs-batches';

/** SQS refuses DelaySeconds above this; longer waits are reached in hops (see lambdas/core/deliver.ts). */
export const SQS_MAX_DELAY_SECONDS = 900;

/**
 * The delivery queues: one SQS queue per destination type, sent to in batches of up to ten that fit
 * one request, each entry with its own delay. A batch entry that SQS rejects is sent once more. Tasks that still did not get
 * in (rejected twice, their batch call failed, or no queue for their type) are reported by index in a
 * TasksNotEnqueuedError, so that a caller never reports a task as enqueued when it is not, and a
 * caller with many tasks (a deliver batch) can tell which ones.
 */
export class SqsTaskQueue implements TaskQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrls: Record<string, string>,
  ) {}

  async enqueue(tasks: ScheduledTask[]): Promise<void> {
    const failed: number[] = [];
    let cause: unknown;
    const byQueue = new Map<string, SendMessageBatchRequestEntry[]>();
    tasks.forEach(({ task, delaySeconds }, index) => {
      const queueUrl = this.queueUrls[task.destination_type];
      if (!queueUrl) {
        failed.push(index);
        cause ??= new Error(`no delivery queue for type ${task.destination_type}`);
        return;
      }
      const entries = byQueue.get(queueUrl) ?? [];
      entries.push({
        Id: String(index),
        MessageBody: JSON.stringify(task),
        DelaySeconds: Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds))),
      });
      byQueue.set(queueUrl, entries);
    });
    const batches = [...byQueue].flatMap(([queueUrl, entries]) =>
      sqsBatches(entries, (entry) => Buffer.byteLength(entry.MessageBody ?? '')).map((batch) => ({
        queueUrl,
        entries: batch,
      })),
    );
    const outcomes = await Promise.allSettled(
      batches.map(({ queueUrl, entries }) => this.sendBatch(queueUrl, entries)),
    );
    outcomes.forEach((outcome, position) => {
      if (outcome.status === 'rejected') cause ??= outcome.reason;
      const rejected = outcome.status === 'fulfilled' ? outcome.value : batches[position]!.entries;
      failed.push(...rejected.map((entry) => Number(entry.Id)));
    });
    if (failed.length > 0) {
      throw new TasksNotEnqueuedError(
        failed.sort((a, b) => a - b),
        { cause: cause ?? new Error('SQS rejected the entries twice') },
      );
    }
  }

  /** Sends one batch; resolves with the entries SQS rejected twice. */
  private async sendBatch(
    queueUrl: string,
    entries: SendMessageBatchRequestEntry[],
    isRetry = false,
  ): Promise<SendMessageBatchRequestEntry[]> {
    const result = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    const failedIds = new Set((result.Failed ?? []).map((entry) => entry.Id));
    const rejected = entries.filter((entry) => failedIds.has(entry.Id));
    if (rejected.length === 0 || isRetry) return rejected;
    return this.sendBatch(queueUrl, rejected, true);
  }
}
