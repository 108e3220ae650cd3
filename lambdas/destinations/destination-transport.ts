import type { DeliveryResult, DestinationAdapter, SendContext } from '../core/destination-adapter';
import type { Destination } from '../core/model';

/**
 * A destination type is two files. `<type>.adapter.ts` holds everything the API and the sweeper need
 * (schemas, metadata, masking, target checks, describeTarget and the pure `format`) and imports no
 * SDK or broker client. `<type>.transport.ts` does the I/O with that type's client and is loaded only
 * by the function that delivers the type, so no other bundle carries its client (registry.ts).
 */
export type DestinationDefinition<TRequest = unknown> = Omit<DestinationAdapter<TRequest>, 'send'>;

export interface DestinationTransport<TRequest = unknown> {
  send(request: TRequest, destination: Destination, ctx: SendContext): Promise<DeliveryResult>;
  /** Closes the connections and clients it keeps across deliveries (local runtime stop, tests). */
  close?(): Promise<void>;
}

/** What a `<type>.transport.ts` module exports. */
export interface TransportModule<TRequest = unknown> {
  transport: DestinationTransport<TRequest>;
}
