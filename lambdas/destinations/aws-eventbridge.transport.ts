import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { awsClientFor, awsTransport, delivered, sendAws } from './aws-client';
import { awsTarget } from './aws-endpoint';
import { ACCESS_DENIED } from './aws-errors';
import { regionOfEventBus, type EventBridgeRequest } from './aws-eventbridge.adapter';

/** Per-entry errors worth retrying, as for a whole request (aws-errors.ts); the rest (ResourceNotFound, validation) are not. */
const RETRYABLE_ENTRY_ERRORS = new Set([
  'ThrottlingException',
  'InternalException',
  'InternalFailure',
  ...ACCESS_DENIED,
]);

export const transport = awsTransport<EventBridgeRequest>('aws_eventbridge', (request, destination, ctx) => {
  const target = awsTarget(destination.config, regionOfEventBus(destination.config.event_bus_name ?? ''));
  const client = awsClientFor(destination, target, ctx, (config) => new EventBridgeClient(config));
  return sendAws(
    target,
    ctx,
    (abortSignal) => client.send(new PutEventsCommand({ Entries: [request.entry] }), { abortSignal }),
    (output) => {
      const entry = output.Entries?.[0];
      if ((output.FailedEntryCount ?? 0) === 0 && entry?.EventId !== undefined) {
        return delivered({ event_id: entry.EventId });
      }
      const code = entry?.ErrorCode ?? 'FailedEntry';
      return {
        ok: false,
        code,
        retryable: RETRYABLE_ENTRY_ERRORS.has(code),
        response: { error: entry?.ErrorMessage ?? 'EventBridge did not accept the entry' },
      };
    },
  );
});
