import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { fixtureClients } from './fixture-clients';

type Environment = Record<string, string | undefined>;

/**
 * Fixture delivery function: records `{"id":...}` bodies in the records table; `{"fail":true}` bodies
 * are reported as batch item failures.
 */
export function createHandler(env: Environment): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const { dynamo } = fixtureClients(env);
  return async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const body = JSON.parse(record.body) as { id: string; fail?: boolean };
      if (body.fail) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      await dynamo.send(
        new PutItemCommand({
          TableName: env.RECORDS_TABLE,
          Item: {
            pk: { S: 'work' },
            sk: { S: body.id },
            batch_size: { N: String(event.Records.length) },
            event_source_arn: { S: record.eventSourceARN },
          },
        }),
      );
    }
    return { batchItemFailures };
  };
}

let shutdowns = 0;

/** The runtime calls this once on stop; the count lets a test see that it did. */
export async function shutdown(): Promise<void> {
  shutdowns += 1;
}

export function shutdownCount(): number {
  return shutdowns;
}
