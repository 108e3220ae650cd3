import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApiApp, type ApiRequest } from '../api/app';
import { createDependencies, type AwsInstrumentation } from './dependencies';
import { HandlerMetrics } from './handler-metrics';
import { handlerWithSecrets } from './secrets';

type Environment = Record<string, string | undefined>;

/** API Gateway HTTP API (payload 2.0) -> the transport-neutral request of lambdas/api. */
export function toApiRequest(event: APIGatewayProxyEventV2): ApiRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body =
    event.body === undefined
      ? undefined
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    rawQuery: event.rawQueryString ?? '',
    headers,
    body,
  };
}

/** Built once per container: clients, repositories and the route table are reused across invocations. */
export function createHandler(env: Environment, instrumentation?: AwsInstrumentation) {
  const app = createApiApp(createDependencies(env, instrumentation));
  const metrics = HandlerMetrics.fromEnvironment(env);
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const response = await app(toApiRequest(event));
    metrics.recordApiResponse(event.requestContext.http.method, event.rawPath, response.status);
    metrics.flush();
    return { statusCode: response.status, headers: response.headers, body: response.body };
  };
}

export const handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> =
  handlerWithSecrets(process.env, (env) => createHandler(env));
