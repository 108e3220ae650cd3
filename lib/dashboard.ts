import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, Metric, type IWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct } from 'constructs';
import { ATTEMPT_STATUSES, METRICS } from '../lambdas/handlers/metric-names';
import type { DeliveryPipeline } from './delivery';
import type { Ingest } from './ingest';

export interface OperationsDashboardProps {
  readonly metricsNamespace: string;
  readonly pipelines: ReadonlyMap<string, DeliveryPipeline>;
  readonly httpApi: HttpApi;
  /** The ingest queue producers may publish through, and its dead-letter queue. */
  readonly ingest: Pick<Ingest, 'queue' | 'deadLetterQueue'>;
}

const PERIOD = Duration.minutes(1);
const WIDE = 12;

/** One page for an operator: publish rate, deliveries by type and status, latency, queues, API, ingest. */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const metric = (
      metricName: string,
      dimensionsMap: Record<string, string>,
      statistic: string,
      label: string,
    ) =>
      new Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap,
        statistic,
        period: PERIOD,
        label,
      });
    const { ingest } = props;
    const types = [...props.pipelines.keys()];
    const queues = [...props.pipelines.entries()];
    const graph = (title: string, left: Metric[], width = WIDE): IWidget =>
      new GraphWidget({ title, left, width, height: 6 });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          graph('Published events / min', [metric(METRICS.publishedEvents, {}, 'Sum', 'published')]),
          graph('API requests and errors / min', [
            props.httpApi.metricCount({ period: PERIOD, label: 'requests' }),
            props.httpApi.metricClientError({ period: PERIOD, label: '4xx' }),
            props.httpApi.metricServerError({ period: PERIOD, label: '5xx' }),
          ]),
        ],
        [
          graph(
            'Delivery attempts / min by type and status',
            types.flatMap((type) =>
              ATTEMPT_STATUSES.map((status) =>
                metric(METRICS.deliveryAttempts, { type, status }, 'Sum', `${type} ${status}`),
              ),
            ),
          ),
          graph(
            'Publish → first attempt latency (ms), p50 / p90 / p99',
            types.flatMap((type) =>
              ['p50', 'p90', 'p99'].map((statistic) =>
                metric(METRICS.deliveryLatency, { type }, statistic, `${type} ${statistic}`),
              ),
            ),
          ),
        ],
        [
          graph(
            'Delivery queue depth (visible + delayed)',
            queues.flatMap(([type, { queue }]) => [
              queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: `${type} visible` }),
              queue.metricApproximateNumberOfMessagesDelayed({ period: PERIOD, label: `${type} delayed` }),
            ]),
          ),
          graph(
            'Oldest message age (s) and dead letters',
            queues.flatMap(([type, { queue, deadLetterQueue }]) => [
              queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, label: `${type} age` }),
              deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                period: PERIOD,
                label: `${type} dead letters`,
              }),
            ]),
          ),
        ],
        [
          graph('Ingest queue depth and dead letters', [
            ingest.queue.metricApproximateNumberOfMessagesVisible({
              period: PERIOD,
              label: 'ingest visible',
            }),
            ingest.queue.metricApproximateNumberOfMessagesNotVisible({
              period: PERIOD,
              label: 'ingest in flight',
            }),
            ingest.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period: PERIOD,
              label: 'ingest dead letters',
            }),
          ]),
          graph('Ingest queue oldest message age (s)', [
            ingest.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, label: 'ingest age' }),
          ]),
        ],
      ],
    });
  }
}
