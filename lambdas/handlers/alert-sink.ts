import { Logger } from '@aws-lambda-powertools/logger';
import { SNSClient } from '@aws-sdk/client-sns';
import { HttpAlertSink } from '../alerts/http-alert-sink';
import { LogAlertSink } from '../alerts/log-alert-sink';
import { SnsAlertSink } from '../alerts/sns-alert-sink';
import { FanOutAlertSink, type AlertSink, type AlertTopic } from '../core/alerts';
import type { Config } from '../core/config';
import { awsClientOptions, type AwsInstrumentation } from './dependencies';

type Environment = Record<string, string | undefined>;

const alertLogger = new Logger({ serviceName: 'alerts' });

/** Every configured alert channel; a failing channel is logged and never fails a delivery. */
export function createAlertSink(
  config: Config,
  env: Environment,
  instrumentation?: AwsInstrumentation,
): AlertSink {
  const aws = awsClientOptions(env);
  const channels: { sink: AlertSink; topics: readonly AlertTopic[] | '*' }[] = [];
  if (config.alerts.snsTopicArn) {
    const sns = new SNSClient({ ...aws, endpoint: env.AWS_ENDPOINT_URL_SNS });
    instrumentation?.instrumentClient?.(sns);
    channels.push({ sink: new SnsAlertSink(sns, config.alerts.snsTopicArn), topics: '*' });
  }
  if (config.alerts.httpUrl) {
    channels.push({
      sink: new HttpAlertSink(
        config.alerts.httpUrl,
        config.alerts.httpSigningSecret,
        config.delivery.timeoutMs,
      ),
      topics: config.alerts.topics,
    });
  }
  if (config.mode === 'local') {
    channels.push({
      sink: new LogAlertSink((message, details) => alertLogger.warn(message, details)),
      topics: '*',
    });
  }
  return new FanOutAlertSink(channels, (error, alert) =>
    alertLogger.error('alert channel failed', {
      alert_id: alert.id,
      topic: alert.topic,
      error: error as Error,
    }),
  );
}
