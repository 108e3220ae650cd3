import type { Alert, AlertSink } from '../core/alerts';

/** Local mode writes every alert to the log, so a developer sees them without configuring a sink. */
export class LogAlertSink implements AlertSink {
  constructor(private readonly log: (message: string, details: Record<string, unknown>) => void) {}

  async publish(alert: Alert): Promise<void> {
    this.log('operator alert', {
      alert_id: alert.id,
      topic: alert.topic,
      tenant_id: alert.tenant_id,
      destination_id: alert.data.destination.id,
      consecutive_failures: alert.data.consecutive_failures,
    });
  }
}
