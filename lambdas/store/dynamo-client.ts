import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoClientOptions {
  region: string;
  /** Set in local mode (DynamoDB Local); undefined = the regional AWS endpoint. */
  endpoint?: string;
  /** Undefined = the SDK's default provider chain (the Lambda role in AWS). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function createDocumentClient(options: DynamoClientOptions): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  });
  // Optional model fields (`destination_id?`, ResponseData parts) are simply absent in storage.
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** The client type, for code outside the store that instruments the client without knowing tables. */
export type { DynamoDBDocumentClient };
