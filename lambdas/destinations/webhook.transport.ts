import type { DestinationTransport } from './destination-transport';
import { destroyHttpAgents, httpPost } from './http-delivery';
import type { WebhookRequest } from './webhook.adapter';

export const transport: DestinationTransport<WebhookRequest> = {
  send: (request, _destination, ctx) =>
    httpPost(request, {
      timeoutMs: ctx.timeoutMs,
      responseCapBytes: ctx.responseCapBytes,
      guardTargets: !ctx.allowPrivateTargets,
    }),
  close: async () => destroyHttpAgents(),
};
