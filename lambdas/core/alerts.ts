import { randomUUID } from 'node:crypto';
import type { Attempt, Destination, Event } from './model';

/** Operator event topics, Outpost's names where Outpost has them. */
export type AlertTopic =
  | 'alert.destination.consecutive_failure'
  | 'alert.attempt.exhausted_retries'
  | 'alert.destination.disabled'
  | 'alert.destination.recovered';

export const ALERT_TOPICS: readonly AlertTopic[] = [
  'alert.destination.consecutive_failure',
  'alert.attempt.exhausted_retries',
  'alert.destination.disabled',
  'alert.destination.recovered',
];

export interface ConsecutiveFailures {
  current: number;
  /** The deployment's (or destination's) failure threshold. */
  max: number;
  /** Percentage of `max` this alert is about (50, 70, 90, 100). */
  threshold: number;
}

/** The envelope every channel receives: `{id, topic, time, tenant_id, data}`. */
export interface Alert {
  id: string;
  topic: AlertTopic;
  time: string;
  tenant_id: string;
  data: {
    destination: AlertDestination;
    event?: AlertEvent;
    attempt?: AlertAttempt;
    consecutive_failures: ConsecutiveFailures;
  };
}

/** The destination as an alert shows it: no credentials, ever. */
export type AlertDestination = Pick<
  Destination,
  'id' | 'tenant_id' | 'type' | 'topics' | 'config' | 'disabled_at' | 'metadata'
>;
export type AlertEvent = Pick<Event, 'id' | 'topic' | 'time' | 'metadata'>;
export type AlertAttempt = Pick<
  Attempt,
  'id' | 'attempt_number' | 'status' | 'code' | 'time' | 'manual' | 'response_data'
>;

/** Where alerts go (SNS topic, signed HTTP sink, log). Implementations must not throw into delivery. */
export interface AlertSink {
  publish(alert: Alert): Promise<void>;
}

export function buildAlert(
  topic: AlertTopic,
  now: Date,
  destination: Destination,
  consecutiveFailures: ConsecutiveFailures,
  context: { event?: Event; attempt?: Attempt } = {},
): Alert {
  return {
    id: `alt_${randomUUID().replace(/-/g, '')}`,
    topic,
    time: now.toISOString(),
    tenant_id: destination.tenant_id,
    data: {
      destination: {
        id: destination.id,
        tenant_id: destination.tenant_id,
        type: destination.type,
        topics: destination.topics,
        config: destination.config,
        disabled_at: destination.disabled_at,
        metadata: destination.metadata,
      },
      ...(context.event
        ? {
            event: {
              id: context.event.id,
              topic: context.event.topic,
              time: context.event.time,
              metadata: context.event.metadata,
            },
          }
        : {}),
      ...(context.attempt
        ? {
            attempt: {
              id: context.attempt.id,
              attempt_number: context.attempt.attempt_number,
              status: context.attempt.status,
              code: context.attempt.code,
              time: context.attempt.time,
              manual: context.attempt.manual,
              response_data: context.attempt.response_data,
            },
          }
        : {}),
      consecutive_failures: consecutiveFailures,
    },
  };
}

/**
 * Sends each alert to every channel whose topic list includes it. A channel that fails is reported to
 * `onError` and never throws: alert delivery must not block or fail event delivery.
 */
export class FanOutAlertSink implements AlertSink {
  constructor(
    private readonly channels: readonly { sink: AlertSink; topics: readonly AlertTopic[] | '*' }[],
    private readonly onError: (error: unknown, alert: Alert) => void,
  ) {}

  async publish(alert: Alert): Promise<void> {
    await Promise.all(
      this.channels
        .filter((channel) => channel.topics === '*' || channel.topics.includes(alert.topic))
        .map(async (channel) => {
          try {
            await channel.sink.publish(alert);
          } catch (error) {
            this.onError(error, alert);
          }
        }),
    );
  }
}
