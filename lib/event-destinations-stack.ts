import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EventDestinations, type EventDestinationsProps } from './event-destinations';

export type { RetrySettings, RuntimeSettings } from './runtime-settings';

export interface EventDestinationsStackProps extends StackProps, EventDestinationsProps {}

/** A stack holding exactly one EventDestinations: what `cdk deploy` of this repository creates. */
export class EventDestinationsStack extends Stack {
  readonly eventDestinations: EventDestinations;

  constructor(scope: Construct, id: string, props: EventDestinationsStackProps = {}) {
    super(scope, id, props);
    // The id `Default` leaves the construct out of logical ids, so they are those of the resources
    // created before the construct existed and an update replaces nothing.
    this.eventDestinations = new EventDestinations(this, 'Default', props);
  }
}
