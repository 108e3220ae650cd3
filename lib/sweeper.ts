import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function';

export interface SweeperProps {
  /** How often the outbox is swept. @default Duration.minutes(1) */
  readonly interval?: Duration;
  /** Removal policy of the function's log group. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The outbox sweeper: on a schedule, re-enqueues deliveries that are due but whose enqueue was lost
 * (a crash between "persisted" and "enqueued"), so no event is stranded.
 */
export class Sweeper extends Construct {
  readonly handler: HandlerFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: SweeperProps = {}) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Handler', {
      entry: 'lambdas/handlers/sweeper.handler.ts',
      description: 'event-destinations: re-enqueues deliveries whose enqueue was lost',
      timeout: Duration.seconds(60),
      // The next tick sweeps again, so a failed sweep is not worth retrying.
      retryAttempts: 0,
      removalPolicy: props.removalPolicy,
    });
    this.rule = new Rule(this, 'Schedule', {
      description: 'event-destinations: outbox sweep',
      schedule: Schedule.rate(props.interval ?? Duration.minutes(1)),
      targets: [new LambdaFunction(this.handler)],
    });
  }
}
