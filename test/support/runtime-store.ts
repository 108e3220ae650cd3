import type { Delivery, Event } from '../../lambdas/core/model';
import { DynamoDeliveryRepository } from '../../lambdas/store/deliveries.repository';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { DynamoEventRepository } from '../../lambdas/store/events.repository';
import type { LocalRuntime } from '../../local/runtime';

export interface RuntimeStore {
  events: DynamoEventRepository;
  deliveries: DynamoDeliveryRepository;
  /**
   * What a publish leaves when it dies after its writes and before its enqueue: the event and its
   * queued webhook delivery, due 20 minutes ago (past the sweeper's grace), whose task never reached
   * the queue. Returns the delivery as stored.
   */
  storeLostDelivery(lost: {
    tenantId: string;
    eventId: string;
    destinationId: string;
    taskId: string;
    data: Event['data'];
  }): Promise<Delivery>;
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
  const events = new DynamoEventRepository(client, table, retentionDays);
  return {
    events,
    deliveries: new DynamoDeliveryRepository(client, table, retentionDays),
    async storeLostDelivery({ tenantId, eventId, destinationId, taskId, data }) {
      const overdue = new Date(Date.now() - 20 * 60 * 1000).toISOString();
      const event: Event = {
        id: eventId,
        tenant_id: tenantId,
        topic: 'order.created',
        time: overdue,
        eligible_for_retry: true,
        metadata: null,
        data,
        matched_destination_ids: [destinationId],
      };
      const delivery: Delivery = {
        tenant_id: tenantId,
        event_id: eventId,
        destination_id: destinationId,
        destination_type: 'webhook',
        event_time: overdue,
        status: 'queued',
        next_attempt_number: 1,
        task_id: taskId,
        due_at: overdue,
        attempts: 0,
        manual_retries: 0,
        last_code: null,
        reason: null,
        updated_at: overdue,
      };
      await events.createWithDeliveries(event, [delivery]);
      return delivery;
    },
    close: () => client.destroy(),
  };
}
