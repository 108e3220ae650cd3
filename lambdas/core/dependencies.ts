import type { AlertSink } from './alerts';
import type { Config } from './config';
import type { DestinationAdapter } from './destination-adapter';
import type {
  AttemptRepository,
  Clock,
  DeliveryRepository,
  DestinationHealthRepository,
  DestinationRepository,
  EventRepository,
  TaskQueue,
  TenantRepository,
} from './ports';

/** Looks up a destination type's adapter; undefined for an unknown type. */
export type AdapterLookup = (type: string) => DestinationAdapter | undefined;

/**
 * Everything the core's use cases need, built once per Lambda container by
 * lambdas/handlers/dependencies.ts (the composition root) and passed in explicitly.
 */
export interface AppDependencies {
  config: Config;
  clock: Clock;
  tenants: TenantRepository;
  destinations: DestinationRepository;
  events: EventRepository;
  deliveries: DeliveryRepository;
  attempts: AttemptRepository;
  health: DestinationHealthRepository;
  alerts: AlertSink;
  queue: TaskQueue;
  adapters: AdapterLookup;
  /** Every registered adapter, in registry order (GET /destination-types). */
  adapterList: readonly DestinationAdapter[];
}
