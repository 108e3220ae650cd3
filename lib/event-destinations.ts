import { CfnOutput, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { ApiMapping, DomainName } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate, type ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { BillingMode } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { adapterFor, DESTINATION_TYPES } from '../lambdas/destinations/registry';
import { METRICS } from '../lambdas/handlers/metric-names';
import { TABLE_DEFINITIONS } from '../lambdas/store/table-definitions';
import { Alerting, type AlarmThresholds } from './alerting';
import { Api } from './api';
import { OperationsDashboard } from './dashboard';
import { Delivery } from './delivery';
import { Ingest } from './ingest';
import { grantCredentialsKey, grantTableAccess, grantTenantRoleAssumption, type TableAccess } from './grants';
import type { HandlerFunction } from './handler-function';
import { OperatorEvents, type OperatorEventsSettings } from './operator-events';
import { runtimeSettingsEnvironment, type RuntimeSettings } from './runtime-settings';
import { Storage, type TableId } from './storage';
import { Sweeper } from './sweeper';

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ApiThrottle {
  /** Steady-state requests per second. @default 1000 */
  readonly rateLimit?: number;
  /** Burst of requests. @default 2000 */
  readonly burstLimit?: number;
}

export interface CustomDomain {
  /** e.g. `events.example.com`; point a DNS record at the `ApiDomainTarget` output. */
  readonly domainName: string;
  /**
   * An ACM certificate for domainName, in the stack's region (give this or certificateArn).
   * @default - the certificate of certificateArn
   */
  readonly certificate?: ICertificate;
  /** The ARN of that certificate (give this or certificate). @default - certificate */
  readonly certificateArn?: string;
}

export interface EventDestinationsProps extends RuntimeSettings {
  /**
   * What happens to data (tables, keys, logs) when the stack is deleted: RETAIN or DESTROY (SNAPSHOT
   * is refused: none of these resources supports it). @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** DynamoDB capacity mode. @default BillingMode.PAY_PER_REQUEST */
  readonly billingMode?: BillingMode;
  /**
   * Origins allowed to call the API from a browser (the portal).
   * @default - the origin of portalUrl when it is set, else ['*'] (any origin: every route needs a
   * Bearer token, never a cookie, so CORS guards no credential)
   */
  readonly corsAllowOrigins?: string[];
  /** Throttling of the API's default stage. @default - 1000 requests/s, bursts of 2000 */
  readonly apiThrottle?: ApiThrottle;
  /** Serve the API on a domain of yours. @default - the execute-api URL only */
  readonly customDomain?: CustomDomain;
  /** Where the tenant portal lives (`GET /tenants/:id/portal` redirects there). @default - no portal */
  readonly portalUrl?: string;
  /** Level of the functions' Powertools logs. @default 'INFO' */
  readonly logLevel?: LogLevel;
  /**
   * Stack traces in the logs point at the TypeScript sources (`NODE_OPTIONS=--enable-source-maps`).
   * Off by default: Node then parses each bundle's source map as it loads, which adds about 100 ms
   * (half again) to every cold start (BENCHMARKS.md §4). The maps ship in every bundle either way, so a
   * minified trace can still be decoded offline.
   * @default false
   */
  readonly sourceMapStackTraces?: boolean;
  /**
   * Concurrent deliver Lambdas per destination type (bounds the load on tenants' endpoints), 2 to
   * 1000 (SQS event sources' range). @default 50
   */
  readonly deliveryMaxConcurrency?: number;
  /** An address subscribed to the alerts topic (it must confirm the subscription). @default - none */
  readonly alertEmail?: string;
  /** @default - see AlarmThresholds */
  readonly alarmThresholds?: AlarmThresholds;
  /**
   * Also POST every destination alert (or those of `topics`) to an endpoint of yours, signed per
   * Standard Webhooks with a generated secret (output `OperatorEventsSigningSecretArn`).
   * @default - alerts go to the SNS alerts topic only
   */
  readonly operatorEvents?: OperatorEventsSettings;
}

/** Which tables each function reaches, and how; nothing else is granted. */
const TABLE_ACCESS: Record<
  'api' | 'deliver' | 'sweeper' | 'ingest',
  Partial<Record<TableId, TableAccess>>
> = {
  // The API manages tenants and destinations, stores events and lists everything.
  api: { destinations: 'readWrite', events: 'readWrite', attempts: 'readWrite' },
  // Deliverers read the destination, advance the delivery, record the attempt and update health.
  deliver: { destinations: 'readWrite', events: 'readWrite', attempts: 'write' },
  // The sweeper reads due deliveries and takes over lost ones: a conditional PutItem of the delivery
  // with a new task id (DeliveriesRepository.replaceTask), then re-enqueues them.
  sweeper: { events: { readAnd: ['dynamodb:PutItem'] } },
  // The ingest Lambda publishes: reads the tenant's destinations, stores events and their deliveries.
  ingest: { destinations: 'read', events: 'readWrite' },
};

/**
 * event-destinations, the whole system: the `/api/v1` HTTP API, one SQS queue + DLQ + deliver Lambda
 * per destination type, the outbox sweeper, the tables and keys they share, the alerts topic with
 * its alarms, and an operations dashboard. Each function is granted only what its handler does.
 */
export class EventDestinations extends Construct {
  readonly storage: Storage;
  readonly delivery: Delivery;
  readonly api: Api;
  readonly sweeper: Sweeper;
  readonly ingest: Ingest;
  readonly alerting: Alerting;
  readonly dashboard: OperationsDashboard;
  /** The operator-events HTTP sink, when `operatorEvents` is set. */
  readonly operatorEvents?: OperatorEvents;
  /** Base URL of the API (ends with `/`; the API is under `api/v1`). */
  readonly apiUrl: string;

  constructor(scope: Construct, id: string, props: EventDestinationsProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    // Queue names (`<stack>-deliver-<type>`) and the metrics namespace are the stack's: a second
    // construct would collide with the first.
    if (stacksWithOne.has(stack)) {
      throw new Error(
        `EventDestinations: ${stack.stackName} has one already; put each deployment in a stack of its own`,
      );
    }
    stacksWithOne.add(stack);
    validate(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const settings = runtimeSettingsEnvironment(props);
    // Per stack, so that two deployments in one account (staging, production) never mix metrics.
    const metricsNamespace = `EventDestinations/${stack.stackName}`;

    this.storage = new Storage(this, 'Storage', { removalPolicy, billingMode: props.billingMode });
    this.delivery = new Delivery(this, 'Delivery', {
      destinationTypes: DESTINATION_TYPES,
      removalPolicy,
      maxConcurrency: props.deliveryMaxConcurrency,
    });
    const attemptTimeout = Number(settings.DELIVERY_TIMEOUT_SECONDS);
    if (attemptTimeout >= this.delivery.functionTimeout.toSeconds()) {
      throw new Error(
        `deliveryTimeoutSeconds (${attemptTimeout}) must be below the deliver Lambda timeout (${this.delivery.functionTimeout.toSeconds()} s)`,
      );
    }
    this.api = new Api(this, 'Api', {
      removalPolicy,
      corsAllowOrigins: props.corsAllowOrigins ?? portalOrigin(props.portalUrl),
      throttleRateLimit: props.apiThrottle?.rateLimit,
      throttleBurstLimit: props.apiThrottle?.burstLimit,
    });
    this.sweeper = new Sweeper(this, 'Sweeper', { removalPolicy });
    this.ingest = new Ingest(this, 'Ingest', { removalPolicy });
    this.alerting = new Alerting(this, 'Alerting', {
      alertEmail: props.alertEmail,
      metricsNamespace,
      thresholds: props.alarmThresholds,
      removalPolicy,
    });

    const environment: Record<string, string> = {
      DEPLOYMENT_MODE: 'aws',
      ...Object.fromEntries(
        TABLE_DEFINITIONS.map((definition) => [
          definition.envVar,
          this.storage.tables[definition.id].tableName,
        ]),
      ),
      DELIVERY_QUEUE_URLS: Stack.of(this).toJsonString(
        Object.fromEntries([...this.delivery.pipelines].map(([type, { queue }]) => [type, queue.queueUrl])),
      ),
      // The key id (its Ref) suffices for KMS calls in this account and region.
      CREDENTIALS_KMS_KEY_ID: this.storage.credentialsKey.keyId,
      ALERTS_TOPIC_ARN: this.alerting.topic.topicArn,
      ...(props.portalUrl ? { PORTAL_URL: props.portalUrl } : {}),
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      ...(props.sourceMapStackTraces ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
      [METRICS.namespaceVariable]: metricsNamespace,
      ...settings,
    };
    for (const handler of this.handlers) {
      for (const [name, value] of Object.entries(environment)) handler.addEnvironment(name, value);
    }
    if (props.operatorEvents) {
      const operatorEvents = new OperatorEvents(this, 'OperatorEvents', props.operatorEvents);
      for (const handler of this.delivery.handlers) operatorEvents.attachTo(handler);
      this.operatorEvents = operatorEvents;
    }
    this.grant();
    this.apiUrl = this.mapCustomDomain(props.customDomain) ?? this.api.url;
    this.addAlarms();
    this.dashboard = new OperationsDashboard(this, 'Dashboard', {
      metricsNamespace,
      pipelines: this.delivery.pipelines,
      httpApi: this.api.httpApi,
      ingest: this.ingest,
    });
    this.addOutputs(props);
  }

  get handlers(): HandlerFunction[] {
    return [this.api.handler, ...this.delivery.handlers, this.sweeper.handler, this.ingest.handler];
  }

  private grant(): void {
    const { tables, tableKey, credentialsKey } = this.storage;
    const grantTables = (handler: HandlerFunction, access: Partial<Record<TableId, TableAccess>>) => {
      for (const definition of TABLE_DEFINITIONS) {
        const level = access[definition.id];
        if (level) grantTableAccess(handler, tables[definition.id], definition, tableKey, level);
      }
    };
    const enqueue = (handler: HandlerFunction) => {
      for (const queue of this.delivery.queues) queue.grantSendMessages(handler);
    };

    grantTables(this.api.handler, TABLE_ACCESS.api);
    enqueue(this.api.handler);
    grantCredentialsKey(this.api.handler, credentialsKey, ['kms:GenerateDataKey', 'kms:Decrypt']);
    for (const [type, { handler }] of this.delivery.pipelines) {
      grantTables(handler, TABLE_ACCESS.deliver);
      // Queue grants between deliverers are the Delivery construct's (retries re-enqueue).
      grantCredentialsKey(handler, credentialsKey, ['kms:Decrypt']);
      // Destination alerts (thresholds, auto-disable, exhausted retries) come from deliveries.
      this.alerting.grantPublish(handler);
      if (assumesTenantRoles(type)) grantTenantRoleAssumption(handler.executionRole);
    }
    grantTables(this.sweeper.handler, TABLE_ACCESS.sweeper);
    enqueue(this.sweeper.handler);
    // Publishing from the queue does what POST /publish does.
    grantTables(this.ingest.handler, TABLE_ACCESS.ingest);
    enqueue(this.ingest.handler);
    grantCredentialsKey(this.ingest.handler, credentialsKey, ['kms:Decrypt']);
  }

  private mapCustomDomain(customDomain: CustomDomain | undefined): string | undefined {
    if (!customDomain) return undefined;
    const domainName = new DomainName(this, 'ApiDomain', {
      domainName: customDomain.domainName,
      // validate() saw exactly one of the two.
      certificate:
        customDomain.certificate ??
        Certificate.fromCertificateArn(this, 'ApiCertificate', String(customDomain.certificateArn)),
    });
    new ApiMapping(this, 'ApiMapping', { api: this.api.httpApi, domainName, stage: this.api.stage });
    new CfnOutput(this, 'ApiDomainTarget', {
      value: domainName.regionalDomainName,
      description: `Point a CNAME (or alias) record for ${customDomain.domainName} here`,
    });
    return `https://${customDomain.domainName}/`;
  }

  private addAlarms(): void {
    const alerting = this.alerting;
    for (const [type, { queue, deadLetterQueue, handler }] of this.delivery.pipelines) {
      const id = `Deliver${pascal(type)}`;
      alerting.alarmOnDeadLetters(
        `${id}DeadLetters`,
        `${type} delivery tasks in the dead-letter queue`,
        deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
      );
      alerting.alarmOnQueueAge(
        `${id}QueueAge`,
        `${type} delivery queue falling behind`,
        queue.metricApproximateAgeOfOldestMessage(),
        'delivery',
      );
      alerting.alarmOnFailureRate(`${id}FailureRate`, type);
      alerting.alarmOnFunction(id, `deliver ${type}`, handler.metricErrors(), handler.metricThrottles());
    }
    alerting.alarmOnFunction(
      'Api',
      'api',
      this.api.handler.metricErrors(),
      this.api.handler.metricThrottles(),
    );
    alerting.alarmOnFunction(
      'Sweeper',
      'sweeper',
      this.sweeper.handler.metricErrors(),
      this.sweeper.handler.metricThrottles(),
    );
    alerting.alarmOnDeadLetters(
      'IngestDeadLetters',
      'messages of the ingest queue that could not be published (see their reason attribute)',
      this.ingest.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
    );
    alerting.alarmOnQueueAge(
      'IngestQueueAge',
      'ingest queue falling behind (events sent to it are not being published)',
      this.ingest.queue.metricApproximateAgeOfOldestMessage(),
      'ingest',
    );
    alerting.alarmOnFunction(
      'Ingest',
      'ingest',
      this.ingest.handler.metricErrors(),
      this.ingest.handler.metricThrottles(),
    );
    alerting.alarmOnApiServerErrors('Api5xx', this.api.httpApi.metricServerError());
  }

  private addOutputs(props: EventDestinationsProps): void {
    new CfnOutput(this, 'ApiUrl', { value: this.apiUrl, description: 'Base URL; the API is under /api/v1' });
    new CfnOutput(this, 'PortalUrl', {
      value: props.portalUrl ?? 'none (set portalUrl once the portal is hosted)',
      description: 'Tenant portal that GET /api/v1/tenants/{id}/portal redirects to',
    });
    new CfnOutput(this, 'AlertsTopicArn', {
      value: this.alerting.topic.topicArn,
      description: 'SNS topic of every alarm and destination alert; subscribe to it',
    });
    new CfnOutput(this, 'AdminApiKeySecretArn', {
      value: this.api.adminApiKey.secretArn,
      description: 'Secrets Manager secret holding the admin API key',
    });
    new CfnOutput(this, 'ApiFunctionName', {
      value: this.api.handler.functionName,
      description: 'The api Lambda: recycle its containers after rotating a secret (docs/deploy.md)',
    });
    new CfnOutput(this, 'JwtSecretArn', {
      value: this.api.jwtSecret.secretArn,
      description: 'Secrets Manager secret holding the tenant JWT signing secret',
    });
    if (this.operatorEvents) {
      new CfnOutput(this, 'OperatorEventsSigningSecretArn', {
        value: this.operatorEvents.signingSecret.secretArn,
        description: 'Secrets Manager secret whose value verifies the operator events (Standard Webhooks)',
      });
    }
    new CfnOutput(this, 'IngestQueueUrl', {
      value: this.ingest.queue.queueUrl,
      description: 'Send POST /publish bodies here (SendMessageBatch) to publish from a queue',
    });
    new CfnOutput(this, 'DashboardName', {
      value: this.dashboard.dashboard.dashboardName,
      description: 'CloudWatch dashboard of publish rate, deliveries, latency and queues',
    });
  }
}

const stacksWithOne = new WeakSet<Stack>();

/**
 * The props checked at synth, each error naming its prop: the constructs would let some through to a
 * failed deployment (or a silent misconfiguration) and refuse others in words that do not name it.
 * Unresolved tokens (values known only at deploy) are left to CloudFormation.
 */
function validate(props: EventDestinationsProps): void {
  const fail = (prop: string, expected: string, value: unknown): never => {
    throw new Error(`${prop}: expected ${expected}, got ${JSON.stringify(value)}`);
  };
  const known = <T>(value: T | undefined): value is T => value !== undefined && !Token.isUnresolved(value);
  const integerIn = (prop: string, value: number | undefined, min: number, max = Infinity): void => {
    if (known(value) && !(Number.isInteger(value) && value >= min && value <= max)) {
      fail(prop, `an integer from ${min}${max === Infinity ? ' up' : ` to ${max}`}`, value);
    }
  };
  if (props.removalPolicy === RemovalPolicy.SNAPSHOT) {
    // CloudFormation would reject the template: none of this stack's resources with data (DynamoDB
    // tables, KMS keys, log groups) supports the Snapshot deletion policy.
    fail(
      'removalPolicy',
      'RETAIN (the default: data survives `cdk destroy`) or DESTROY; SNAPSHOT is not supported by ' +
        'DynamoDB tables, KMS keys or log groups (the tables have point-in-time recovery: export a ' +
        'backup before destroying if you need one)',
      'SNAPSHOT',
    );
  }
  if (props.logLevel && !LOG_LEVELS.includes(props.logLevel)) {
    fail('logLevel', LOG_LEVELS.join(', '), props.logLevel);
  }
  integerIn('deliveryMaxConcurrency', props.deliveryMaxConcurrency, 2, 1000);
  const rateLimit = props.apiThrottle?.rateLimit;
  if (known(rateLimit) && !(rateLimit >= 0)) fail('apiThrottle.rateLimit', 'a number from 0 up', rateLimit);
  integerIn('apiThrottle.burstLimit', props.apiThrottle?.burstLimit, 0);
  const thresholds = props.alarmThresholds ?? {};
  const percent = thresholds.failureRatePercent;
  if (known(percent) && !(percent >= 0 && percent < 100)) {
    fail('alarmThresholds.failureRatePercent', 'a percentage from 0 to below 100', percent);
  }
  integerIn('alarmThresholds.failureRateMinimumAttempts', thresholds.failureRateMinimumAttempts, 1);
  integerIn('alarmThresholds.api5xxCount', thresholds.api5xxCount, 1);
  for (const prop of ['queueAge', 'ingestQueueAge'] as const) {
    const age = thresholds[prop];
    if (age && !age.isUnresolved() && age.toSeconds() < 60) {
      fail(`alarmThresholds.${prop}`, 'at least 1 minute', age.toHumanString());
    }
  }
  if (known(props.alertEmail) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alertEmail)) {
    fail('alertEmail', 'an email address', props.alertEmail);
  }
  if (known(props.portalUrl) && !/^https?:$/.test(urlOf(props.portalUrl)?.protocol ?? '')) {
    fail('portalUrl', 'an absolute http(s):// URL', props.portalUrl);
  }
  const domain = props.customDomain;
  if (domain === undefined) return;
  if ((domain.certificate === undefined) === (domain.certificateArn === undefined)) {
    fail('customDomain', 'exactly one of certificate and certificateArn', Object.keys(domain));
  }
  const certificateArn = domain.certificateArn;
  if (
    known(certificateArn) &&
    !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(certificateArn)
  ) {
    fail(
      'customDomain.certificateArn',
      'an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)',
      certificateArn,
    );
  }
  if (
    known(domain.domainName) &&
    !/^(?!-)[a-z0-9-]{1,63}(\.(?!-)[a-z0-9-]{1,63})+$/i.test(domain.domainName)
  ) {
    fail('customDomain.domainName', 'a host name such as events.example.com', domain.domainName);
  }
}

/** The portal's origin, the one browser caller of the API (a token cannot be parsed: any origin then). */
function portalOrigin(portalUrl: string | undefined): string[] | undefined {
  return portalUrl && !Token.isUnresolved(portalUrl) ? [new URL(portalUrl).origin] : undefined;
}

function urlOf(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Types whose credentials may name a tenant's role (role_arn + external_id) to deliver with. */
const assumesTenantRoles = (type: string): boolean =>
  adapterFor(type)?.metadata.credential_fields.some((field) => field.key === 'role_arn') ?? false;

const pascal = (type: string): string =>
  type
    .split(/[^a-zA-Z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
