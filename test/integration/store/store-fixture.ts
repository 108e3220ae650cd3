import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../../../lambdas/core/config';
import { createRepositories, type Repositories } from '../../../lambdas/store/create-repositories';
import { createDocumentClient } from '../../../lambdas/store/dynamo-client';
import { LocalCredentialCipher } from '../../../lambdas/store/local-credential-cipher';
import {
  DYNAMODB_LOCAL_CREDENTIALS,
  DYNAMODB_LOCAL_REGION,
  startDynamoDbLocal,
} from '../../../local/dynamodb-local';
import { createTables } from '../../support/create-tables';

export interface StoreFixture {
  repositories: Repositories;
  /** For reading raw items, to check what is really stored. */
  documentClient: DynamoDBDocumentClient;
  tables: Config['tables'];
  /** DynamoDB Local's endpoint, for clients built the way the handlers build theirs. */
  endpoint: string;
  close(): Promise<void>;
}

export const RETENTION_DAYS = 30;

/** One in-memory DynamoDB Local on a random port with freshly created tables, for one test file. */
export async function startStore(): Promise<StoreFixture> {
  const dynamo = await startDynamoDbLocal({});
  const connection = {
    region: DYNAMODB_LOCAL_REGION,
    endpoint: dynamo.endpoint,
    credentials: DYNAMODB_LOCAL_CREDENTIALS,
  };
  const admin = new DynamoDBClient(connection);
  const tables = await createTables(admin, 'test-');
  admin.destroy();
  const documentClient = createDocumentClient(connection);
  const repositories = createRepositories({
    client: documentClient,
    tables,
    cipher: new LocalCredentialCipher(randomBytes(32).toString('base64')),
    retentionDays: RETENTION_DAYS,
  });
  return {
    repositories,
    documentClient,
    tables,
    endpoint: dynamo.endpoint,
    close: async () => {
      documentClient.destroy();
      await dynamo.stop();
    },
  };
}

/**
 * Test times: whole minutes after an origin two days ago. Recent on purpose: DynamoDB Local
 * enforces TTL, and items older than RETENTION_DAYS would be deleted under the test's feet.
 */
const ORIGIN = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;
export const minute = (minutes: number): string => new Date(ORIGIN + minutes * 60_000).toISOString();
