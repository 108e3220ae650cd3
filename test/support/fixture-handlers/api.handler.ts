import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { fixtureClients } from './fixture-clients';

type Environment = Record<string, string | undefined>;

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Fixture api function: echoes its event and env, enqueues work, answers binary, or fails. */
export function createHandler(
  env: Environment,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  const { sqs } = fixtureClients(env);
  return async (event) => {
    switch (event.rawPath) {
      case '/api/v1/echo':
        return json(200, { event, greeting: env.FIXTURE_GREETING });
      case '/api/v1/env':
        return json(200, env);
      case '/api/v1/work': {
        const sent = await sqs.send(
          new SendMessageCommand({ QueueUrl: env.WORK_QUEUE_URL, MessageBody: event.body }),
        );
        return json(202, { message_id: sent.MessageId });
      }
      case '/api/v1/binary':
        return {
          statusCode: 200,
          headers: { 'content-type': 'application/octet-stream', 'x-fixture': 'yes' },
          body: Buffer.from([0, 1, 2, 254, 255]).toString('base64'),
          isBase64Encoded: true,
          cookies: ['a=1', 'b=2; Path=/'],
        };
      case '/api/v1/throw':
        throw new Error('fixture api failure');
      default:
        return json(404, { status: 404, message: 'fixture: no such path' });
    }
  };
}
