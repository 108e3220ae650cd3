import { eventOfTask, INLINE_EVENT_MAX_BYTES, planDelivery } from '../../lambdas/core/delivery-plan';
import type { Event } from '../../lambdas/core/model';

const now = new Date('2026-11-30T12:00:00.000Z');

function event(dataJson: string): Event {
  return {
    id: 'evt_1',
    tenant_id: 'acme',
    topic: 'order.created',
    time: now.toISOString(),
    eligible_for_retry: true,
    metadata: { source: 'test' },
    data: JSON.parse(dataJson) as Event['data'],
    data_json: dataJson,
    matched_destination_ids: ['des_1'],
  };
}

describe('the event a delivery task carries', () => {
  test("carries the data once, as the producer's text, and the deliverer gets the same event back", () => {
    const published = event('{ "amount": 1.0, "id": 12345678901234567890, "name": "\\u00e9" }');
    const { task } = planDelivery(published, { id: 'des_1', type: 'webhook' }, now);
    const message = JSON.stringify(task);
    expect(task.event).not.toHaveProperty('data');
    expect(task.event?.data_json).toBe(published.data_json);
    expect(message.split('12345678901234567890')).toHaveLength(2);
    expect(eventOfTask((JSON.parse(message) as typeof task).event!)).toEqual(published);
  });

  test('serialises the data of an event built in code', () => {
    const { data_json: _dataJson, ...built } = event('{"n":1}');
    const { task } = planDelivery(built, { id: 'des_1', type: 'webhook' }, now);
    expect(task.event?.data_json).toBe('{"n":1}');
  });

  test('leaves an event too big for the message to the deliverer to load', () => {
    const big = event(JSON.stringify({ blob: 'x'.repeat(INLINE_EVENT_MAX_BYTES) }));
    expect(planDelivery(big, { id: 'des_1', type: 'webhook' }, now).task.event).toBeUndefined();
  });
});
