import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  DYNAMODB_LOCAL_CREDENTIALS,
  DYNAMODB_LOCAL_REGION,
  startDynamoDbLocal,
} from '../../../local/dynamodb-local';
import { createTables } from '../../support/create-tables';

const tableNames = async (endpoint: string): Promise<string[]> => {
  const client = new DynamoDBClient({
    endpoint,
    region: DYNAMODB_LOCAL_REGION,
    credentials: DYNAMODB_LOCAL_CREDENTIALS,
  });
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
};

describe('startDynamoDbLocal', () => {
  const directory = mkdtempSync(join(tmpdir(), 'dynamodb-local-'));

  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('keeps tables in dbPath across a restart, and stop() frees the port', async () => {
    const first = await startDynamoDbLocal({ dbPath: directory });
    const admin = new DynamoDBClient({
      endpoint: first.endpoint,
      region: DYNAMODB_LOCAL_REGION,
      credentials: DYNAMODB_LOCAL_CREDENTIALS,
    });
    await createTables(admin, 'persisted-');
    admin.destroy();
    await first.stop();

    const second = await startDynamoDbLocal({ dbPath: directory, port: first.port });
    try {
      expect(second.port).toBe(first.port);
      expect((await tableNames(second.endpoint)).sort()).toEqual([
        'persisted-attempts',
        'persisted-destinations',
        'persisted-events',
      ]);
    } finally {
      await second.stop();
    }
  });

  it('starts empty in memory on a free port', async () => {
    const memory = await startDynamoDbLocal({});
    try {
      expect(memory.port).toBeGreaterThan(0);
      expect(await tableNames(memory.endpoint)).toEqual([]);
    } finally {
      await memory.stop();
    }
  });
});
