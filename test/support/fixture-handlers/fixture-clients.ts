import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';

type Environment = Record<string, string | undefined>;

/** SDK clients built only from a function's env, as the product's composition root builds them. */
export function fixtureClients(env: Environment): { dynamo: DynamoDBClient; sqs: SQSClient } {
  const common = {
    region: env.AWS_REGION,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    },
  };
  return {
    dynamo: new DynamoDBClient({ ...common, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB }),
    sqs: new SQSClient({ ...common, endpoint: env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false }),
  };
}
