/**
 * The package's public API: the EventDestinations construct to compose into an app of your own, and
 * the stack this repository deploys with `cdk deploy`.
 */
export {
  EventDestinations,
  type ApiThrottle,
  type CustomDomain,
  type EventDestinationsProps,
  type LogLevel,
} from './event-destinations';
export { EventDestinationsStack, type EventDestinationsStackProps } from './event-destinations-stack';
export type { AlarmThresholds } from './alerting';
export type { RetrySettings, RuntimeSettings } from './runtime-settings';
export type { OperatorEventsSettings } from './operator-events';
