import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function';

export interface ApiProps {
  /** Origins allowed to call the API from a browser (the portal). @default ['*'] */
  readonly corsAllowOrigins?: string[];
  /** Steady-state requests per second of the default stage. @default 1000 */
  readonly throttleRateLimit?: number;
  /** Burst of requests of the default stage. @default 2000 */
  readonly throttleBurstLimit?: number;
  /** Removal policy of the log groups. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The public `/api/v1` API: an HTTP API (payload format 2.0) routing to the api Lambda, and the two
 * secrets only that Lambda reads (the admin API key and the tenant JWT signing secret).
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly handler: HandlerFunction;
  readonly adminApiKey: Secret;
  readonly jwtSecret: Secret;

  constructor(scope: Construct, id: string, props: ApiProps = {}) {
    super(scope, id);
    this.adminApiKey = new Secret(this, 'AdminApiKey', {
      description: 'event-destinations: admin API key (Authorization: Bearer <key>)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    this.jwtSecret = new Secret(this, 'JwtSecret', {
      description: 'event-destinations: HS256 secret that signs tenant JWTs',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    for (const secret of [this.adminApiKey, this.jwtSecret]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          "No rotation Lambda on purpose: the admin key is held by the producer's backend and the JWT secret " +
          'signs every live tenant token, so an unannounced rotation is an outage. Both are rotated by the ' +
          'operator with `put-secret-value` (docs/deploy.md, "Rotating the admin key"); new containers read it.',
      });
    }
    this.handler = new HandlerFunction(this, 'Handler', {
      entry: 'lambdas/handlers/api.handler.ts',
      description: 'event-destinations: /api/v1',
      timeout: Duration.seconds(29),
      memorySize: 512,
      removalPolicy: props.removalPolicy,
    });
    this.handler.addEnvironment('API_KEY_SECRET_ARN', this.adminApiKey.secretArn);
    this.handler.addEnvironment('API_JWT_SECRET_ARN', this.jwtSecret.secretArn);
    this.adminApiKey.grantRead(this.handler);
    this.jwtSecret.grantRead(this.handler);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'event-destinations /api/v1',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: props.corsAllowOrigins ?? ['*'],
        allowMethods: [
          CorsHttpMethod.GET,
          CorsHttpMethod.POST,
          CorsHttpMethod.PUT,
          CorsHttpMethod.PATCH,
          CorsHttpMethod.DELETE,
        ],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.days(1),
      },
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit ?? 1000, burstLimit: props.throttleBurstLimit ?? 2000 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat() },
    });
    const integration = new HttpLambdaIntegration('ApiIntegration', this.handler);
    this.httpApi.addRoutes({ path: '/api/v1/healthz', methods: [HttpMethod.GET], integration });
    this.httpApi.addRoutes({ path: '/api/v1/{proxy+}', methods: [HttpMethod.ANY], integration });
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The API authorizes in the api Lambda, as Outpost does: Bearer <admin key> (constant-time compare) or ' +
        'Bearer <tenant JWT> scoped to its tenant, checked per route; GET /healthz is public by contract. An API ' +
        'Gateway authorizer could not express the admin-or-tenant rule and would add latency and cost per call.',
    });
  }

  /** Base URL of the API (ends with `/`). */
  get url(): string {
    return this.stage.url;
  }
}

/** One JSON line per request, with HTTP API context variables only (REST-only ones are rejected). */
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      requestTime: '$context.requestTime',
      routeKey: '$context.routeKey',
      path: '$context.path',
      status: '$context.status',
      responseLength: '$context.responseLength',
      integrationLatency: '$context.integrationLatency',
      responseLatency: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
    }),
  );
}
