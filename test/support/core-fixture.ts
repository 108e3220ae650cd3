import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AppDependencies } from '../../lambdas/core/dependencies';
import type { Clock } from '../../lambdas/core/ports';
import { createAlertSink } from '../../lambdas/handlers/alert-sink';
import {
  createDependencies,
  createSqsClient,
  type AwsInstrumentation,
} from '../../lambdas/handlers/dependencies';
import { DYNAMODB_LOCAL_CREDENTIALS, DYNAMODB_LOCAL_REGION } from '../../local/dynamodb-local';
import { startSqsEmulator, type SqsEmulator } from '../../local/sqs-emulator';
import { startStore, type StoreFixture } from '../integration/store/store-fixture';

/** A clock the test moves by hand: the only stand-in in a core fixture. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(time: Date | string): void {
    this.current = new Date(time).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

export interface CoreFixture {
  /** Built by the handlers' own composition root, with the manual clock. */
  deps: AppDependencies;
  clock: ManualClock;
  store: StoreFixture;
  sqs: SQSClient;
  /** The webhook delivery queue on the SQS emulator. */
  webhookQueueUrl: string;
  /** Every request the core's own SQS client made (command name and input), in order. */
  sqsRequests: { command: string; input: Record<string, unknown> }[];
  close(): Promise<void>;
}

/**
 * The core wired as a deliver or API Lambda wires it (lambdas/handlers/dependencies.ts) against real
 * emulators: DynamoDB Local with fresh tables and fauxqs with a webhook delivery queue. Only the clock
 * is the test's, so retry times can be checked without waiting for them.
 */
export async function startCoreFixture(
  env: Record<string, string> = {},
  start: Date | string = new Date(),
): Promise<CoreFixture> {
  const store = await startStore();
  let sqsEmulator: SqsEmulator | undefined;
  try {
    sqsEmulator = await startSqsEmulator();
    const functionEnv: Record<string, string> = {
      DEPLOYMENT_MODE: 'local',
      AWS_REGION: DYNAMODB_LOCAL_REGION,
      AWS_ACCESS_KEY_ID: DYNAMODB_LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DYNAMODB_LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: store.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsEmulator.endpoint,
      DESTINATIONS_TABLE: store.tables.destinations,
      EVENTS_TABLE: store.tables.events,
      ATTEMPTS_TABLE: store.tables.attempts,
      CREDENTIALS_KEY: Buffer.alloc(32, 7).toString('base64'),
      ...env,
    };
    const sqs = createSqsClient(functionEnv);
    const created = await sqs.send(new CreateQueueCommand({ QueueName: 'deliver-webhook' }));
    const webhookQueueUrl = created.QueueUrl!;
    functionEnv.DELIVERY_QUEUE_URLS = JSON.stringify({ webhook: webhookQueueUrl });
    const clock = new ManualClock(start);
    const sqsRequests: CoreFixture['sqsRequests'] = [];
    const instrumentation: AwsInstrumentation = {
      instrumentDynamoDb: () => undefined,
      instrumentSqs: (client) =>
        client.middlewareStack.add((next, context) => (args) => {
          sqsRequests.push({
            command: context.commandName ?? '',
            input: args.input as Record<string, unknown>,
          });
          return next(args);
        }),
    };
    const deps: AppDependencies = {
      ...createDependencies(functionEnv, instrumentation, (config) => createAlertSink(config, functionEnv)),
      clock,
    };
    const emulator = sqsEmulator;
    return {
      deps,
      clock,
      store,
      sqs,
      webhookQueueUrl,
      sqsRequests,
      close: async () => {
        sqs.destroy();
        await emulator.stop();
        await store.close();
      },
    };
  } catch (error) {
    await sqsEmulator?.stop();
    await store.close();
    throw error;
  }
}
