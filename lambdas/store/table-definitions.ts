/**
 * The DynamoDB tables, described once. The CDK stack builds them from this, and the local runtime
 * builds them from the synthesized template, so the deployed and local schemas cannot drift.
 * docs/data-model.md lists every access pattern and the key it uses.
 */

export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Non-key attributes copied into the index; undefined = ALL. */
  projection: 'ALL' | 'KEYS_ONLY' | { include: string[] };
}

export interface TableDefinition {
  /** Logical id in the stack and key of Config.tables. */
  id: 'destinations' | 'events' | 'attempts';
  /** Environment variable that carries the physical table name to the handlers. */
  envVar: 'DESTINATIONS_TABLE' | 'EVENTS_TABLE' | 'ATTEMPTS_TABLE';
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  indexes: IndexDefinition[];
  timeToLiveAttribute?: string;
}

const pk: KeyAttribute = { name: 'pk', type: 'S' };
const sk: KeyAttribute = { name: 'sk', type: 'S' };
const string = (name: string): KeyAttribute => ({ name, type: 'S' });

/**
 * What the time-ordered listing indexes copy: the attributes their filters read, not whole items.
 * An event's `data` and an attempt's `response_data` are written once, to the table, instead of once
 * more per index (DynamoDB bills each index write by the projected item's size); a listed page's items
 * are then fetched by key with BatchGetItem (docs/data-model.md, Capacity).
 */
const EVENT_FILTER_ATTRIBUTES = { include: ['id', 'topic', 'matched_destination_ids'] };
const ATTEMPT_FILTER_ATTRIBUTES = {
  include: ['event_id', 'destination_id', 'destination_type', 'status', 'topic'],
};

export const TABLE_DEFINITIONS: readonly TableDefinition[] = [
  {
    id: 'destinations',
    envVar: 'DESTINATIONS_TABLE',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      // Tenant listing (Outpost #774: no extra infrastructure). Sparse: only tenant items carry it.
      {
        indexName: 'tenants-by-created',
        partitionKey: string('gsi1pk'),
        sortKey: string('gsi1sk'),
        projection: 'ALL',
      },
    ],
  },
  {
    id: 'events',
    envVar: 'EVENTS_TABLE',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      // A tenant's events in time order. Sparse: delivery records do not carry it.
      {
        indexName: 'events-by-time',
        partitionKey: string('gsi1pk'),
        sortKey: string('gsi1sk'),
        projection: EVENT_FILTER_ATTRIBUTES,
      },
      // Every tenant's events in time order (admin listing without tenant_id).
      {
        indexName: 'all-events-by-time',
        partitionKey: string('gsi2pk'),
        sortKey: string('gsi2sk'),
        projection: EVENT_FILTER_ATTRIBUTES,
      },
      // Event by id without its tenant (admin GET /events/:id).
      { indexName: 'events-by-id', partitionKey: string('gsi3pk'), projection: 'KEYS_ONLY' },
      // Outbox and retry ledger: queued/retrying deliveries by due time, sharded. Sparse.
      {
        indexName: 'deliveries-by-due',
        partitionKey: string('duepk'),
        sortKey: string('duesk'),
        projection: 'ALL',
      },
      // A destination's deliveries by event time: listing skipped/failed ones and replaying them.
      {
        indexName: 'deliveries-by-destination',
        partitionKey: string('dlvpk'),
        sortKey: string('dlvsk'),
        projection: 'ALL',
      },
    ],
    timeToLiveAttribute: 'expires_at',
  },
  {
    id: 'attempts',
    envVar: 'ATTEMPTS_TABLE',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      {
        indexName: 'attempts-by-time',
        partitionKey: string('gsi1pk'),
        sortKey: string('gsi1sk'),
        projection: ATTEMPT_FILTER_ATTRIBUTES,
      },
      {
        indexName: 'attempts-by-destination',
        partitionKey: string('gsi2pk'),
        sortKey: string('gsi2sk'),
        projection: ATTEMPT_FILTER_ATTRIBUTES,
      },
      {
        indexName: 'attempts-by-event',
        partitionKey: string('gsi3pk'),
        sortKey: string('gsi3sk'),
        projection: ATTEMPT_FILTER_ATTRIBUTES,
      },
      // Every tenant's attempts in time order (admin listing).
      {
        indexName: 'all-attempts-by-time',
        partitionKey: string('gsi4pk'),
        sortKey: string('gsi4sk'),
        projection: ATTEMPT_FILTER_ATTRIBUTES,
      },
    ],
    timeToLiveAttribute: 'expires_at',
  },
];
