import type { BenchResults } from './main';
import { PRICES } from './prices';
import type { Distribution } from './stats';

/** The bench's figures as a table (stdout) and as BENCHMARKS.md, with the §4b budget verdicts. */

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(value < 10 ? 1 : 0) : '–');
const dist = (d: Distribution): string => `${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.p99)}`;
const usd = (value: number): string => `$${value.toFixed(value < 1 ? 3 : 2)}`;
const rate = (value: number): string => (Number.isFinite(value) ? value.toFixed(0) : '–');

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

function sections(results: BenchResults): Record<string, string> {
  const { limits } = results;
  const limitsTable = table(
    ['ceiling on this machine', 'per second'],
    [
      ['HTTP POST, keep-alive, 1 KiB, one Node process -> bench receiver', rate(limits.httpPostsPerSecond)],
      ['DynamoDB Local PutItem (1 KiB)', rate(limits.dynamoPutItemsPerSecond)],
      ['fauxqs SendMessageBatch (messages)', rate(limits.sqsSendsPerSecond)],
      ['fauxqs ReceiveMessage + DeleteMessageBatch (messages)', rate(limits.sqsReceiveDeletesPerSecond)],
    ],
  );
  const throughputTable = table(
    [
      'run',
      'events',
      'delivered',
      'accepted/s',
      'delivered/s',
      'vs HTTP limit',
      'publish p50/p95/p99 ms',
      'end-to-end p50/p95/p99 ms',
    ],
    results.throughput.map((run) => [
      run.label,
      String(run.events),
      `${run.deliveries}/${run.expectedDeliveries}${run.errors ? ` (${run.errors} errors)` : ''}`,
      rate(run.acceptedPerSecond),
      rate(run.deliveredPerSecond),
      `${((100 * run.deliveredPerSecond) / limits.httpPostsPerSecond).toFixed(1)} %`,
      dist(run.publishMs),
      dist(run.endToEndMs),
    ]),
  );
  const costTable = table(
    [
      'scenario',
      'WCU',
      'RCU',
      'SQS req',
      'Lambda inv',
      'handler ms (by fn)',
      'API req',
      'DynamoDB od/prov',
      'SQS',
      'Lambda',
      'API GW',
      '$/M on-demand',
      '$/M provisioned',
    ],
    results.cost.map((scenario) => {
      const p = scenario.perDelivery;
      const m = scenario.perMillion;
      return [
        scenario.name,
        p.writeUnits.toFixed(2),
        p.readUnits.toFixed(2),
        p.sqsRequests.toFixed(2),
        p.lambdaInvocations.toFixed(2),
        Object.entries(p.lambdaMs)
          .map(([role, value]) => `${role} ${value.toFixed(1)}`)
          .join(', '),
        p.apiRequests.toFixed(2),
        `${usd(m.dynamoOnDemand)} / ${usd(m.dynamoProvisioned)}`,
        usd(m.sqs),
        usd(m.lambda),
        usd(m.apiGateway),
        `**${usd(m.totalOnDemand)}**`,
        usd(m.totalProvisioned),
      ];
    }),
  );
  const coldTable =
    'error' in results.coldStart
      ? `Synthesis with bundling failed: \`${results.coldStart.error}\``
      : table(
          ['bundle', 'functions', 'size KiB', 'load + init ms (median)'],
          results.coldStart.map((bundle) => [
            bundle.entry,
            String(bundle.functions),
            bundle.sizeKiB.toFixed(0),
            ms(bundle.loadMs),
          ]),
        );
  const scaleTable = table(
    [
      'stored events (+ attempts)',
      'publish p50/p95/p99 ms',
      'GET /events p50/p95/p99 ms',
      'GET /attempts p50/p95/p99 ms',
      'seeded in s',
    ],
    results.scale.map((point) => [
      String(point.storedEvents),
      dist(point.publishMs),
      dist(point.listEventsMs),
      dist(point.listAttemptsMs),
      point.seedSeconds.toFixed(1),
    ]),
  );
  return { limitsTable, throughputTable, costTable, coldTable, scaleTable };
}

/** Where a figure misses DESIGN.md §4b (or an anchor), with what dominates it. */
export function verdicts(results: BenchResults): string[] {
  const lines: string[] = [];
  const single = results.cost[0];
  const anchor = PRICES.anchors.eventBridgeApiDestinationsPerMillion;
  for (const scenario of results.cost) {
    const total = scenario.perMillion.totalOnDemand;
    lines.push(
      `${total <= anchor ? 'MEETS' : 'MISSES'} cost goal (< $${anchor}/M, EventBridge API destinations) — ` +
        `${scenario.name}: ${usd(total)}/M on-demand, ${usd(scenario.perMillion.totalProvisioned)}/M provisioned; ` +
        `largest: ${scenario.dominant.join('; ')}`,
    );
  }
  if (single) {
    const p = single.perDelivery;
    lines.push(
      `${p.writeUnits <= 3 ? 'MEETS' : 'MISSES'} DynamoDB write budget (≤ 3 WCU per delivery): ${p.writeUnits.toFixed(2)} WCU` +
        (p.writeUnits > 3 ? `; by operation: ${single.dominant.slice(2).join('; ')}` : ''),
    );
    lines.push(
      `${p.readUnits <= 1 ? 'MEETS' : 'MISSES'} DynamoDB read budget (≤ 1 RCU per delivery): ${p.readUnits.toFixed(2)} RCU`,
    );
    const api = p.lambdaMs.api ?? 0;
    const deliver = p.lambdaMs.delivery ?? 0;
    lines.push(
      `${api <= 10 ? 'MEETS' : 'MISSES'} API handler budget (≤ 10 ms per publish): ${api.toFixed(1)} ms wall time in the local runtime ` +
        '(DynamoDB Local and fauxqs round trips on a shared 2-core machine; AWS bills wall time too)',
    );
    lines.push(
      `${deliver <= 20 ? 'MEETS' : 'MISSES'} delivery handler budget (≤ 20 ms per delivery): ${deliver.toFixed(1)} ms wall time ` +
        '(includes the webhook round trip and the store writes)',
    );
  }
  if (!('error' in results.coldStart)) {
    for (const bundle of results.coldStart) {
      if (bundle.loadMs >= 100) {
        lines.push(
          `MISSES init budget (< 100 ms): ${bundle.entry} ${ms(bundle.loadMs)} ms for ${bundle.sizeKiB.toFixed(0)} KiB`,
        );
      }
    }
    if (results.coldStart.every((bundle) => bundle.loadMs < 100))
      lines.push('MEETS init budget (< 100 ms) for every bundle');
  }
  const [small, large] = results.scale;
  if (small && large) {
    const ratio = large.publishMs.p50 / small.publishMs.p50;
    lines.push(
      `${ratio <= 1.5 ? 'MEETS' : 'MISSES'} flat publish latency: p50 ${ms(small.publishMs.p50)} ms at ${small.storedEvents} events, ` +
        `${ms(large.publishMs.p50)} ms at ${large.storedEvents} (×${ratio.toFixed(2)})`,
    );
  }
  const worstP95 = Math.max(
    ...results.throughput.filter((run) => run.label.includes('ev/s')).map((run) => run.endToEndMs.p95),
  );
  lines.push(
    `${worstP95 < PRICES.anchors.outpostP95EndToEndMs ? 'MEETS' : 'MISSES'} Outpost's p95 < 1 s end to end at a fixed rate: worst p95 ${ms(worstP95)} ms`,
  );
  return lines;
}

export function renderStdout(results: BenchResults): string {
  const s = sections(results);
  return [
    `\nLimits\n${s.limitsTable}`,
    `\nThroughput and latency (local runtime)\n${s.throughputTable}`,
    `\nAWS cost per delivery and per million deliveries\n${s.costTable}`,
    `\nCold start (synthesized bundles)\n${s.coldTable}`,
    `\nScale\n${s.scaleTable}`,
    `\nBudget (DESIGN.md §4b)\n${verdicts(results)
      .map((line) => `- ${line}`)
      .join('\n')}\n`,
  ].join('\n');
}

export function renderMarkdown(results: BenchResults): string {
  const s = sections(results);
  const m = results.machine;
  const anchors = PRICES.anchors;
  return `# Benchmarks

Written by \`npm run bench -- --write\`${results.quick ? ' (`--quick`: a smaller run)' : ''} on ${results.date.slice(0, 10)}; raw figures in
\`bench/results/latest.json\`. Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}.
Load average (1 min) ${m.loadAverage.start.toFixed(1)} at the start and ${m.loadAverage.end.toFixed(1)} at the end: the
machine is shared with other work, so speeds move with it (the counts behind the costs do not).
The whole run took ${results.durationSeconds} s.

Everything runs in **one Node process on loopback**: the bench client, the API and deliver handlers
(the local runtime), and the webhook receiver, with DynamoDB Local (Java) and fauxqs beside it — all on
the same ${m.cpus} cores. Speeds are this machine's, not AWS's; the counts behind the costs (capacity
units, requests, invocations) are what the handlers ask of AWS and carry over, the handler durations do
not (emulator round trips are slower than AWS's and the cores are shared).

Anchors: Amazon EventBridge API destinations ≈ $${anchors.eventBridgeApiDestinationsPerMillion} per million;
Hookdeck Outpost managed $${anchors.outpostManagedPerMillion} per million; Outpost's load-test target p95 < ${anchors.outpostP95EndToEndMs / 1000} s end to end.

## Budget (DESIGN.md §4b)

${verdicts(results)
  .map((line) => `- ${line}`)
  .join('\n')}

## 1. Limits of this machine

${s.limitsTable}

## 2. Throughput and latency through the local runtime

1 KiB \`data\` unless the run says otherwise; webhook destinations on the bench receiver; fixed-rate runs
are open loop, full-speed runs keep 16 publishes in flight. End to end = publish request sent -> the
receiver has the delivery. "vs HTTP limit" = delivered/s over the raw POST rate of step 1.

${s.throughputTable}

## 3. AWS cost per million deliveries

Counts per delivered event, metered by \`local/cost-meter.ts\` (DynamoDB \`ConsumedCapacity\` of every call,
SQS requests per 64 KiB, Lambda invocations and billed ms at the deployed memory sizes, HTTP API requests),
priced with \`bench/prices.ts\` (us-east-1, checked ${PRICES.checked}; provisioned DynamoDB at
${PRICES.dynamodb.provisionedUtilisation * 100} % utilisation). Lambda GB-s use the local wall time, which overstates
AWS's. Not included: idle polls of the event source mappings (a fixed cost per queue, about 5 long polls
per 20 s ≈ 0.65 M requests ≈ $0.26 a month per queue), storage, KMS, CloudWatch (each INFO log line of
~350 bytes per delivery ≈ $0.18 per million deliveries at $${PRICES.cloudWatchLogs.ingestionPerGb}/GB), data transfer.
DynamoDB Local reports the capacity of successful calls only; a failed conditional write (a duplicate
publish) is counted as a request without units.

${s.costTable}

## 4. Cold start and size of the synthesized bundles

Each bundle as \`cdk synth\` builds it (esbuild, minified), loaded in a fresh Node process from / (module
initialisation included), median of ${results.quick ? 3 : 10}. Lambda adds its own runtime start (~100-200 ms) on top.

${s.coldTable}

## 5. Scale: a tenant with 1 k vs ${results.scale[1]?.storedEvents ?? '–'} stored events

The events and one attempt each are seeded with the store's own repositories writing into a capturing
client, then sent with BatchWriteItem (25 per call, 16 calls in flight) — the items the API would write,
without one transaction per event. Listing = first page of 100, newest first.

${s.scaleTable}
`;
}
