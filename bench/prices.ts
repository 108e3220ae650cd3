/**
 * Public AWS list prices, us-east-1, the only prices the bench multiplies its counts by. Checked
 * 2026-11 against the pricing pages below; free tiers are ignored (they do not scale with volume).
 * Update the figures and `checked` together.
 */
export const PRICES = {
  checked: '2026-11',
  region: 'us-east-1',
  dynamodb: {
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ and /provisioned/',
    /** On-demand, per million write request units (1 KB each; a transactional write counts 2). */
    onDemandPerMillionWriteUnits: 0.625,
    /** On-demand, per million read request units (4 KB strongly consistent; eventually consistent = 0.5). */
    onDemandPerMillionReadUnits: 0.125,
    /** Provisioned, per WCU-hour and RCU-hour. */
    provisionedWcuHour: 0.00065,
    provisionedRcuHour: 0.00013,
    /** Provisioned capacity is paid whether used or not: assume auto scaling keeps 70 % of it busy. */
    provisionedUtilisation: 0.7,
  },
  sqs: {
    source: 'https://aws.amazon.com/sqs/pricing/',
    /** Standard queue, per million requests (each 64 KiB chunk of a payload is one request). */
    perMillionRequests: 0.4,
    /**
     * Lambda's event source mapping polls an idle queue with about this many long polls at a time,
     * each waiting this long (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html): a fixed
     * cost per queue, not per event, so the bench reports it apart.
     */
    eventSourceMappingIdlePollers: 5,
    longPollSeconds: 20,
  },
  lambda: {
    source: 'https://aws.amazon.com/lambda/pricing/',
    /** arm64 (Graviton), per GB-second of duration, first 7.5 billion GB-s a month. */
    arm64PerGbSecond: 0.0000133334,
    perMillionRequests: 0.2,
  },
  apiGateway: {
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    /** HTTP API, per million requests (first 300 million a month; each 512 KB is one request). */
    httpApiPerMillionRequests: 1.0,
  },
  cloudWatchLogs: {
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    /** Not metered by the bench: the ingestion price of the handlers' log lines, for the note. */
    ingestionPerGb: 0.5,
    /** The deliver handler's one INFO line per delivery (`delivery task processed`), about this long. */
    deliveryLogLineBytes: 350,
  },
  anchors: {
    /** Amazon EventBridge API destinations: $0.20/M invocations + $1.00/M events put on the bus. */
    eventBridgeApiDestinationsPerMillion: 1.2,
    eventBridgeSource: 'https://aws.amazon.com/eventbridge/pricing/',
    /** Hookdeck Outpost, managed, per million events. */
    outpostManagedPerMillion: 10,
    outpostSource: 'https://outpost.hookdeck.com (pricing)',
    /** Outpost's load-test target: p95 end-to-end latency. */
    outpostP95EndToEndMs: 1000,
  },
} as const;

/** $ per unit, provisioned at the assumed utilisation: a unit-hour serves 3600 units at 100 %. */
export const provisionedPerUnit = (unitHour: number): number =>
  unitHour / (3600 * PRICES.dynamodb.provisionedUtilisation);

const SECONDS_PER_MONTH = 30 * 24 * 3600;

/** Empty receives of one idle queue's event source mapping in a 30-day month, and their price. */
export function idleQueuePolling(): { requestsPerMonth: number; dollarsPerMonth: number } {
  const { eventSourceMappingIdlePollers, longPollSeconds, perMillionRequests } = PRICES.sqs;
  const requestsPerMonth = (SECONDS_PER_MONTH / longPollSeconds) * eventSourceMappingIdlePollers;
  return { requestsPerMonth, dollarsPerMonth: (requestsPerMonth / 1e6) * perMillionRequests };
}

/** CloudWatch Logs ingestion of one INFO line per delivery, per million deliveries (GB = 10^9 bytes). */
export function deliveryLogCostPerMillion(): number {
  const { deliveryLogLineBytes, ingestionPerGb } = PRICES.cloudWatchLogs;
  return ((deliveryLogLineBytes * 1e6) / 1e9) * ingestionPerGb;
}
