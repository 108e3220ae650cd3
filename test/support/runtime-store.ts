import { DynamoDeliveryRepository } from '../../lambdas/store/deliveries.repository';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { DynamoEventRepository } from '../../lambdas/store/events.repository';
import type { LocalRuntime } from '../../local/runtime';

export interface RuntimeStore {
  events: DynamoEventRepository;
  deliveries: DynamoDeliveryRepository;
  close(): void;
}

/**
 * The runtime's own tables through the store's repositories, for tests that set up what a crash
 * leaves behind (an event without its deliveries, a delivery whose task never reached the queue)
 * and read the delivery ledger the API does not show in full.
 */
export function runtimeStore(runtime: LocalRuntime): RuntimeStore {
  const client = createDocumentClient({
    region: 'us-east-1',
    endpoint: runtime.dynamoEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const table = runtime.env.EVENTS_TABLE!;
  const retentionDays = Number(runtime.env.EVENT_RETENTION_DAYS ?? 30);
  return {
    events: new DynamoEventRepository(client, table, retentionDays),
    deliveries: new DynamoDeliveryRepository(client, table, retentionDays),
    close: () => client.destroy(),
  };
}
