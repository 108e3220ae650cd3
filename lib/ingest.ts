import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function';
import { feedFromQueue, visibilityTimeoutFor } from './queue-source';

export interface IngestProps {
  /** @default Duration.seconds(30) */
  readonly functionTimeout?: Duration;
  /** @default 512 (the same work per event as the API's publish) */
  readonly memorySize?: number;
  /** Receives (outages) before a message moves to the DLQ without a reason. @default 5 */
  readonly maxReceiveCount?: number;
  /**
   * Concurrent ingest Lambdas: bounds the write rate a burst of queued events puts on the tables and
   * the Lambdas it takes from the account's concurrency. @default 20
   */
  readonly maxConcurrency?: number;
  /** Removal policy of the function's log group. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Publishing from a queue: an SQS queue the producer's backend sends POST /publish bodies to (up to
 * ten per SendMessageBatch, no API Gateway request per event), its DLQ, and the ingest Lambda that
 * publishes them. Malformed messages are moved to the DLQ by the handler with a `reason` attribute;
 * messages that keep failing for an outage reach it through the redrive policy.
 */
export class Ingest extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly handler: HandlerFunction;

  constructor(scope: Construct, id: string, props: IngestProps = {}) {
    super(scope, id);
    const functionTimeout = props.functionTimeout ?? Duration.seconds(30);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: visibilityTimeoutFor(functionTimeout),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    this.handler = new HandlerFunction(this, 'Handler', {
      entry: 'lambdas/handlers/ingest.handler.ts',
      description: 'event-destinations: publishes events sent to the ingest queue',
      timeout: functionTimeout,
      memorySize: props.memorySize ?? 512,
      removalPolicy: props.removalPolicy,
    });
    this.handler.addEnvironment('INGEST_DEAD_LETTER_QUEUE_URL', this.deadLetterQueue.queueUrl);
    this.deadLetterQueue.grantSendMessages(this.handler);
    feedFromQueue(this.handler, this.queue, props.maxConcurrency ?? 20);
  }
}
