import { Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ALERT_TOPICS } from '../lambdas/core/alerts';
import type { HandlerFunction } from './handler-function';

/** Outpost's operator events: destination alerts POSTed to an endpoint of the operator's. */
export interface OperatorEventsSettings {
  /** `https://` endpoint receiving the alerts (OPERATOR_EVENTS_HTTP_URL). */
  readonly httpUrl: string;
  /**
   * Alert topics sent to it (OPERATOR_EVENTS_TOPICS), from `alert.destination.consecutive_failure`,
   * `alert.attempt.exhausted_retries`, `alert.destination.disabled`, `alert.destination.recovered`.
   * @default ['*'] (every alert)
   */
  readonly topics?: string[];
}

/** Synth-time validation, so a typo fails `cdk synth` rather than every deliver cold start. */
function validate(settings: OperatorEventsSettings): void {
  let url: URL | undefined;
  try {
    url = new URL(settings.httpUrl);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:') {
    throw new Error(
      `operatorEvents.httpUrl must be an https:// URL, got ${JSON.stringify(settings.httpUrl)}`,
    );
  }
  const allowed: readonly string[] = ['*', ...ALERT_TOPICS];
  const unknown = (settings.topics ?? []).filter((topic) => !allowed.includes(topic));
  if (unknown.length > 0) {
    throw new Error(
      `operatorEvents.topics: unknown ${unknown.join(', ')}; expected * or ${ALERT_TOPICS.join(', ')}`,
    );
  }
}

/**
 * The operator-events HTTP sink of the deliver functions (they raise every alert): its URL and topics
 * in their environment, and a generated Standard Webhooks signing secret in Secrets Manager that only
 * they read, by ARN (lambdas/handlers/secrets.ts), so the secret never appears in the template.
 */
export class OperatorEvents extends Construct {
  readonly signingSecret: Secret;
  private readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, settings: OperatorEventsSettings) {
    super(scope, id);
    validate(settings);
    this.signingSecret = new Secret(this, 'SigningSecret', {
      description:
        'event-destinations: signs operator events (Standard Webhooks) sent to OPERATOR_EVENTS_HTTP_URL',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(this.signingSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "No rotation Lambda on purpose: the operator's alert endpoint verifies with this secret, so an " +
        'unannounced rotation drops every alert. The operator rotates it with `put-secret-value` once the ' +
        'endpoint accepts the new value (docs/deploy.md, "Operator events"); new containers read it.',
    });
    this.environment = {
      OPERATOR_EVENTS_HTTP_URL: settings.httpUrl,
      OPERATOR_EVENTS_TOPICS: (settings.topics?.length ? settings.topics : ['*']).join(','),
      OPERATOR_EVENTS_HTTP_SIGNING_SECRET_ARN: this.signingSecret.secretArn,
    };
  }

  /** Lets a deliver function send operator events: the settings in its environment, the secret readable. */
  attachTo(handler: HandlerFunction): void {
    for (const [name, value] of Object.entries(this.environment)) handler.addEnvironment(name, value);
    this.signingSecret.grantRead(handler);
  }
}
