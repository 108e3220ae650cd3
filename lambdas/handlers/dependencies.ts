import { Tracer } from '@aws-lambda-powertools/tracer';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { MiddlewareStack } from '@smithy/types';
import type { DynamoDBDocumentClient } from '../store/dynamo-client';
import type { AlertSink } from '../core/alerts';
import { loadConfig, type Config } from '../core/config';
import type { AppDependencies } from '../core/dependencies';
import { systemClock, type CredentialCipher } from '../core/ports';
import { adapterFor, DESTINATION_ADAPTERS } from '../destinations/registry';
import { configureSts } from '../destinations/sts-settings';
import { SqsTaskQueue } from '../queue/sqs-task-queue';
import { createRepositories } from '../store/create-repositories';
import { DynamoDestinationHealthRepository } from '../store/destination-health.repository';
import { createDocumentClient } from '../store/dynamo-client';
import { KmsCredentialCipher } from '../store/kms-credential-cipher';
import { LocalCredentialCipher } from '../store/local-credential-cipher';

type Environment = Record<string, string | undefined>;

/** Any AWS SDK v3 client: instrumentation adds middleware to its stack. */
export interface AwsSdkClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each client's stack is typed by its own commands
  middlewareStack: MiddlewareStack<any, any>;
}

/**
 * Observes the AWS clients of the platform's own calls (never a tenant's destination clients): in AWS,
 * X-Ray tracing; in the local runtime, the IAM check of each call against the function's policy and
 * the cost meter.
 */
export interface AwsInstrumentation {
  instrumentDynamoDb(client: DynamoDBDocumentClient): void;
  instrumentSqs(client: SQSClient): void;
  /** The other clients: KMS (credentials), SNS (alerts), STS (tenants' roles). @default - not observed */
  instrumentClient?(client: AwsSdkClient): void;
}

let tracer: Tracer | undefined;

/**
 * In AWS, every platform client records X-Ray subsegments (functions run with active tracing,
 * lib/handler-function.ts). Elsewhere none: no daemon listens, and the Tracer, which turns itself off
 * outside Lambda, is not even built.
 */
function awsTracing(env: Environment): AwsInstrumentation | undefined {
  if (env.DEPLOYMENT_MODE !== 'aws') return undefined;
  tracer ??= new Tracer();
  const capture = (client: AwsSdkClient): void => {
    tracer?.captureAWSv3Client(client);
  };
  return { instrumentDynamoDb: capture, instrumentSqs: capture, instrumentClient: capture };
}

/**
 * Alerts are raised by deliveries only, so the deliver handler passes its channels
 * (createAlertSink) and the other functions' bundles carry no alert client (no SNS SDK).
 */
const NO_ALERTS: AlertSink = {
  publish: (alert) =>
    Promise.reject(new Error(`this function sends no alerts (${alert.topic}): only deliver functions do`)),
};

/**
 * The composition root: the one place that reads endpoints and credentials and builds SDK clients.
 * Called once per Lambda container (or once per local runtime handler) with that function's env.
 */
export function createDependencies(
  env: Environment,
  instrumentation: AwsInstrumentation | undefined = awsTracing(env),
  alertSinkFor: (config: Config, instrumentation?: AwsInstrumentation) => AlertSink = () => NO_ALERTS,
): AppDependencies {
  const config = loadConfig(env);
  const aws = awsClientOptions(env);
  configureSts({
    ...aws,
    endpoint: env.AWS_ENDPOINT_URL_STS,
    instrument: (client) => instrumentation?.instrumentClient?.(client),
  });
  const sqs = createSqsClient(env, instrumentation);
  const documentClient = createDocumentClient({ ...aws, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB });
  instrumentation?.instrumentDynamoDb(documentClient);
  const repositories = createRepositories({
    client: documentClient,
    tables: config.tables,
    cipher: credentialCipher(config, aws, env, instrumentation),
    retentionDays: config.retentionDays,
  });
  return {
    config,
    clock: systemClock,
    ...repositories,
    health: new DynamoDestinationHealthRepository(documentClient, config.tables.destinations),
    alerts: alertSinkFor(config, instrumentation),
    queue: new SqsTaskQueue(sqs, config.deliveryQueueUrls),
    adapters: adapterFor,
    adapterList: DESTINATION_ADAPTERS,
  };
}

/** The SQS client of a handler's env (also used by handlers that talk to a queue of their own). */
export function createSqsClient(
  env: Environment,
  instrumentation: AwsInstrumentation | undefined = awsTracing(env),
): SQSClient {
  const sqs = new SQSClient({
    ...awsClientOptions(env),
    endpoint: env.AWS_ENDPOINT_URL_SQS,
    // fauxqs answers with queue URLs on sqs.<region>.localhost, which does not resolve.
    useQueueUrlAsEndpoint: env.AWS_ENDPOINT_URL_SQS ? false : undefined,
  });
  instrumentation?.instrumentSqs(sqs);
  return sqs;
}

export function awsClientOptions(env: Environment) {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // In local mode the runtime passes emulator credentials in the function env rather than process.env,
  // so that several runtimes can live in one process (tests).
  const credentials =
    env.DEPLOYMENT_MODE === 'local' && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
      : undefined;
  return { region, credentials };
}

function credentialCipher(
  config: Config,
  aws: ReturnType<typeof awsClientOptions>,
  env: Environment,
  instrumentation: AwsInstrumentation | undefined,
): CredentialCipher {
  if (config.credentials.localKey) return new LocalCredentialCipher(config.credentials.localKey);
  if (config.credentials.kmsKeyId) {
    const kms = new KMSClient({ ...aws, endpoint: env.AWS_ENDPOINT_URL_KMS });
    instrumentation?.instrumentClient?.(kms);
    return new KmsCredentialCipher(kms, config.credentials.kmsKeyId);
  }
  throw new Error('CREDENTIALS_KEY (local mode) or CREDENTIALS_KMS_KEY_ID (AWS mode) is required');
}
