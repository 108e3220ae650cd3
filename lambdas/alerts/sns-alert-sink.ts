import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert, AlertSink } from '../core/alerts';

/** The deployment's SNS alerts topic: e-mail, SMS and chat subscriptions hang off it. */
export class SnsAlertSink implements AlertSink {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: Alert): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: `${alert.topic} (${alert.tenant_id}/${alert.data.destination.id})`.slice(0, 100),
        Message: JSON.stringify(alert),
        MessageAttributes: {
          topic: { DataType: 'String', StringValue: alert.topic },
          tenant_id: { DataType: 'String', StringValue: alert.tenant_id },
        },
      }),
    );
  }
}
