import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
  KeySchemaElement,
  LocalSecondaryIndex,
  Projection,
} from '@aws-sdk/client-dynamodb';
import { ENTRY_METADATA_KEY } from '../lib/handler-function';
import type { CloudFormationResource, CloudFormationTemplate } from '../lib/synthesize-template';
import { parseStatements, UnsupportedPolicyError, type IamStatement } from './iam-policy';
import {
  referencedLogicalIds,
  resolveIntrinsics,
  resolveString,
  TemplateResolutionError,
  type PhysicalResources,
} from './intrinsics';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './sqs-emulator';

/**
 * Reads the synthesized CDK template into what the local runtime builds on the emulators, so local
 * and AWS cannot drift. Local physical names are the logical ids (deterministic across restarts, so
 * the tables persisted under .data/ are found again).
 */

export interface LocalTable {
  logicalId: string;
  tableName: string;
  createTable: CreateTableCommandInput;
  timeToLiveAttribute?: string;
}

export interface LocalQueue {
  logicalId: string;
  queueName: string;
  queueUrl: string;
  queueArn: string;
  /** CreateQueue attributes (RedrivePolicy already points at the DLQ's local ARN). */
  attributes: Record<string, string>;
  metadata: Record<string, unknown>;
}

export interface LocalTopic {
  logicalId: string;
  topicName: string;
  topicArn: string;
}

export interface LocalFunction {
  logicalId: string;
  /** Repo-relative handler module. */
  entry: string;
  /** The template's environment, intrinsics resolved against the local resources. */
  environment: Record<string, string>;
  /** Variables whose template value points at a resource (table names, queue URLs): local wiring. */
  wiredVariables: string[];
  /** The identity policy of the function's role, resources resolved to local ARNs (local/iam-guard.ts). */
  policy: IamStatement[];
}

export interface LocalEventSourceMapping {
  logicalId: string;
  queueLogicalId: string;
  functionLogicalId: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  maximumConcurrency?: number;
}

export interface LocalRoute {
  /** HTTP API route key, e.g. `ANY /api/v1/{proxy+}` or `$default`. */
  routeKey: string;
  functionLogicalId: string;
}

export interface LocalSchedule {
  logicalId: string;
  ruleArn: string;
  intervalMs: number;
  functionLogicalId: string;
  /** The target's constant Input, when the rule sets one. */
  input?: unknown;
}

export interface LocalResources {
  tables: LocalTable[];
  /** Dead-letter queues come before the queues that redrive to them. */
  queues: LocalQueue[];
  /** SNS topics (fauxqs emulates SNS too); subscriptions are not created locally. */
  topics: LocalTopic[];
  functions: Record<string, LocalFunction>;
  eventSourceMappings: LocalEventSourceMapping[];
  routes: LocalRoute[];
  schedules: LocalSchedule[];
}

export interface LocalNaming {
  /** The emulator's URL for a queue name. */
  queueUrl(queueName: string): string;
}

const arn = (service: string, resource: string): string =>
  `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${resource}`;

export function localResources(template: CloudFormationTemplate, naming: LocalNaming): LocalResources {
  const resources = template.Resources;
  const physical = physicalResources(template, naming);
  const ofType = (type: string): Array<[string, CloudFormationResource]> =>
    Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const functions = Object.fromEntries(
    ofType('AWS::Lambda::Function').flatMap(([logicalId, resource]) => {
      const entry = resource.Metadata?.[ENTRY_METADATA_KEY];
      // Functions without an entry are CDK's own helpers (custom resources), not ours to run.
      if (typeof entry !== 'string') return [];
      const variables = templateVariables(resource);
      const wiredVariables = Object.keys(variables).filter(
        (name) => referencedLogicalIds(variables[name]).length > 0,
      );
      return [
        [
          logicalId,
          {
            logicalId,
            entry,
            environment: resolveVariables(logicalId, variables, physical),
            wiredVariables,
            policy: rolePolicy(template, logicalId, physical),
          },
        ],
      ];
    }),
  ) as Record<string, LocalFunction>;
  const functionOf = (value: unknown, where: string): string => {
    const target = referencedLogicalIds(value).find((id) => resources[id]?.Type === 'AWS::Lambda::Function');
    if (target === undefined) throw new TemplateResolutionError(`${where}: no Lambda function referenced`);
    if (functions[target] === undefined) {
      throw new TemplateResolutionError(`${where}: function ${target} has no ${ENTRY_METADATA_KEY} metadata`);
    }
    return target;
  };

  return {
    tables: ofType('AWS::DynamoDB::Table').map(([logicalId, resource]) => localTable(logicalId, resource)),
    queues: orderDeadLetterQueuesFirst(
      ofType('AWS::SQS::Queue').map(([logicalId, resource]) => localQueue(logicalId, resource, physical)),
    ),
    topics: ofType('AWS::SNS::Topic').map(([logicalId]) => ({
      logicalId,
      topicName: physical.attribute(logicalId, 'TopicName'),
      topicArn: physical.attribute(logicalId, 'TopicArn'),
    })),
    functions,
    eventSourceMappings: ofType('AWS::Lambda::EventSourceMapping').flatMap(([logicalId, resource]) => {
      const props = resource.Properties ?? {};
      if (props.Enabled === false) return [];
      const queueLogicalId = referencedLogicalIds(props.EventSourceArn).find(
        (id) => resources[id]?.Type === 'AWS::SQS::Queue',
      );
      if (queueLogicalId === undefined) {
        throw new TemplateResolutionError(`${logicalId}: only SQS event sources are emulated locally`);
      }
      const scaling = props.ScalingConfig as { MaximumConcurrency?: number } | undefined;
      const responseTypes = (props.FunctionResponseTypes as string[] | undefined) ?? [];
      return [
        {
          logicalId,
          queueLogicalId,
          functionLogicalId: functionOf(props.FunctionName, logicalId),
          batchSize: Number(props.BatchSize ?? 10),
          maximumBatchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
          reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
          maximumConcurrency: scaling?.MaximumConcurrency,
        },
      ];
    }),
    routes: ofType('AWS::ApiGatewayV2::Route').flatMap(([logicalId, resource]) => {
      const props = resource.Properties ?? {};
      const integrationId = referencedLogicalIds(props.Target).find(
        (id) => resources[id]?.Type === 'AWS::ApiGatewayV2::Integration',
      );
      if (integrationId === undefined) return [];
      const integration = resources[integrationId]?.Properties ?? {};
      return [
        {
          routeKey: String(props.RouteKey),
          functionLogicalId: functionOf(integration.IntegrationUri, logicalId),
        },
      ];
    }),
    schedules: ofType('AWS::Events::Rule').flatMap(([logicalId, resource]) => {
      const props = resource.Properties ?? {};
      if (typeof props.ScheduleExpression !== 'string' || props.State === 'DISABLED') return [];
      const intervalMs = rateToMilliseconds(props.ScheduleExpression, logicalId);
      const targets = (props.Targets as Array<{ Arn?: unknown; Input?: unknown }> | undefined) ?? [];
      return targets.map((target) => ({
        logicalId,
        ruleArn: arn('events', `rule/${logicalId}`),
        intervalMs,
        functionLogicalId: functionOf(target.Arn, logicalId),
        ...(typeof target.Input === 'string' ? { input: JSON.parse(target.Input) as unknown } : {}),
      }));
    }),
  };
}

function physicalResources(template: CloudFormationTemplate, naming: LocalNaming): PhysicalResources {
  const resources = template.Resources;
  const queueNameOf = (logicalId: string): string =>
    resources[logicalId]?.Properties?.FifoQueue === true ? `${logicalId}.fifo` : logicalId;
  const ref = (logicalId: string): string | undefined => {
    const resource = resources[logicalId];
    if (resource === undefined) return undefined;
    switch (resource.Type) {
      case 'AWS::SQS::Queue':
        return naming.queueUrl(queueNameOf(logicalId));
      case 'AWS::SNS::Topic':
        return arn('sns', logicalId);
      case 'AWS::SecretsManager::Secret':
        return arn('secretsmanager', `secret:${logicalId}`);
      default:
        // Tables, functions, keys…: their Ref is their name, and the local name is the logical id.
        return logicalId;
    }
  };
  const attribute = (logicalId: string, attributeName: string): string => {
    const type = resources[logicalId]?.Type;
    const key = `${type}.${attributeName}`;
    switch (key) {
      case 'AWS::SQS::Queue.Arn':
        return arn('sqs', queueNameOf(logicalId));
      case 'AWS::SQS::Queue.QueueName':
        return queueNameOf(logicalId);
      case 'AWS::SQS::Queue.QueueUrl':
        return naming.queueUrl(queueNameOf(logicalId));
      case 'AWS::DynamoDB::Table.Arn':
        return arn('dynamodb', `table/${logicalId}`);
      case 'AWS::DynamoDB::Table.StreamArn':
        return arn('dynamodb', `table/${logicalId}/stream/local`);
      case 'AWS::Lambda::Function.Arn':
        return arn('lambda', `function:${logicalId}`);
      case 'AWS::SNS::Topic.TopicArn':
        return arn('sns', logicalId);
      case 'AWS::SNS::Topic.TopicName':
        return logicalId;
      case 'AWS::KMS::Key.Arn':
        return arn('kms', `key/${logicalId}`);
      case 'AWS::Logs::LogGroup.Arn':
        return arn('logs', `log-group:${logicalId}:*`);
      default:
        throw new TemplateResolutionError(
          `Fn::GetAtt ${logicalId}.${attributeName} (${type}) is not emulated locally`,
        );
    }
  };
  const parameters = Object.fromEntries(
    Object.entries(template.Parameters ?? {}).flatMap(([name, parameter]) =>
      parameter.Default === undefined ? [] : [[name, parameter.Default]],
    ),
  );
  return {
    ref,
    attribute,
    parameters,
    pseudoParameters: {
      'AWS::Region': LOCAL_REGION,
      'AWS::AccountId': LOCAL_ACCOUNT_ID,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    },
  };
}

/**
 * The statements of every policy of a function's role: the AWS::IAM::Policy resources attached to it
 * (CDK's DefaultPolicy) and the role's inline policies. Managed policies cannot be read offline.
 */
function rolePolicy(
  template: CloudFormationTemplate,
  functionLogicalId: string,
  physical: PhysicalResources,
): IamStatement[] {
  const resources = template.Resources;
  const roleId = referencedLogicalIds(resources[functionLogicalId]?.Properties?.Role).find(
    (id) => resources[id]?.Type === 'AWS::IAM::Role',
  );
  if (roleId === undefined) {
    throw new TemplateResolutionError(`${functionLogicalId}: its role is not a role of the template`);
  }
  const role = resources[roleId]!.Properties ?? {};
  if (role.ManagedPolicyArns !== undefined) {
    throw new UnsupportedPolicyError(
      `${roleId}: managed policies cannot be read offline, so the local IAM check cannot judge its calls`,
    );
  }
  const resolve = (value: unknown, where: string) => resolveString(value, physical, where);
  const inline = ((role.Policies ?? []) as Array<{ PolicyName?: string; PolicyDocument?: unknown }>).flatMap(
    (policy) => parseStatements(policy.PolicyDocument, resolve, `${roleId} ${policy.PolicyName}`),
  );
  const attached = Object.entries(resources)
    .filter(
      ([, resource]) =>
        resource.Type === 'AWS::IAM::Policy' &&
        referencedLogicalIds(resource.Properties?.Roles).includes(roleId),
    )
    .flatMap(([policyId, resource]) =>
      parseStatements(resource.Properties?.PolicyDocument, resolve, policyId),
    );
  return [...inline, ...attached];
}

function templateVariables(resource: CloudFormationResource): Record<string, unknown> {
  const environment = resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined;
  return environment?.Variables ?? {};
}

function resolveVariables(
  logicalId: string,
  variables: Record<string, unknown>,
  physical: PhysicalResources,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      resolveString(value, physical, `${logicalId} environment ${name}`),
    ]),
  );
}

function localTable(logicalId: string, resource: CloudFormationResource): LocalTable {
  const props = resource.Properties ?? {};
  const indexes = (props.GlobalSecondaryIndexes as GlobalSecondaryIndex[] | undefined) ?? [];
  const localIndexes = (props.LocalSecondaryIndexes as LocalSecondaryIndex[] | undefined) ?? [];
  const stream = props.StreamSpecification as { StreamViewType?: string } | undefined;
  const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  const withoutCapacity = <
    T extends { IndexName?: string; KeySchema?: KeySchemaElement[]; Projection?: Projection },
  >(
    index: T,
  ) => ({ IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection });
  return {
    logicalId,
    tableName: logicalId,
    createTable: {
      TableName: logicalId,
      KeySchema: props.KeySchema as KeySchemaElement[],
      AttributeDefinitions: props.AttributeDefinitions as AttributeDefinition[],
      // Locally always on demand: capacity means nothing to DynamoDB Local.
      BillingMode: 'PAY_PER_REQUEST',
      ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes.map(withoutCapacity) } : {}),
      ...(localIndexes.length > 0 ? { LocalSecondaryIndexes: localIndexes.map(withoutCapacity) } : {}),
      ...(stream?.StreamViewType
        ? {
            StreamSpecification: {
              StreamEnabled: true,
              StreamViewType: stream.StreamViewType as 'NEW_IMAGE',
            },
          }
        : {}),
    },
    ...(ttl?.Enabled && ttl.AttributeName ? { timeToLiveAttribute: ttl.AttributeName } : {}),
  };
}

/** CloudFormation queue properties that are SQS queue attributes of the same name. */
const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
] as const;

function localQueue(
  logicalId: string,
  resource: CloudFormationResource,
  physical: PhysicalResources,
): LocalQueue {
  const props = resource.Properties ?? {};
  const attributes: Record<string, string> = {};
  for (const name of QUEUE_ATTRIBUTES) {
    if (props[name] !== undefined)
      attributes[name] = resolveString(props[name], physical, `${logicalId}.${name}`);
  }
  for (const name of ['RedrivePolicy', 'RedriveAllowPolicy'] as const) {
    if (props[name] !== undefined)
      attributes[name] = JSON.stringify(resolveIntrinsics(props[name], physical));
  }
  return {
    logicalId,
    queueName: physical.attribute(logicalId, 'QueueName'),
    queueUrl: physical.attribute(logicalId, 'QueueUrl'),
    queueArn: physical.attribute(logicalId, 'Arn'),
    attributes,
    metadata: resource.Metadata ?? {},
  };
}

function orderDeadLetterQueuesFirst(queues: LocalQueue[]): LocalQueue[] {
  const redrives = (queue: LocalQueue): boolean => queue.attributes.RedrivePolicy !== undefined;
  return [...queues.filter((queue) => !redrives(queue)), ...queues.filter(redrives)];
}

const RATE_UNITS_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

function rateToMilliseconds(expression: string, logicalId: string): number {
  const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression.trim());
  if (match === null) {
    throw new TemplateResolutionError(
      `${logicalId}: only rate(...) schedules run locally, got ${expression}`,
    );
  }
  return Number(match[1]) * RATE_UNITS_MS[match[2] as string]!;
}
