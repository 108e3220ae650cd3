import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function';
import { feedFromQueue, visibilityTimeoutFor } from './queue-source';

/** Template metadata key naming the destination type a delivery queue carries (for the local runtime). */
export const DELIVERY_TYPE_METADATA_KEY = 'event-destinations:delivery-type';

export interface DeliveryProps {
  /** Destination types, one queue + DLQ + deliver Lambda each. */
  readonly destinationTypes: readonly string[];
  /** @default Duration.seconds(60) */
  readonly functionTimeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** Receives before a task moves to the DLQ. @default 5 */
  readonly maxReceiveCount?: number;
  /** Concurrent deliver Lambdas per type (bounds the load on tenants' endpoints). @default 50 */
  readonly maxConcurrency?: number;
  /** Removal policy of the functions' log groups. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** One destination type's delivery pipeline. */
export interface DeliveryPipeline {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly handler: HandlerFunction;
}

/**
 * Per destination type: an SQS queue `deliver-<type>` with its DLQ, and a deliver Lambda fed by an
 * event source mapping with partial batch failures. Every deliver Lambda may send to every queue
 * (manual retries and hops past SQS's 15-minute delay cap re-enqueue).
 */
export class Delivery extends Construct {
  readonly pipelines: ReadonlyMap<string, DeliveryPipeline>;
  /** Timeout of every deliver Lambda. */
  readonly functionTimeout: Duration;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    const functionTimeout = props.functionTimeout ?? Duration.seconds(60);
    this.functionTimeout = functionTimeout;
    const pipelines = new Map<string, DeliveryPipeline>();
    for (const type of props.destinationTypes) {
      pipelines.set(type, this.buildPipeline(type, functionTimeout, props));
    }
    for (const { handler } of pipelines.values()) {
      for (const { queue } of pipelines.values()) queue.grantSendMessages(handler);
    }
    this.pipelines = pipelines;
  }

  get queues(): Queue[] {
    return [...this.pipelines.values()].map((pipeline) => pipeline.queue);
  }

  get handlers(): HandlerFunction[] {
    return [...this.pipelines.values()].map((pipeline) => pipeline.handler);
  }

  private buildPipeline(type: string, functionTimeout: Duration, props: DeliveryProps): DeliveryPipeline {
    const scope = new Construct(this, type);
    // Prefixed with the stack name so that two stacks (say staging and production) fit one account.
    const queueName = `${Stack.of(this).stackName}-deliver-${type}`;
    const deadLetterQueue = new Queue(scope, 'DeadLetterQueue', {
      queueName: `${queueName}-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const queue = new Queue(scope, 'Queue', {
      queueName,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: visibilityTimeoutFor(functionTimeout),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    (queue.node.defaultChild as CfnQueue).addMetadata(DELIVERY_TYPE_METADATA_KEY, type);
    const handler = new HandlerFunction(scope, 'Handler', {
      entry: 'lambdas/handlers/deliver.handler.ts',
      description: `event-destinations: delivers ${type} tasks`,
      timeout: functionTimeout,
      memorySize: props.memorySize ?? 512,
      removalPolicy: props.removalPolicy,
      transport: type,
    });
    feedFromQueue(handler, queue, props.maxConcurrency ?? 50);
    return { queue, deadLetterQueue, handler };
  }
}
