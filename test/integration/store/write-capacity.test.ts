import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { planDelivery } from '../../../lambdas/core/delivery-plan';
import { attemptIdFor } from '../../../lambdas/core/ids';
import type { Attempt, Delivery, Event } from '../../../lambdas/core/model';
import { createRepositories } from '../../../lambdas/store/create-repositories';
import { createDocumentClient } from '../../../lambdas/store/dynamo-client';
import { LocalCredentialCipher } from '../../../lambdas/store/local-credential-cipher';
import { DYNAMODB_LOCAL_CREDENTIALS, DYNAMODB_LOCAL_REGION } from '../../../local/dynamodb-local';
import { CostMeter } from '../../../local/cost-meter';
import { typicalJson } from '../../support/typical-json';
import { minute, RETENTION_DAYS, startStore, type StoreFixture } from './store-fixture';

let store: StoreFixture;
let client: DynamoDBDocumentClient;
const meter = new CostMeter();

beforeAll(async () => {
  store = await startStore();
  client = createDocumentClient({
    region: DYNAMODB_LOCAL_REGION,
    endpoint: store.endpoint,
    credentials: DYNAMODB_LOCAL_CREDENTIALS,
  });
  meter.instrumentDynamoDb(client);
});

afterAll(async () => {
  client?.destroy();
  await store?.close();
});

const repositories = () =>
  createRepositories({
    client,
    tables: store.tables,
    cipher: new LocalCredentialCipher(randomBytes(32).toString('base64')),
    retentionDays: RETENTION_DAYS,
  });

function event(id: string, dataJson: string): Event {
  return {
    id,
    tenant_id: 't-capacity',
    topic: 'order.created',
    time: minute(10),
    eligible_for_retry: true,
    metadata: { source: 'shop' },
    data: JSON.parse(dataJson) as Event['data'],
    data_json: dataJson,
    matched_destination_ids: ['des_capacity01'],
  };
}

/** Write units by `<operation>` (the table name dropped) that `write` costs. */
async function writeUnitsOf(write: () => Promise<unknown>): Promise<Record<string, number>> {
  meter.reset();
  await write();
  return Object.fromEntries(
    Object.entries(meter.snapshot().dynamodb)
      .filter(([, usage]) => usage.writeUnits > 0)
      .map(([operation, usage]) => [operation.split(' ')[0], usage.writeUnits]),
  );
}

function attemptOf(e: Event, attemptNumber: number, body: string): Attempt {
  return {
    id: attemptIdFor(e.tenant_id, e.id, 'des_capacity01', attemptNumber),
    tenant_id: e.tenant_id,
    event_id: e.id,
    destination_id: 'des_capacity01',
    destination_type: 'webhook',
    attempt_number: attemptNumber,
    manual: false,
    status: 'success',
    code: '200',
    time: e.time,
    response_data: { status_code: 200, headers: { 'content-type': 'application/json' }, body },
    topic: e.topic,
  };
}

/**
 * What docs/data-model.md (Capacity) states, measured: the units DynamoDB Local reports for each write
 * of an event delivered once to one destination on the first try, with typical JSON `data`.
 */
describe('write units of a first-try delivery (DynamoDB Local ConsumedCapacity)', () => {
  it.each([
    // event Put: the item (data compressed to about half) + events-by-time, all-events-by-time, events-by-id;
    // the delivery enters deliveries-by-due and leaves it on success, never entering deliveries-by-destination;
    // the attempt: the item + attempts-by-time, -by-destination, -by-event, all-attempts-by-time (no by-id)
    ['1 KiB', 1024, { event: 4, deliveries: 2, advance: 2, attempt: 5, largeResponse: 9 }],
    // 64 KiB of JSON compresses to ~13 KB: 14 units for the item instead of 65
    ['64 KiB', 64 * 1024, { event: 17, deliveries: 2, advance: 2, attempt: 5, largeResponse: 9 }],
  ])('%s of data', async (_size, bytes, expected) => {
    const { events, deliveries, attempts } = repositories();
    const e = event(`evt_${bytes}`, typicalJson(bytes));
    const { delivery } = planDelivery(e, { id: 'des_capacity01', type: 'webhook' }, new Date(e.time));
    const done: Delivery = {
      ...delivery,
      status: 'success',
      due_at: null,
      next_attempt_number: 2,
      attempts: 1,
    };

    const publish = await writeUnitsOf(() => events.createWithDeliveries(e, [delivery]));
    expect({
      event: publish.PutItem,
      deliveries: publish.BatchWriteItem,
      advance: (await writeUnitsOf(() => deliveries.advance(done, delivery))).PutItem,
      attempt: (await writeUnitsOf(() => attempts.put(attemptOf(e, 1, '{"ok":true}')))).PutItem,
      // a 16 KiB JSON response body, recorded as response_data (compressed: 5 units for the item, not 17)
      largeResponse: (await writeUnitsOf(() => attempts.put(attemptOf(e, 2, typicalJson(16 * 1024)))))
        .PutItem,
    }).toEqual(expected);
  });
});
