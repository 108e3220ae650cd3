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
  /** Billed handler milliseconds per delivery, by role (`api`, `deliver`, ...). */
  lambdaMs: Record<string, number>;
  lambdaGbSeconds: number;
  apiRequests: number;
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
  deliveries: number;
  perDelivery: PerDelivery;
  perMillion: CostPerMillion;
  /** The three largest lines, e.g. `TransactWriteItems events: 4 WCU`. */
  dominant: string[];
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
  return { name, ...priced(snapshot, result.deliveries, memoryMb) };
}

export function priced(snapshot: CostSnapshot, deliveries: number, memoryMb: (logicalId: string) => number) {
  const per = (value: number): number => value / Math.max(1, deliveries);
  const dynamo = Object.values(snapshot.dynamodb);
  const writeUnits = per(dynamo.reduce((sum, usage) => sum + usage.writeUnits, 0));
  const readUnits = per(dynamo.reduce((sum, usage) => sum + usage.readUnits, 0));
  const sqsRequests = per(Object.values(snapshot.sqs).reduce((sum, usage) => sum + usage.billedRequests, 0));
  const lambdaEntries = Object.entries(snapshot.lambda);
  const lambdaMs: Record<string, number> = {};
  let gbSeconds = 0;
  for (const [logicalId, usage] of lambdaEntries) {
    const role = roleOf(logicalId);
    lambdaMs[role] = (lambdaMs[role] ?? 0) + per(usage.billedMs);
    gbSeconds += (usage.billedMs / 1000) * (memoryMb(logicalId) / 1024);
  }
  const perDelivery: PerDelivery = {
    writeUnits,
    readUnits,
    dynamoRequests: per(dynamo.reduce((sum, usage) => sum + usage.requests + usage.failedRequests, 0)),
    sqsRequests,
    lambdaInvocations: per(lambdaEntries.reduce((sum, [, usage]) => sum + usage.invocations, 0)),
    lambdaMs,
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
  return {
    deliveries,
    perDelivery,
    perMillion,
    dominant: dominantLines(snapshot, deliveries, perMillion),
    snapshot,
  };
}

/** Function logical ids look like `ApiHandler1234`, `DeliveryWebhookHandler…`: the role is enough. */
function roleOf(logicalId: string): string {
  for (const role of ['Api', 'Delivery', 'Sweeper', 'Ingest'])
    if (logicalId.startsWith(role)) return role.toLowerCase();
  return logicalId;
}

function dominantLines(snapshot: CostSnapshot, deliveries: number, perMillion: CostPerMillion): string[] {
  const services = (
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
  const writes = Object.entries(snapshot.dynamodb)
    .sort((a, b) => b[1].writeUnits - a[1].writeUnits)
    .slice(0, 3)
    .map(
      ([operation, usage]) => `${operation}: ${(usage.writeUnits / Math.max(1, deliveries)).toFixed(2)} WCU`,
    );
  return [...services.slice(0, 2), ...writes];
}

/** Deployed memory of each function, from the synthesized template. */
export function memoryFromTemplate(template: CloudFormationTemplate): (logicalId: string) => number {
  return (logicalId) => Number(template.Resources[logicalId]?.Properties?.MemorySize ?? 128);
}
