import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { ScheduledTask, TaskQueue } from '../core/ports';

/** SQS refuses DelaySeconds above this; longer waits are reached in hops (see lambdas/core/deliver.ts). */
export const SQS_MAX_DELAY_SECONDS = 900;
const SQS_MAX_BATCH = 10;

export class UnknownDeliveryQueueError extends Error {}

export class TaskQueueSendError extends Error {}

/**
 * The delivery queues: one SQS queue per destination type, sent to in batches of ten. A batch entry
 * that SQS rejects is sent once more; if it fails again the whole call fails, so that the caller never
 * reports a task as enqueued when it is not.
 */
export class SqsTaskQueue implements TaskQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrls: Record<string, string>,
  ) {}

  async enqueue(tasks: ScheduledTask[]): Promise<void> {
    const byQueue = new Map<string, SendMessageBatchRequestEntry[]>();
    tasks.forEach(({ task, delaySeconds }, index) => {
      const queueUrl = this.queueUrls[task.destination_type];
      if (!queueUrl)
        throw new UnknownDeliveryQueueError(`no delivery queue for type ${task.destination_type}`);
      const entries = byQueue.get(queueUrl) ?? [];
      entries.push({
        Id: String(index),
        MessageBody: JSON.stringify(task),
        DelaySeconds: Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds))),
      });
      byQueue.set(queueUrl, entries);
    });
    const sends: Promise<void>[] = [];
    for (const [queueUrl, entries] of byQueue) {
      for (let start = 0; start < entries.length; start += SQS_MAX_BATCH) {
        sends.push(this.sendBatch(queueUrl, entries.slice(start, start + SQS_MAX_BATCH)));
      }
    }
    await Promise.all(sends);
  }

  private async sendBatch(
    queueUrl: string,
    entries: SendMessageBatchRequestEntry[],
    isRetry = false,
  ): Promise<void> {
    const result = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    const failed = result.Failed ?? [];
    if (failed.length === 0) return;
    if (isRetry) {
      throw new TaskQueueSendError(`SQS rejected ${failed.length} task(s): ${failed[0]?.Code ?? 'unknown'}`);
    }
    const failedIds = new Set(failed.map((entry) => entry.Id));
    await this.sendBatch(
      queueUrl,
      entries.filter((entry) => failedIds.has(entry.Id)),
      true,
    );
  }
}
