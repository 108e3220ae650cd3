import { randomUUID } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { fixtureClients } from './fixture-clients';

type Environment = Record<string, string | undefined>;

/** Fixture sweeper: records each run (and its mode) and reports FIXTURE_REQUEUED re-enqueues. */
export function createHandler(
  env: Environment,
): (event: { mode?: string; source?: string }) => Promise<{ requeued: number }> {
  const { dynamo } = fixtureClients(env);
  return async (event) => {
    await dynamo.send(
      new PutItemCommand({
        TableName: env.RECORDS_TABLE,
        Item: {
          pk: { S: 'sweeps' },
          sk: { S: `${new Date().toISOString()}#${randomUUID()}` },
          mode: { S: event.mode ?? event.source ?? 'none' },
        },
      }),
    );
    return { requeued: Number(env.FIXTURE_REQUEUED ?? '0') };
  };
}
