import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Attempt, DeliveryTask } from '../core/model';
import { METRICS } from './metric-names';

type Environment = Record<string, string | undefined>;
const PUBLISH_PATH = /^\/api\/v1\/publish\/?$/;
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * EMF metrics of one invocation, aggregated so that a batch of ten deliveries prints one line per
 * dimension set instead of one per record. Emitted only in AWS mode: locally nothing reads stdout's
 * EMF, and the lines would bury the logs.
 */
export class HandlerMetrics {
  private readonly attempts = new Map<string, number>();
  private readonly latencies = new Map<string, number[]>();
  private published = 0;

  private constructor(private readonly namespace: string | undefined) {}

  static fromEnvironment(env: Environment): HandlerMetrics {
    const enabled = env.DEPLOYMENT_MODE !== 'local';
    return new HandlerMetrics(enabled ? env[METRICS.namespaceVariable] : undefined);
  }

  /** Counts an accepted publish (`POST /api/v1/publish` answered 202); other responses are not metrics. */
  recordApiResponse(method: string, path: string, status: number): void {
    if (status === 202 && method === 'POST' && PUBLISH_PATH.test(path)) this.published += 1;
  }

  /**
   * One attempt, and for the first automatic attempt its latency: that task was enqueued by the
   * publish itself, so its message's send time (epoch ms, as SQS reports it) is the publish time.
   * Later attempts would measure the retry schedule, not latency.
   */
  recordAttempt(task: DeliveryTask, attempt: Attempt, sentTimestamp?: string): void {
    const key = JSON.stringify([task.destination_type, attempt.status]);
    this.attempts.set(key, (this.attempts.get(key) ?? 0) + 1);
    const sentAt = Number(sentTimestamp);
    const attemptedAt = Date.parse(attempt.time);
    if (task.attempt_number === 1 && !task.manual && sentAt > 0 && attemptedAt >= sentAt) {
      const values = this.latencies.get(task.destination_type) ?? [];
      this.latencies.set(task.destination_type, [...values, attemptedAt - sentAt]);
    }
  }

  /** Prints what was recorded since the last flush and forgets it. */
  flush(): void {
    if (this.namespace) {
      if (this.published > 0) this.emit({}, METRICS.publishedEvents, MetricUnit.Count, [this.published]);
      for (const [key, count] of this.attempts) {
        const [type, status] = JSON.parse(key) as [string, string];
        this.emit({ type, status }, METRICS.deliveryAttempts, MetricUnit.Count, [count]);
      }
      for (const [type, values] of this.latencies) {
        this.emit({ type }, METRICS.deliveryLatency, MetricUnit.Milliseconds, values);
      }
    }
    this.published = 0;
    this.attempts.clear();
    this.latencies.clear();
  }

  private emit(dimensions: Record<string, string>, name: string, unit: Unit, values: number[]): void {
    const metrics = new Metrics({ namespace: this.namespace });
    // Alarms match dimensions exactly; Powertools' default `service` dimension would be one more.
    metrics.clearDefaultDimensions();
    metrics.addDimensions(dimensions);
    for (const value of values) metrics.addMetric(name, unit, value);
    metrics.publishStoredMetrics();
  }
}
