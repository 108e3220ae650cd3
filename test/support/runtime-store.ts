import type { Delivery, Event } from '../../lambdas/core/model';
import { DynamoDeliveryRepository } from '../../lambdas/store/deliveries.repository';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { DynamoEventRepository } from '../../lambdas/store/events.repository';
import type { LocalRuntime } from '../../local/runtime';

export interface UnsentDelivery {
  tenantId: string;
  eventId: string;
  destinationId: string;
  data: Event['data'];
  taskId?: string;
  topic?: string;
  /** Event time and due time. @default 20 minutes ago */
  time?: string;
  reason?: Delivery['reason'];
}

export interface RuntimeStore {
  events: DynamoEventRepository;
  deliveries: DynamoDeliveryRepository;
  /**
   * What a publish leaves when it dies after its writes and before its enqueue: the event and its
   * queued webhook delivery, whose task never reached the queue. By default the event is an
   * `order.created` due 20 minutes ago (past the sweeper's grace). Returns both as stored.
   */
  storeUnsentDelivery(unsent: UnsentDelivery): Promise<{ event: Event; delivery: Delivery }>;
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
    async storeUnsentDelivery({ tenantId, eventId, destinationId, data, ...options }) {
      const time = options.time ?? new Date(Date.now() - 20 * 60 * 1000).toISOString();
      const event: Event = {
        id: eventId,
        tenant_id: tenantId,
        topic: options.topic ?? 'order.created',
        time,
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
        event_time: time,
        status: 'queued',
        next_attempt_number: 1,
        task_id: options.taskId ?? `task-of-${eventId}-that-never-reached-the-queue`,
        due_at: time,
        attempts: 0,
        manual_retries: 0,
        last_code: null,
        reason: options.reason ?? null,
        updated_at: time,
      };
      await events.createWithDeliveries(event, [delivery]);
      return { event, delivery };
    },
    close: () => client.destroy(),
  };
}
