import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRICS } from '../lambdas/handlers/metric-names';

/** Thresholds of the operational alarms. */
export interface AlarmThresholds {
  /**
   * Age of a delivery queue's oldest message that alarms. A retry waits at most 15 minutes in the
   * queue (SQS's delay cap) before it is received, so anything much older means deliverers are behind.
   * @default Duration.minutes(30)
   */
  readonly queueAge?: Duration;
  /**
   * Age of the ingest queue's oldest message that alarms. Nothing waits there on purpose (no delays),
   * so minutes mean the ingest Lambda is failing or throttled.
   * @default Duration.minutes(5)
   */
  readonly ingestQueueAge?: Duration;
  /** Percentage of failed delivery attempts of one destination type, over 5 minutes, that alarms. @default 25 */
  readonly failureRatePercent?: number;
  /** Attempts in 5 minutes below which the failure rate is not judged (a few failures are noise). @default 20 */
  readonly failureRateMinimumAttempts?: number;
  /** API 5xx responses in 5 minutes that alarm. @default 1 */
  readonly api5xxCount?: number;
}

export interface AlertingProps {
  /** Subscribed to the alerts topic by email (the address must confirm). @default - no subscription */
  readonly alertEmail?: string;
  /** Namespace of the handlers' EMF metrics. */
  readonly metricsNamespace: string;
  readonly thresholds?: AlarmThresholds;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

const PERIOD = Duration.minutes(5);

/**
 * The alerts topic (KMS-encrypted, TLS only) that every alarm and the deliverers' destination alerts
 * (thresholds, auto-disable, exhausted retries) publish to, and the alarms themselves.
 */
export class Alerting extends Construct {
  readonly topic: Topic;
  readonly key: Key;
  readonly alarms: Alarm[] = [];
  private readonly thresholds: Required<AlarmThresholds>;
  private readonly action: SnsAction;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AlertingProps,
  ) {
    super(scope, id);
    this.thresholds = {
      queueAge: props.thresholds?.queueAge ?? Duration.minutes(30),
      ingestQueueAge: props.thresholds?.ingestQueueAge ?? Duration.minutes(5),
      failureRatePercent: props.thresholds?.failureRatePercent ?? 25,
      failureRateMinimumAttempts: props.thresholds?.failureRateMinimumAttempts ?? 20,
      api5xxCount: props.thresholds?.api5xxCount ?? 1,
    };
    this.key = new Key(this, 'TopicKey', {
      description: 'event-destinations: alerts topic',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // CloudWatch publishes alarm notifications itself, so it must be able to use the topic's key: only
    // for this account's alarms in this region (no other account's alarm can use it: confused deputy).
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );
    this.topic = new Topic(this, 'Topic', {
      displayName: 'event-destinations alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    if (props.alertEmail) this.topic.addSubscription(new EmailSubscription(props.alertEmail));
    this.action = new SnsAction(this.topic);
  }

  /**
   * Publishing to the encrypted topic: sns:Publish on it, and the two KMS calls SNS makes with the
   * publisher's credentials (Topic.grantPublish would grant `kms:GenerateDataKey*`).
   */
  grantPublish(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    this.key.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
  }

  /** Any message in a dead-letter queue: a task failed for infrastructure reasons five times. */
  alarmOnDeadLetters(id: string, description: string, visibleMessages: Metric): Alarm {
    return this.alarm(id, description, visibleMessages.with({ statistic: 'Maximum', period: PERIOD }), {
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }

  /** A delivery queue's (or, with `ingest`, the ingest queue's) oldest message is older than its threshold. */
  alarmOnQueueAge(
    id: string,
    description: string,
    oldestMessageAge: Metric,
    queue: 'delivery' | 'ingest',
  ): Alarm {
    const threshold = queue === 'ingest' ? this.thresholds.ingestQueueAge : this.thresholds.queueAge;
    return this.alarm(id, description, oldestMessageAge.with({ statistic: 'Maximum', period: PERIOD }), {
      threshold: threshold.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  /** Failed / all attempts of one destination type, from the deliverers' EMF metrics. */
  alarmOnFailureRate(id: string, destinationType: string): Alarm {
    const attempts = (status: string) =>
      new Metric({
        namespace: this.props.metricsNamespace,
        metricName: METRICS.deliveryAttempts,
        dimensionsMap: { type: destinationType, status },
        statistic: 'Sum',
        period: PERIOD,
      });
    const minimum = this.thresholds.failureRateMinimumAttempts;
    // The deliverers emit a count only when it is above zero (HandlerMetrics.flush), so a period in
    // which every attempt failed has no `ok` datapoint: without FILL the sum would be empty there and
    // the alarm could never fire at 100 % failure.
    const attemptsMade = 'FILL(ok, 0) + FILL(failed, 0)';
    const rate = new MathExpression({
      expression: `IF(${attemptsMade} >= ${minimum}, 100 * FILL(failed, 0) / (${attemptsMade}), 0)`,
      usingMetrics: { ok: attempts('success'), failed: attempts('failed') },
      period: PERIOD,
      label: `${destinationType} failure rate (%)`,
    });
    return this.alarm(
      id,
      `More than ${this.thresholds.failureRatePercent} % of ${destinationType} delivery attempts failed in 5 minutes`,
      rate,
      {
        threshold: this.thresholds.failureRatePercent,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
    );
  }

  /** Errors and throttles of a function: either means tasks or requests were not handled. */
  alarmOnFunction(id: string, name: string, errors: Metric, throttles: Metric): Alarm[] {
    const anyOf = { threshold: 0, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD };
    return [
      this.alarm(
        `${id}Errors`,
        `${name} Lambda errors`,
        errors.with({ statistic: 'Sum', period: PERIOD }),
        anyOf,
      ),
      this.alarm(
        `${id}Throttles`,
        `${name} Lambda throttles`,
        throttles.with({ statistic: 'Sum', period: PERIOD }),
        anyOf,
      ),
    ];
  }

  alarmOnApiServerErrors(id: string, serverErrors: Metric): Alarm {
    return this.alarm(id, 'API 5xx responses', serverErrors.with({ statistic: 'Sum', period: PERIOD }), {
      threshold: this.thresholds.api5xxCount,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  private alarm(
    id: string,
    description: string,
    metric: IMetric,
    condition: { threshold: number; comparisonOperator: ComparisonOperator },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: `event-destinations: ${description}`,
      metric,
      ...condition,
      evaluationPeriods: 1,
      // No data is the healthy state for every one of these (no dead letters, no errors, no traffic).
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
