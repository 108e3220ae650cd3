import type { CloudFormationTemplate } from '../lib/synthesize-template';
import type { CostSnapshot } from '../local/cost-meter';
import { runPublish, type RunSpec } from './pipeline';
import { PRICES, provisionedPerUnit } from './prices';
import { sleep } from './stats';
import type { Harness } from './harness';

/** Step 3: what AWS would bill per million deliveries, from the meter's counts. */

export interface PerDelivery {
  writeUnits: number;
  readUnits: number;
  dynamoRequests: number;
  sqsRequests: number;
  lambdaInvocations: number;
  /** Billed handler milliseconds (wall time) per delivery, by role (`api`, `delivery`, ...). */
  lambdaMs: Record<string, number>;
  /** Handler CPU milliseconds per delivery, by role (see LambdaUsage.cpuMs: an upper bound). */
  lambdaCpuMs: Record<string, number>;
  lambdaGbSeconds: number;
  apiRequests: number;
}

/** One operation's share per delivery, e.g. `PutItem <events table>` 2 WCU, `ReceiveMessage` 1 request. */
export interface OperationShare {
  operation: string;
  perDelivery: number;
}

export interface CostPerMillion {
  dynamoOnDemand: number;
  dynamoProvisioned: number;
  sqs: number;
  lambda: number;
  apiGateway: number;
  totalOnDemand: number;
  totalProvisioned: number;
}

export interface CostScenario {
  name: string;
  /** Events per second the scenario published at; undefined = as fast as it could. */
  ratePerSecond?: number;
  deliveries: number;
  perDelivery: PerDelivery;
  perMillion: CostPerMillion;
  /** The services by $ per million, largest first, e.g. `DynamoDB (on-demand) $1.234`. */
  largestServices: string[];
  /** Where the units and requests go, per delivery, largest first. */
  writeUnitsByOperation: OperationShare[];
  readUnitsByOperation: OperationShare[];
  /** Billed SQS requests by API operation (idle polls that returned nothing excluded). */
  sqsRequestsByOperation: OperationShare[];
  snapshot: CostSnapshot;
}

/** Settling time after the last arrival: the poller deletes the batch once the handler returns. */
const SETTLE_MS = 1500;

export async function runCostScenario(
  harness: Harness,
  name: string,
  spec: RunSpec,
  memoryMb: (logicalId: string) => number,
  timeoutMs: number,
): Promise<CostScenario> {
  await sleep(SETTLE_MS);
  harness.meter.reset();
  const result = await runPublish(harness, spec, timeoutMs);
  await sleep(SETTLE_MS);
  const snapshot = harness.meter.snapshot();
  return { name, ratePerSecond: spec.ratePerSecond, ...priced(snapshot, result.deliveries, memoryMb) };
}

export function priced(snapshot: CostSnapshot, deliveries: number, memoryMb: (logicalId: string) => number) {
  const per = (value: number): number => value / Math.max(1, deliveries);
  const dynamo = Object.values(snapshot.dynamodb);
  const writeUnits = per(dynamo.reduce((sum, usage) => sum + usage.writeUnits, 0));
  const readUnits = per(dynamo.reduce((sum, usage) => sum + usage.readUnits, 0));
  const sqsRequests = per(Object.values(snapshot.sqs).reduce((sum, usage) => sum + usage.billedRequests, 0));
  const lambdaEntries = Object.entries(snapshot.lambda);
  const lambdaMs: Record<string, number> = {};
  const lambdaCpuMs: Record<string, number> = {};
  let gbSeconds = 0;
  for (const [logicalId, usage] of lambdaEntries) {
    const role = roleOf(logicalId);
    lambdaMs[role] = (lambdaMs[role] ?? 0) + per(usage.billedMs);
    lambdaCpuMs[role] = (lambdaCpuMs[role] ?? 0) + per(usage.cpuMs);
    gbSeconds += (usage.billedMs / 1000) * (memoryMb(logicalId) / 1024);
  }
  const perDelivery: PerDelivery = {
    writeUnits,
    readUnits,
    dynamoRequests: per(dynamo.reduce((sum, usage) => sum + usage.requests + usage.failedRequests, 0)),
    sqsRequests,
    lambdaInvocations: per(lambdaEntries.reduce((sum, [, usage]) => sum + usage.invocations, 0)),
    lambdaMs,
    lambdaCpuMs,
    lambdaGbSeconds: per(gbSeconds),
    apiRequests: per(snapshot.apiGateway.billedRequests),
  };
  const million = 1e6;
  const d = PRICES.dynamodb;
  const dynamoOnDemand =
    perDelivery.writeUnits * d.onDemandPerMillionWriteUnits +
    perDelivery.readUnits * d.onDemandPerMillionReadUnits;
  const dynamoProvisioned =
    million *
    (perDelivery.writeUnits * provisionedPerUnit(d.provisionedWcuHour) +
      perDelivery.readUnits * provisionedPerUnit(d.provisionedRcuHour));
  const sqs = perDelivery.sqsRequests * PRICES.sqs.perMillionRequests;
  const lambda =
    perDelivery.lambdaInvocations * PRICES.lambda.perMillionRequests +
    million * perDelivery.lambdaGbSeconds * PRICES.lambda.arm64PerGbSecond;
  const apiGateway = perDelivery.apiRequests * PRICES.apiGateway.httpApiPerMillionRequests;
  const perMillion: CostPerMillion = {
    dynamoOnDemand,
    dynamoProvisioned,
    sqs,
    lambda,
    apiGateway,
    totalOnDemand: dynamoOnDemand + sqs + lambda + apiGateway,
    totalProvisioned: dynamoProvisioned + sqs + lambda + apiGateway,
  };
  const operations = Object.entries(snapshot.dynamodb);
  return {
    deliveries,
    perDelivery,
    perMillion,
    largestServices: servicesBySpend(perMillion),
    writeUnitsByOperation: byOperation(
      operations.map(([operation, usage]) => [operation, per(usage.writeUnits)]),
    ),
    readUnitsByOperation: byOperation(
      operations.map(([operation, usage]) => [operation, per(usage.readUnits)]),
    ),
    sqsRequestsByOperation: byOperation(
      Object.entries(snapshot.sqs).map(([command, usage]) => [
        command.replace(/Command$/, ''),
        per(usage.billedRequests),
      ]),
    ),
    snapshot,
  };
}

/** Function logical ids look like `ApiHandler1234`, `DeliveryWebhookHandler…`: the role is enough. */
function roleOf(logicalId: string): string {
  for (const role of ['Api', 'Delivery', 'Sweeper', 'Ingest'])
    if (logicalId.startsWith(role)) return role.toLowerCase();
  return logicalId;
}

function servicesBySpend(perMillion: CostPerMillion): string[] {
  return (
    [
      ['DynamoDB (on-demand)', perMillion.dynamoOnDemand],
      ['Lambda', perMillion.lambda],
      ['API Gateway', perMillion.apiGateway],
      ['SQS', perMillion.sqs],
    ] as const
  )
    .slice()
    .sort((a, b) => b[1] - a[1])
    .map(([service, dollars]) => `${service} $${dollars.toFixed(3)}`);
}

function byOperation(entries: Array<[string, number]>): OperationShare[] {
  return entries
    .filter(([, perDelivery]) => perDelivery > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([operation, perDelivery]) => ({ operation, perDelivery }));
}

/** Deployed memory of each function, from the synthesized template. */
export function memoryFromTemplate(template: CloudFormationTemplate): (logicalId: string) => number {
  return (logicalId) => Number(template.Resources[logicalId]?.Properties?.MemorySize ?? 128);
}
