import type { Alert, AlertSink } from '../core/alerts';
import { signatureHeaders } from '../core/signing';
import { httpPost } from '../destinations/http-delivery';

export class AlertDeliveryError extends Error {}

/**
 * Outpost's operator-events HTTP sink (`OPERATOR_EVENTS_HTTP_URL`), signed per Standard Webhooks with
 * `OPERATOR_EVENTS_HTTP_SIGNING_SECRET`. The URL is the operator's own, so private targets are allowed.
 */
export class HttpAlertSink implements AlertSink {
  constructor(
    private readonly url: string,
    private readonly signingSecret: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  async publish(alert: Alert): Promise<void> {
    const body = JSON.stringify(alert);
    const signature = this.signingSecret
      ? signatureHeaders({
          format: 'standard',
          messageId: alert.id,
          timestamp: new Date(alert.time),
          body,
          secrets: [this.signingSecret],
        })
      : {};
    const result = await httpPost(
      { url: this.url, headers: { 'content-type': 'application/json', ...signature }, body },
      { timeoutMs: this.timeoutMs, responseCapBytes: 4096, guardTargets: false },
    );
    if (!result.ok) throw new AlertDeliveryError(`alert sink answered ${result.code}`);
  }
}
