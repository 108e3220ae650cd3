import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../core/config';
import type {
  AttemptRepository,
  CredentialCipher,
  DeliveryRepository,
  DestinationRepository,
  EventRepository,
  TenantRepository,
} from '../core/ports';
import { DynamoAttemptRepository } from './attempts.repository';
import { DynamoDeliveryRepository } from './deliveries.repository';
import { DynamoDestinationRepository } from './destinations.repository';
import { DynamoEventRepository } from './events.repository';
import { DynamoTenantRepository } from './tenants.repository';

export interface Repositories {
  tenants: TenantRepository;
  destinations: DestinationRepository;
  events: EventRepository;
  deliveries: DeliveryRepository;
  attempts: AttemptRepository;
}

export function createRepositories(options: {
  client: DynamoDBDocumentClient;
  tables: Config['tables'];
  cipher: CredentialCipher;
  retentionDays: number;
}): Repositories {
  const { client, tables, cipher, retentionDays } = options;
  return {
    tenants: new DynamoTenantRepository(client, tables.destinations, cipher),
    destinations: new DynamoDestinationRepository(client, tables.destinations, cipher),
    events: new DynamoEventRepository(client, tables.events, retentionDays),
    deliveries: new DynamoDeliveryRepository(client, tables.events, retentionDays),
    attempts: new DynamoAttemptRepository(client, tables.attempts, retentionDays),
  };
}
