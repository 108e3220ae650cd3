import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  paginateListTables,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { loadConfig } from '../lambdas/core/config';
import { PROJECT_ROOT } from '../lib/handler-function';
import { synthesizeTemplate, type CloudFormationTemplate } from '../lib/synthesize-template';
import type { AwsInstrumentation } from '../lambdas/handlers/dependencies';
import { startApiGateway, type ApiHandler } from './api-gateway';
import { MANAGED_VARIABLES } from './config-variables';
import type { CostMeter } from './cost-meter';
import { DYNAMODB_LOCAL_CREDENTIALS, startDynamoDbLocal } from './dynamodb-local';
import { IamGuard } from './iam-guard';
import { generateSecrets, readOrCreateSecrets } from './local-secrets';
import { startSqsEmulator, LOCAL_ACCOUNT_ID, LOCAL_REGION, type SqsEmulator } from './sqs-emulator';
import { startSqsPoller, type SqsHandler } from './sqs-poller';
import { localResources, type LocalResources, type LocalSchedule } from './template-resources';

export interface LocalRuntimeOptions {
  /** Where DynamoDB data and secrets.json live. @default '.data' */
  dataDir?: string;
  /** DynamoDB in memory and secrets generated per start: nothing is written to disk (tests). */
  inMemory?: boolean;
  /** 0 = a free port. @default API_PORT or 3333 */
  apiPort?: number;
  /**
   * Configuration for the handlers (TOPICS, RETRY_SCHEDULE, API_KEY…). It replaces the template's
   * literal settings; variables the template wires to resources (table names, queue URLs) stay local.
   */
  env?: Record<string, string | undefined>;
  /**
   * Where the runtime reports: start-up, poller and schedule errors, and each AWS call refused by
   * the local IAM check. @default - silent, except the IAM refusals, which go to stderr
   */
  log?: (line: string) => void;
  /** @default synthesizeTemplate() — the stack `cdk deploy` would create */
  template?: CloudFormationTemplate;
  /**
   * Absolute path of the module to run for a function. Tests return the function's synthesized
   * bundle (cdk.out), so that what ships is what runs.
   * @default - the TypeScript entry the template names (`event-destinations:entry`)
   */
  handlerModule?: (fn: { logicalId: string; entry: string }) => string;
  /**
   * Counts the AWS requests, capacity units and handler time of everything the runtime runs
   * (`npm run bench`). @default - nothing is metered
   */
  costMeter?: CostMeter;
}

export interface LocalRuntime {
  /** `http://localhost:<port>/api/v1` */
  apiUrl: string;
  adminKey: string;
  jwtSecret: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  /** Queue URL by the queue's logical id in the template. */
  queueUrls: Record<string, string>;
  /** The handlers' environment (every function's, merged: they agree on the names they share). */
  env: Record<string, string>;
  /** Runs the scheduled functions (the sweeper) once now; resolves to the deliveries re-enqueued. */
  runSweeper(mode?: 'recover-all'): Promise<number>;
  /** Stops schedules, pollers (in-flight batches finish), the API, fauxqs and DynamoDB Local. */
  stop(): Promise<void>;
}

type Environment = Record<string, string | undefined>;
type HandlerFactory = (
  env: Environment,
  instrumentation?: AwsInstrumentation,
) => (event: never) => Promise<unknown>;
type ScheduledHandler = (event: unknown) => Promise<{ requeued?: number } | undefined>;

const DEFAULT_API_PORT = 3333;
const EMULATOR_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir ?? '.data');
  const overrides = developerOverrides(options.env ?? {});
  // A bad value stops start-up before anything is launched, with loadConfig's message.
  loadConfig({ ...overrides, DEPLOYMENT_MODE: 'local' });
  const secrets = options.inMemory ? generateSecrets() : await readOrCreateSecrets(dataDir);
  const adminKey = overrides.API_KEY ?? secrets.adminKey;
  const jwtSecret = overrides.API_JWT_SECRET ?? secrets.jwtSecret;

  // Stopped in reverse order, on stop() or when start-up fails halfway.
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stoppers.splice(0).reverse()) await stop();
  };
  try {
    // The emulators boot in their own processes while the template synthesizes here.
    const [dynamo, sqsEmulator] = await startedTogether(
      [
        startDynamoDbLocal({ dbPath: options.inMemory ? undefined : path.join(dataDir, 'dynamodb') }),
        startSqsEmulator(),
      ] as const,
      stoppers,
    );
    const resources = localResources(options.template ?? synthesizeTemplate(), sqsEmulator);
    const sqs = new SQSClient({
      endpoint: sqsEmulator.endpoint,
      region: LOCAL_REGION,
      credentials: EMULATOR_CREDENTIALS,
      useQueueUrlAsEndpoint: false,
    });
    stoppers.push(async () => sqs.destroy());
    await createTables(dynamo.endpoint, resources);
    await createQueues(sqs, sqsEmulator, resources);
    await createTopics(sqsEmulator.endpoint, resources);
    log(
      `local: ${resources.tables.length} tables on ${dynamo.endpoint}, ${resources.queues.length} queues and ` +
        `${resources.topics.length} topics on ${sqsEmulator.endpoint}`,
    );

    const runtimeEnv: Record<string, string> = {
      DEPLOYMENT_MODE: 'local',
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsEmulator.endpoint,
      AWS_ENDPOINT_URL_SNS: sqsEmulator.endpoint,
      API_KEY: adminKey,
      API_JWT_SECRET: jwtSecret,
      CREDENTIALS_KEY: overrides.CREDENTIALS_KEY ?? secrets.credentialsKey,
      DATA_DIR: dataDir,
    };
    const environments = Object.fromEntries(
      Object.values(resources.functions).map((fn) => [
        fn.logicalId,
        withoutAwsOnlyVariables({ ...fn.environment, ...omit(overrides, fn.wiredVariables), ...runtimeEnv }),
      ]),
    );
    const meter = options.costMeter;
    // Every platform AWS call is judged against its function's role policy in the template.
    const iam = new IamGuard(
      Object.fromEntries(Object.values(resources.functions).map((fn) => [fn.logicalId, fn.policy])),
      options.log ?? ((line) => console.error(line)),
    );
    checkEventSourcePermissions(iam, resources);
    const instrumentation = allOf(iam.instrumentation, meter);
    // One per module, however many functions run it (the deliver module serves every type).
    const shutdowns = new Set<() => Promise<void>>();
    const handlers = Object.fromEntries(
      Object.values(resources.functions).map((fn) => {
        const handlerModule = loadHandlerModule(
          options.handlerModule?.(fn) ?? path.join(PROJECT_ROOT, fn.entry),
        );
        if (handlerModule.shutdown) shutdowns.add(handlerModule.shutdown);
        const handler = iam.asFunction(
          fn.logicalId,
          handlerModule.createHandler(environments[fn.logicalId]!, instrumentation),
        );
        return [fn.logicalId, meter ? meter.meterInvocations(fn.logicalId, handler) : handler];
      }),
    );
    // Stops after the pollers, API and timers (stoppers run in reverse): nothing delivers any more.
    stoppers.push(async () => {
      await Promise.all([...shutdowns].map((shutdown) => shutdown()));
    });

    const scheduled = resources.schedules.map((schedule) => ({
      schedule,
      handler: handlers[schedule.functionLogicalId] as ScheduledHandler,
    }));
    const runSweeper = async (mode?: 'recover-all'): Promise<number> => {
      let requeued = 0;
      for (const { handler } of scheduled) requeued += (await handler(mode ? { mode } : {}))?.requeued ?? 0;
      return requeued;
    };
    // The queue emulator lost whatever was queued when the runtime last stopped; the delivery ledger
    // in DynamoDB did not, so re-enqueue from it before the pollers start.
    const recovered = await runSweeper('recover-all');
    if (recovered > 0) log(`local: re-enqueued ${recovered} deliveries from the previous run`);

    const api = await startApiGateway({
      port: options.apiPort ?? Number(overrides.API_PORT ?? DEFAULT_API_PORT),
      routes: resources.routes.map((route) => ({
        routeKey: route.routeKey,
        handler: meteredApiHandler(handlers[route.functionLogicalId] as ApiHandler, meter),
      })),
      log,
    });
    stoppers.push(api.stop);
    // Metered only now: the event source mappings' polls are billed, queue creation is not.
    meter?.instrumentSqs(sqs);
    const pollers = resources.eventSourceMappings.map((mapping) => {
      const queue = resources.queues.find((candidate) => candidate.logicalId === mapping.queueLogicalId)!;
      return startSqsPoller({
        sqs,
        queueUrl: queue.queueUrl,
        queueArn: queue.queueArn,
        handler: handlers[mapping.functionLogicalId] as SqsHandler,
        batchSize: mapping.batchSize,
        maximumBatchingWindowSeconds: mapping.maximumBatchingWindowSeconds,
        reportBatchItemFailures: mapping.reportBatchItemFailures,
        maximumConcurrency: mapping.maximumConcurrency,
        log,
      });
    });
    stoppers.push(async () => {
      await Promise.all(pollers.map((poller) => poller.stop()));
    });
    const timers = scheduled.map(({ schedule, handler }) => startSchedule(schedule, handler, log));
    stoppers.push(async () => {
      await Promise.all(timers.map((timer) => timer.stop()));
    });

    return {
      apiUrl: `${api.baseUrl}/api/v1`,
      adminKey,
      jwtSecret,
      dynamoEndpoint: dynamo.endpoint,
      sqsEndpoint: sqsEmulator.endpoint,
      queueUrls: Object.fromEntries(resources.queues.map((queue) => [queue.logicalId, queue.queueUrl])),
      env: Object.assign({}, ...Object.values(environments)) as Record<string, string>,
      runSweeper,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Every instrumentation given, in order. */
function allOf(...instrumentations: Array<AwsInstrumentation | undefined>): AwsInstrumentation {
  const present = instrumentations.filter((each): each is AwsInstrumentation => each !== undefined);
  return {
    instrumentDynamoDb: (client) => present.forEach((each) => each.instrumentDynamoDb(client)),
    instrumentSqs: (client) => present.forEach((each) => each.instrumentSqs(client)),
    instrumentClient: (client) => present.forEach((each) => each.instrumentClient?.(client)),
  };
}

/**
 * An SQS event source mapping polls with the function's role, which needs these on its queue
 * (Lambda refuses to create the mapping otherwise).
 */
function checkEventSourcePermissions(iam: IamGuard, resources: LocalResources): void {
  for (const mapping of resources.eventSourceMappings) {
    const queue = resources.queues.find((candidate) => candidate.logicalId === mapping.queueLogicalId)!;
    iam.authorize(
      mapping.functionLogicalId,
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].map((action) => ({
        action,
        resource: queue.queueArn,
      })),
      'AccessDenied',
    );
  }
}

/** API Gateway bills each request (per 512 KiB of body) whichever function answers it. */
function meteredApiHandler(handler: ApiHandler, meter: CostMeter | undefined): ApiHandler {
  if (!meter) return handler;
  return (event) => {
    meter.recordApiRequest(
      event.body === undefined ? 0 : Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8'),
    );
    return handler(event);
  };
}

/**
 * The STS that role assumption (aws_* destinations with role_arn) uses is the developer's to choose:
 * the runtime has no STS emulator of its own.
 */
const DEVELOPER_AWS_VARIABLES = new Set(['AWS_ENDPOINT_URL_STS']);

/** The developer's configuration, minus what must stay local (table names, queue URLs, mode). */
function developerOverrides(env: Environment): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).flatMap(([name, value]) =>
      value === undefined ||
      value === '' ||
      MANAGED_VARIABLES.has(name) ||
      (name.startsWith('AWS_') && !DEVELOPER_AWS_VARIABLES.has(name))
        ? []
        : [[name, value]],
    ),
  );
}

function omit(env: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));
}

/**
 * AWS-only wiring: Secrets Manager ARNs (the runtime passes the secrets themselves) and the KMS key
 * (credentials are encrypted with the local CREDENTIALS_KEY), so no handler reaches for a cloud service.
 */
function withoutAwsOnlyVariables(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      ([name]) => !name.endsWith('_SECRET_ARN') && name !== 'CREDENTIALS_KMS_KEY_ID',
    ),
  );
}

/** Awaits every start; if one fails, stops those that started before rethrowing. */
async function startedTogether<T extends readonly Promise<{ stop(): Promise<void> }>[]>(
  starts: T,
  stoppers: Array<() => Promise<void>>,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(starts);
  for (const result of settled) if (result.status === 'fulfilled') stoppers.push(result.value.stop);
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/** A handler module: `createHandler(env)`, and `shutdown()` if it keeps connections to close on stop. */
interface HandlerModule {
  createHandler: HandlerFactory;
  shutdown?: () => Promise<void>;
}

function loadHandlerModule(modulePath: string): HandlerModule {
  // require, not import(): under tsx (npm start) and jest+swc (tests) both load a .ts module this way.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const handlerModule = require(modulePath) as { createHandler?: unknown; shutdown?: unknown };
  if (typeof handlerModule.createHandler !== 'function') {
    throw new Error(`${modulePath} does not export createHandler(env)`);
  }
  return {
    createHandler: handlerModule.createHandler as HandlerFactory,
    ...(typeof handlerModule.shutdown === 'function'
      ? { shutdown: handlerModule.shutdown as () => Promise<void> }
      : {}),
  };
}

async function createTables(endpoint: string, resources: LocalResources): Promise<void> {
  const dynamo = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: DYNAMODB_LOCAL_CREDENTIALS,
  });
  try {
    const existing = new Set<string>();
    for await (const page of paginateListTables({ client: dynamo }, {})) {
      for (const name of page.TableNames ?? []) existing.add(name);
    }
    for (const table of resources.tables) {
      if (!existing.has(table.tableName)) await dynamo.send(new CreateTableCommand(table.createTable));
      if (table.timeToLiveAttribute === undefined) continue;
      const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: table.tableName }));
      if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
        await dynamo.send(
          new UpdateTimeToLiveCommand({
            TableName: table.tableName,
            TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
          }),
        );
      }
    }
  } finally {
    dynamo.destroy();
  }
}

async function createQueues(sqs: SQSClient, emulator: SqsEmulator, resources: LocalResources): Promise<void> {
  for (const queue of resources.queues) {
    const created = await sqs.send(
      new CreateQueueCommand({ QueueName: queue.queueName, Attributes: queue.attributes }),
    );
    // Handler environments were resolved with the predicted URL; a mismatch would strand every message.
    if (created.QueueUrl !== queue.queueUrl) {
      throw new Error(
        `fauxqs named queue ${queue.queueName} ${created.QueueUrl}, expected ${queue.queueUrl} (account ${LOCAL_ACCOUNT_ID}, port ${emulator.port})`,
      );
    }
  }
}

async function createTopics(endpoint: string, resources: LocalResources): Promise<void> {
  const sns = new SNSClient({ endpoint, region: LOCAL_REGION, credentials: EMULATOR_CREDENTIALS });
  try {
    for (const topic of resources.topics) {
      const created = await sns.send(new CreateTopicCommand({ Name: topic.topicName }));
      if (created.TopicArn !== topic.topicArn) {
        throw new Error(
          `fauxqs named topic ${topic.topicName} ${created.TopicArn}, expected ${topic.topicArn}`,
        );
      }
    }
  } finally {
    sns.destroy();
  }
}

/** EventBridge's rate schedule: the handler gets the Scheduled Event; runs never overlap. */
function startSchedule(
  schedule: LocalSchedule,
  handler: ScheduledHandler,
  log: (line: string) => void,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const tick = (): void => {
    if (running !== undefined) return;
    const event = schedule.input ?? {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: LOCAL_ACCOUNT_ID,
      time: new Date().toISOString(),
      region: LOCAL_REGION,
      resources: [schedule.ruleArn],
      detail: {},
    };
    running = handler(event)
      .then(() => undefined)
      .catch((error: unknown) => log(`schedule ${schedule.logicalId} failed: ${String(error)}`))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, schedule.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
