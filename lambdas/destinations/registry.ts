import type { DestinationAdapter } from '../core/destination-adapter';
import { awsEventBridgeAdapter } from './aws-eventbridge.adapter';
import { awsKinesisAdapter } from './aws-kinesis.adapter';
import { awsS3Adapter } from './aws-s3.adapter';
import { awsSnsAdapter } from './aws-sns.adapter';
import { awsSqsAdapter } from './aws-sqs.adapter';
import type { DestinationDefinition, DestinationTransport, TransportModule } from './destination-transport';
import { gcpPubSubAdapter } from './gcp-pubsub.adapter';
import { kafkaAdapter } from './kafka.adapter';
import { rabbitmqAdapter } from './rabbitmq.adapter';
import { webhookAdapter } from './webhook.adapter';

/** Loads a type's transport module; `false` where the bundle leaves it out. */
type TransportLoader<TRequest> = false | (() => Promise<TransportModule<TRequest>>);

/** The transports of this bundle, whether loaded yet or not. */
const bundledTransports: Array<{ load(): Promise<unknown>; close(): Promise<void> }> = [];

/** A type's definition with its transport behind `send`, loaded once, on first use or by preload. */
function withTransport<TRequest>(
  definition: DestinationDefinition<TRequest>,
  load: TransportLoader<TRequest>,
): DestinationAdapter<TRequest> {
  let transport: Promise<DestinationTransport<TRequest>> | undefined;
  const loaded = (): Promise<DestinationTransport<TRequest>> => {
    if (load === false) {
      // Queues are per type, so only a misrouted task gets here; failing it sends it to the DLQ.
      return Promise.reject(new Error(`this function's bundle has no ${definition.type} transport`));
    }
    transport ??= load().then((module) => module.transport);
    return transport;
  };
  if (load !== false) {
    bundledTransports.push({
      load: loaded,
      close: async () => (await transport)?.close?.(),
    });
  }
  return {
    ...definition,
    send: async (request, destination, ctx) => (await loaded()).send(request, destination, ctx),
  };
}

/**
 * Every destination type, in the order GET /destination-types lists them: one entry per type. The
 * API's type union, GET /destination-types, the stack's per-type queues and Lambdas, and the shared
 * adapter contract tests all follow from this list.
 *
 * `process.env.BUNDLED_TRANSPORT` is replaced when esbuild bundles a function (lib/handler-function.ts):
 * by the type a deliver function delivers, by '' in the api and the sweeper. Each entry's test then
 * folds to a constant and esbuild leaves out the transport, with its SDK or broker client, of every
 * type the function does not deliver. Unbundled (the local runtime from sources, tests) it is unset
 * and every transport loads on first use.
 */
export const DESTINATION_ADAPTERS: readonly DestinationAdapter[] = [
  withTransport(
    webhookAdapter,
    (process.env.BUNDLED_TRANSPORT ?? 'webhook') === 'webhook' && (() => import('./webhook.transport')),
  ),
  withTransport(
    awsSqsAdapter,
    (process.env.BUNDLED_TRANSPORT ?? 'aws_sqs') === 'aws_sqs' && (() => import('./aws-sqs.transport')),
  ),
  withTransport(
    awsSnsAdapter,
    (process.env.BUNDLED_TRANSPORT ?? 'aws_sns') === 'aws_sns' && (() => import('./aws-sns.transport')),
  ),
  withTransport(
    awsEventBridgeAdapter,
    (process.env.BUNDLED_TRANSPORT ?? 'aws_eventbridge') === 'aws_eventbridge' &&
      (() => import('./aws-eventbridge.transport')),
  ),
  withTransport(
    awsKinesisAdapter,
    (process.env.BUNDLED_TRANSPORT ?? 'aws_kinesis') === 'aws_kinesis' &&
      (() => import('./aws-kinesis.transport')),
  ),
  withTransport(
    awsS3Adapter,
    (process.env.BUNDLED_TRANSPORT ?? 'aws_s3') === 'aws_s3' && (() => import('./aws-s3.transport')),
  ),
  withTransport(
    rabbitmqAdapter,
    (process.env.BUNDLED_TRANSPORT ?? 'rabbitmq') === 'rabbitmq' && (() => import('./rabbitmq.transport')),
  ),
  withTransport(
    kafkaAdapter,
    (process.env.BUNDLED_TRANSPORT ?? 'kafka') === 'kafka' && (() => import('./kafka.transport')),
  ),
  withTransport(
    gcpPubSubAdapter,
    (process.env.BUNDLED_TRANSPORT ?? 'gcp_pubsub') === 'gcp_pubsub' &&
      (() => import('./gcp-pubsub.transport')),
  ),
];

/**
 * Loads now the transports this bundle carries, so that a deliver function initialises its one
 * client in the Lambda init phase rather than in its first delivery. Unbundled (the local runtime
 * from sources, tests) it does nothing: there every transport loads on first use.
 */
export async function preloadBundledTransports(): Promise<void> {
  if (process.env.BUNDLED_TRANSPORT === undefined) return;
  await Promise.all(bundledTransports.map((transport) => transport.load()));
}

/** Closes the connections and clients of every transport loaded so far (local runtime stop, tests). */
export async function closeTransports(): Promise<void> {
  await Promise.all(bundledTransports.map((transport) => transport.close()));
}

export const DESTINATION_TYPES: readonly string[] = DESTINATION_ADAPTERS.map((adapter) => adapter.type);

const byType = new Map(DESTINATION_ADAPTERS.map((adapter) => [adapter.type, adapter]));

export function adapterFor(type: string): DestinationAdapter | undefined {
  return byType.get(type);
}
