import { AsyncLocalStorage } from 'node:async_hooks';
import type { AwsInstrumentation, AwsSdkClient } from '../lambdas/handlers/dependencies';
import { evaluate, type IamRequest, type IamStatement } from './iam-policy';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './sqs-emulator';

/**
 * The local runtime's IAM: every AWS call a function's platform clients make (DynamoDB, SQS, KMS,
 * SNS, STS, Secrets Manager; never a tenant's destination clients, which carry the tenant's
 * credentials) is judged against that function's role policy in the synthesized template, as AWS
 * would judge it, and refused with an AccessDenied error and a loud log line when the policy does
 * not allow it. A grant missing from the stack then fails the tests and `npm start`, not production.
 */

/** What the service would answer: its error name, HTTP 403, a client fault (never retried). */
export class IamAccessDeniedError extends Error {
  readonly $fault = 'client';
  readonly $metadata = { httpStatusCode: 403 };

  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

type Input = Record<string, unknown>;

interface ServiceMapping {
  /** The error name the service gives an unauthorized call. */
  deniedError: string;
  /** The authorizations IAM makes for one call of `operation` (the command name without `Command`). */
  requests(operation: string, input: Input): IamRequest[];
}

const localArn = (service: string, resource: string): string =>
  `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${resource}`;
/** A name or an ARN, as the SDKs accept either. */
const arnOr = (nameOrArn: unknown, toArn: (name: string) => string): string => {
  const value = String(nameOrArn);
  return value.startsWith('arn:') ? value : toArn(value);
};

const tableArn = (table: unknown): string => arnOr(table, (name) => localArn('dynamodb', `table/${name}`));
/** The queue's ARN from its URL (`…/<account>/<name>`). */
const queueArn = (queueUrl: unknown): string =>
  localArn('sqs', String(queueUrl).split('/').pop() ?? String(queueUrl));

/** TransactWriteItems is authorized per item, as the item-level action on that item's table. */
const TRANSACT_WRITE_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

/** SQS batch calls are authorized as the single-message action. */
const SQS_BATCH_ACTIONS: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

const SERVICES: Record<string, ServiceMapping> = {
  DynamoDBClient: {
    deniedError: 'AccessDeniedException',
    requests(operation, input) {
      const action = `dynamodb:${operation}`;
      switch (operation) {
        case 'BatchGetItem':
        case 'BatchWriteItem':
          return Object.keys((input.RequestItems ?? {}) as Input).map((table) => ({
            action,
            resource: tableArn(table),
          }));
        case 'TransactWriteItems':
        case 'TransactGetItems':
          return ((input.TransactItems ?? []) as Input[]).flatMap((item) =>
            Object.entries(item).map(([kind, request]) => ({
              action: TRANSACT_WRITE_ACTIONS[kind] ?? 'dynamodb:GetItem',
              resource: tableArn((request as Input).TableName),
            })),
          );
        default: {
          const index = input.IndexName === undefined ? '' : `/index/${String(input.IndexName)}`;
          return [{ action, resource: `${tableArn(input.TableName)}${index}` }];
        }
      }
    },
  },
  SQSClient: {
    deniedError: 'AccessDenied',
    requests: (operation, input) => [
      {
        action: `sqs:${SQS_BATCH_ACTIONS[operation] ?? operation}`,
        resource:
          operation === 'GetQueueUrl' ? localArn('sqs', String(input.QueueName)) : queueArn(input.QueueUrl),
      },
    ],
  },
  SNSClient: {
    deniedError: 'AuthorizationError',
    requests: (operation, input) => [
      {
        action: operation === 'PublishBatch' ? 'sns:Publish' : `sns:${operation}`,
        resource: String(input.TopicArn ?? input.TargetArn ?? '*'),
      },
    ],
  },
  KMSClient: {
    deniedError: 'AccessDeniedException',
    requests(operation, input) {
      const encryptionContext = input.EncryptionContext as Record<string, string> | undefined;
      const context: Record<string, string | string[]> = {};
      if (encryptionContext !== undefined) {
        context['kms:EncryptionContextKeys'] = Object.keys(encryptionContext);
        for (const [key, value] of Object.entries(encryptionContext))
          context[`kms:EncryptionContext:${key}`] = value;
      }
      const keyId = String(input.KeyId ?? '*');
      return [
        {
          action: `kms:${operation}`,
          resource: keyId.startsWith('arn:')
            ? keyId
            : localArn('kms', keyId.startsWith('alias/') ? keyId : `key/${keyId}`),
          context,
        },
      ];
    },
  },
  STSClient: {
    deniedError: 'AccessDenied',
    requests: (operation, input) => [{ action: `sts:${operation}`, resource: String(input.RoleArn ?? '*') }],
  },
  SecretsManagerClient: {
    deniedError: 'AccessDeniedException',
    requests: (operation, input) => [
      {
        action: `secretsmanager:${operation}`,
        resource: arnOr(input.SecretId, (name) => localArn('secretsmanager', `secret:${name}`)),
      },
    ],
  },
};

/** The authorizations one SDK call needs; an unmapped client fails closed (map it here). */
export function iamRequestsFor(clientName: string, commandName: string, input: Input): IamRequest[] {
  const mapping = SERVICES[clientName];
  if (mapping === undefined) {
    throw new Error(`local IAM check: no IAM mapping for ${clientName} ${commandName} (local/iam-guard.ts)`);
  }
  return mapping.requests(commandName.replace(/Command$/, ''), input);
}

export class IamGuard {
  /** The function whose invocation is running: clients shared by several (STS) are judged per call. */
  private readonly invoking = new AsyncLocalStorage<string>();

  /**
   * @param policies each function's role policy by its logical id, resources resolved to local ARNs
   * @param report where a refusal is announced
   */
  constructor(
    private readonly policies: Readonly<Record<string, readonly IamStatement[]>>,
    private readonly report: (line: string) => void,
  ) {}

  /** Instruments clients; their calls are judged by the policy of the function invoking them. */
  readonly instrumentation: Required<AwsInstrumentation> = {
    instrumentDynamoDb: (client) => this.instrument(client),
    instrumentSqs: (client) => this.instrument(client),
    instrumentClient: (client) => this.instrument(client),
  };

  /** The handler, run as the function `logicalId`: its AWS calls are judged by that function's policy. */
  asFunction<E, R>(logicalId: string, handler: (event: E) => Promise<R>): (event: E) => Promise<R> {
    return (event) => this.invoking.run(logicalId, () => handler(event));
  }

  /** Throws IamAccessDeniedError unless the function's policy allows every request. */
  authorize(functionLogicalId: string, requests: IamRequest[], deniedError: string): void {
    const policy = this.policies[functionLogicalId];
    if (policy === undefined) throw new Error(`local IAM check: ${functionLogicalId} is not a function`);
    for (const request of requests) {
      const decision = evaluate(policy, request);
      if (decision === 'allowed') continue;
      const message =
        `${functionLogicalId} is not authorized to perform: ${request.action} on resource: ` +
        `${request.resource} (${decision} by its role's policy in the synthesized template)`;
      this.report(`local IAM check: ACCESS DENIED: ${message}`);
      throw new IamAccessDeniedError(deniedError, message);
    }
  }

  private instrument(client: AwsSdkClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const clientName = String(context.clientName);
        const commandName = String(context.commandName);
        const functionLogicalId = this.invoking.getStore();
        // Only a call made inside a function's invocation is that function's: a call from outside
        // (a test driving a transport directly through a client the runtime instrumented) has no
        // role to answer to.
        if (functionLogicalId === undefined) return next(args);
        const requests = iamRequestsFor(clientName, commandName, args.input as Input);
        this.authorize(functionLogicalId, requests, SERVICES[clientName]!.deniedError);
        return next(args);
      },
      // First of all middleware: a refused call reaches neither the emulator nor the cost meter.
      { step: 'initialize', priority: 'high', name: 'localIamCheck' },
    );
  }
}
