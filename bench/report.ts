import type { BundleFigure } from './cold-start';
import type { OperationShare } from './cost';
import type { BenchResults } from './main';
import { deliveryLogCostPerMillion, idleQueuePolling, PRICES } from './prices';
import type { Distribution, MeasuredLimit } from './stats';

/** The bench's figures as a table (stdout) and as BENCHMARKS.md, with the §4b budget verdicts. */

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(value < 10 ? 1 : 0) : '–');
const dist = (d: Distribution): string => `${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.p99)}`;
const usd = (value: number): string => `$${value.toFixed(value < 1 ? 3 : 2)}`;
const byRole = (values: Record<string, number>): string =>
  Object.entries(values)
    .map(([role, value]) => `${role} ${value.toFixed(1)}`)
    .join(', ');
const rate = (value: number): string => (Number.isFinite(value) ? value.toFixed(0) : '–');

const verdict = (meets: boolean): string => (meets ? 'MEETS' : 'MISSES');

/** Table logical ids shortened for reading: `StorageEventsTable624F63BE` -> `Events`. */
const operationName = (operation: string): string =>
  operation.replace(/Storage(\w+?)Table[0-9A-F]{8}/g, '$1');

function shares(list: OperationShare[], unit: string, top = 3): string {
  if (list.length === 0) return 'none';
  return list
    .slice(0, top)
    .map((share) => `${operationName(share.operation)} ${share.perDelivery.toFixed(2)}${unit}`)
    .join('; ');
}

const limitCells = (limit: MeasuredLimit): string[] => [
  rate(limit.perSecond),
  String(limit.concurrency),
  limit.byConcurrency.map((measured) => `${rate(measured.perSecond)} @${measured.concurrency}`).join(', '),
];

const largestPackages = (bundle: BundleFigure): string =>
  bundle.largest
    .slice(0, 3)
    .map((share) => `${share.name} ${share.kiB.toFixed(0)} KiB (${share.percent.toFixed(0)} %)`)
    .join(', ');

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
    ['ceiling on this machine', 'best per second', 'at in flight', 'per second @ calls in flight'],
    [
      ['HTTP POST, keep-alive, 1 KiB, one Node process -> bench receiver', ...limitCells(limits.httpPosts)],
      ['DynamoDB Local PutItem (1 KiB)', ...limitCells(limits.dynamoPutItems)],
      ['fauxqs SendMessageBatch (messages, 10 per call)', ...limitCells(limits.sqsSends)],
      ['fauxqs ReceiveMessage + DeleteMessageBatch (messages)', ...limitCells(limits.sqsReceiveDeletes)],
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
      `${((100 * run.deliveredPerSecond) / limits.httpPosts.perSecond).toFixed(1)} %`,
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
      'handler CPU ms (by fn)',
      'handler wall ms (by fn)',
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
        byRole(p.lambdaCpuMs),
        byRole(p.lambdaMs),
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
  const breakdownTable = table(
    ['scenario', 'WCU by operation', 'RCU by operation', 'SQS requests by operation'],
    results.cost.map((scenario) => [
      scenario.name,
      shares(scenario.writeUnitsByOperation, '', 4),
      shares(scenario.readUnitsByOperation, '', 4),
      shares(scenario.sqsRequestsByOperation, '', 5),
    ]),
  );
  const coldTable =
    'error' in results.coldStart
      ? `Synthesis with bundling failed: \`${results.coldStart.error}\``
      : table(
          [
            'bundle',
            'functions',
            'size KiB',
            'require ms',
            'async init ms',
            'construct ms',
            'init ms',
            'first invoke ms',
            'largest in the bundle',
          ],
          results.coldStart.map((bundle) => [
            bundle.entry,
            String(bundle.functions),
            bundle.sizeKiB.toFixed(0),
            ms(bundle.requireMs),
            ms(bundle.asyncInitMs),
            ms(bundle.constructMs),
            `**${ms(bundle.initMs)}**`,
            ms(bundle.firstInvokeMs),
            largestPackages(bundle),
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
  return { limitsTable, throughputTable, costTable, breakdownTable, coldTable, scaleTable };
}

/**
 * What the cost goal asks of DynamoDB and API Gateway at list prices, whatever the code does: the
 * §4b write and read budgets, priced on demand, and the HTTP API's price of one request.
 */
function costGoalFloor(): string {
  const { dynamodb, apiGateway, anchors } = PRICES;
  const hourlyPerMillion = (perHour: number) => (perHour / 3600 / dynamodb.provisionedUtilisation) * 1e6;
  const onDemand = 3 * dynamodb.onDemandPerMillionWriteUnits + dynamodb.onDemandPerMillionReadUnits;
  const provisioned =
    3 * hourlyPerMillion(dynamodb.provisionedWcuHour) + hourlyPerMillion(dynamodb.provisionedRcuHour);
  const usd = (value: number) => `$${value.toFixed(2)}`;
  return `**What the cost goal needs.** At §4b's own budget (3 WCU and 1 RCU per delivery), DynamoDB alone
costs ${usd(onDemand)} per million deliveries on demand (${usd(provisioned)} provisioned at ${dynamodb.provisionedUtilisation * 100} % use), and
the HTTP API charges ${usd(apiGateway.httpApiPerMillionRequests)} per million requests: below the $${anchors.eventBridgeApiDestinationsPerMillion} anchor only with provisioned
capacity and publishes batched (\`POST /publish/batch\` or the ingest queue). The write units are what
the listings of Outpost's API cost: an event enters three indexes (per tenant and admin-wide by time,
by id), an attempt four (by tenant, destination and event, admin-wide by time), and each index entry is
a write; the delivery ledger behind exactly-once attempts, replay and the outbox adds two writes at
publish and two when the delivery ends. docs/data-model.md lists the levers left and what each costs.`;
}

/** Where a figure misses DESIGN.md §4b (or an anchor), with what dominates it. */
export function verdicts(results: BenchResults): string[] {
  const lines: string[] = [];
  const single = results.cost[0];
  const anchor = PRICES.anchors.eventBridgeApiDestinationsPerMillion;
  for (const scenario of results.cost) {
    const total = scenario.perMillion.totalOnDemand;
    lines.push(
      `${verdict(total <= anchor)} cost goal (< $${anchor}/M, EventBridge API destinations) — ` +
        `${scenario.name}: ${usd(total)}/M on-demand, ${usd(scenario.perMillion.totalProvisioned)}/M provisioned; ` +
        `largest: ${scenario.largestServices.slice(0, 2).join('; ')}; ` +
        `WCU by operation: ${shares(scenario.writeUnitsByOperation, ' WCU')}`,
    );
  }
  if (single) {
    const p = single.perDelivery;
    lines.push(
      `${verdict(p.writeUnits <= 3)} DynamoDB write budget (≤ 3 WCU per delivery): ${p.writeUnits.toFixed(2)} WCU; ` +
        `by operation: ${shares(single.writeUnitsByOperation, ' WCU')}`,
    );
    lines.push(
      `${verdict(p.readUnits <= 1)} DynamoDB read budget (≤ 1 RCU per delivery): ${p.readUnits.toFixed(2)} RCU; ` +
        `by operation: ${shares(single.readUnitsByOperation, ' RCU')}`,
    );
    const cpu = (role: string): number => p.lambdaCpuMs[role] ?? 0;
    const wall = (role: string): number => p.lambdaMs[role] ?? 0;
    lines.push(
      `${verdict(cpu('api') <= 10)} API handler budget (≤ 10 ms of CPU per publish): ${cpu('api').toFixed(1)} ms CPU ` +
        `(${wall('api').toFixed(1)} ms wall) per publish at ${single.ratePerSecond === undefined ? 'full speed' : `${single.ratePerSecond} ev/s`}`,
    );
    lines.push(
      `${verdict(cpu('delivery') <= 20)} delivery handler budget (≤ 20 ms of CPU per delivery): ` +
        `${cpu('delivery').toFixed(1)} ms CPU (${wall('delivery').toFixed(1)} ms wall, which includes the webhook round trip)`,
    );
  }
  if (!('error' in results.coldStart)) {
    for (const bundle of results.coldStart) {
      if (bundle.initMs >= 100) {
        lines.push(
          `MISSES init budget (< 100 ms): ${bundle.entry} ${ms(bundle.initMs)} ms (require ${ms(bundle.requireMs)}, ` +
            `async init ${ms(bundle.asyncInitMs)}, construct ${ms(bundle.constructMs)}) for ${bundle.sizeKiB.toFixed(0)} KiB; ` +
            `largest: ${largestPackages(bundle)}`,
        );
      }
    }
    if (results.coldStart.every((bundle) => bundle.initMs < 100))
      lines.push('MEETS init budget (< 100 ms) for every bundle');
  }
  const [small, large] = results.scale;
  if (small && large) {
    const ratio = large.publishMs.p50 / small.publishMs.p50;
    lines.push(
      `${verdict(ratio <= 1.5)} flat publish latency: p50 ${ms(small.publishMs.p50)} ms at ${small.storedEvents} events, ` +
        `${ms(large.publishMs.p50)} ms at ${large.storedEvents} (×${ratio.toFixed(2)})`,
    );
  }
  const worstP95 = Math.max(
    ...results.throughput.filter((run) => run.label.includes('ev/s')).map((run) => run.endToEndMs.p95),
  );
  lines.push(
    `${verdict(worstP95 < PRICES.anchors.outpostP95EndToEndMs)} Outpost's p95 < 1 s end to end at a fixed rate: worst p95 ${ms(worstP95)} ms`,
  );
  return lines;
}

export function renderStdout(results: BenchResults): string {
  const s = sections(results);
  return [
    `\nLimits\n${s.limitsTable}`,
    `\nThroughput and latency (local runtime)\n${s.throughputTable}`,
    `\nAWS cost per delivery and per million deliveries\n${s.costTable}`,
    `\nWhere the units and requests go (per delivery)\n${s.breakdownTable}`,
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
  const idle = idleQueuePolling();
  const { source } = results;
  const [single, , fanOut, retries] = results.cost;
  const rateOf = (scenario: BenchResults['cost'][number] | undefined): string =>
    scenario?.ratePerSecond === undefined ? 'full speed' : `${scenario.ratePerSecond} ev/s`;
  const levels = (limit: MeasuredLimit): string =>
    limit.byConcurrency.map((measured) => measured.concurrency).join(', ');
  return `# Benchmarks

Written by \`npm run bench -- --write\`${results.quick ? ' (`--quick`: a smaller run)' : ''} on ${results.date.slice(0, 10)}; raw figures in
\`bench/results/latest.json\`. Source: commit \`${source.commit}\`${source.dirty ? ', **with uncommitted changes** in the work tree' : ' (clean work tree)'}.
Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}.
Load average (1 min) ${m.loadAverage.start.toFixed(1)} at the start and ${m.loadAverage.end.toFixed(1)} at the end: the
machine is shared with other work, so speeds move with it (the counts behind the costs do not).
The whole run took ${results.durationSeconds} s. (\`npm run bench -- --quick\` is a smaller run that checks the bench
itself: a quarter of the events, 10 k instead of 100 k stored events, shorter limits, 3 cold-start runs.)

Everything runs in **one Node process on loopback**: the bench client, the API and deliver handlers
(the local runtime), and the webhook receiver, with DynamoDB Local (Java) and fauxqs beside it — all on
the same ${m.cpus} cores. Speeds are this machine's, not AWS's; the counts behind the costs (capacity
units, requests, invocations) are what the handlers ask of AWS and carry over, the handler durations do
not (emulator round trips are slower than AWS's and the cores are shared).

Anchors: Amazon EventBridge API destinations ≈ $${anchors.eventBridgeApiDestinationsPerMillion} per million;
Hookdeck Outpost managed $${anchors.outpostManagedPerMillion} per million; Outpost's load-test target p95 < ${anchors.outpostP95EndToEndMs / 1000} s end to end.

## Budget (DESIGN.md §4b)

The per-delivery budgets are read from the single-publish scenario of section 3; each miss names what
dominates it (operations by capacity units, bundles by their largest packages).

${verdicts(results)
  .map((line) => `- ${line}`)
  .join('\n')}

${costGoalFloor()}

## 1. Limits of this machine

Each ceiling is measured at several numbers of calls in flight (HTTP: ${levels(results.limits.httpPosts)};
the emulators: ${levels(results.limits.dynamoPutItems)}), for ${results.quick ? 'a short time' : 'a few seconds'} each after one untimed pass (JIT and
connections warm), and the best rate is kept with the concurrency that reached it; every rate measured
is shown. One concurrency is not enough: on this machine the emulators (DynamoDB Local most of all) and
even a loopback HTTP server answer fastest with few calls in flight and slow down sharply as calls
overlap, so a ceiling taken at 32 in flight sat far below what the runtime itself sustains.

${s.limitsTable}

## 2. Throughput and latency through the local runtime

1 KiB \`data\` unless the run says otherwise; webhook destinations on the bench receiver; fixed-rate runs
are open loop, full-speed runs keep 16 publishes in flight. End to end = publish request sent -> the
receiver has the delivery. "vs HTTP limit" = delivered/s over the raw POST rate of step 1.

${s.throughputTable}

## 3. AWS cost per million deliveries

Counts per delivered event, metered by \`local/cost-meter.ts\` (DynamoDB \`ConsumedCapacity\` of every call,
SQS requests per 64 KiB, Lambda invocations with their wall and CPU time, HTTP API requests), priced
with \`bench/prices.ts\` (us-east-1, checked ${PRICES.checked}; provisioned DynamoDB at
${PRICES.dynamodb.provisionedUtilisation * 100} % utilisation).

The scenarios publish well below what this machine sustains (section 2's full-speed runs), so that
handlers do not queue behind each other and the emulators: one event per request at ${rateOf(single)}, fan-out
at ${rateOf(fanOut)} (10 deliveries each), the retry scenario at ${rateOf(retries)} (4 attempts each); the batch
scenario sends 100-event requests, two in flight.

**Handler CPU** is \`process.cpuUsage()\` taken at the start and end of every invocation in the local
runtime; the process's CPU between two such boundaries is shared equally by the invocations in flight,
so overlapping invocations are not counted twice. The emulators run in their own processes and are not
counted; in-process work that overlaps an invocation (the API Gateway adapter, the pollers, the bench
client and the webhook receiver answering the delivery) is, which makes the figure an upper bound of
the handler's own CPU. The §4b handler budgets (≤ 10 ms API, ≤ 20 ms delivery) are judged on CPU.
**Wall time** is shown beside it: it is what Lambda bills, and the Lambda $ uses it at the deployed memory
sizes, but here it includes DynamoDB Local and fauxqs round trips, which are slower than AWS's, so the
Lambda $ overstates AWS's.

Not included: idle polls of the event source mappings (a fixed cost per queue: about
${PRICES.sqs.eventSourceMappingIdlePollers} long polls of ${PRICES.sqs.longPollSeconds} s at a time ≈ ${(idle.requestsPerMonth / 1e6).toFixed(2)} M requests ≈ $${idle.dollarsPerMonth.toFixed(2)} a month per queue),
storage, KMS, CloudWatch (the deliver handler's INFO line of ~${PRICES.cloudWatchLogs.deliveryLogLineBytes} bytes per delivery ≈
$${deliveryLogCostPerMillion().toFixed(2)} per million deliveries at $${PRICES.cloudWatchLogs.ingestionPerGb}/GB), data transfer.
DynamoDB Local reports the capacity of successful calls only; a failed conditional write (a duplicate
publish) is counted as a request without units.

${s.costTable}

Where the units and requests go, per delivery (tables by name: \`Events\` holds events, deliveries and
their ledger; \`Attempts\` the attempt records; \`Destinations\` tenants, destinations and their
health). SQS requests are by API operation: sends of delivery tasks, the event source mapping's receives
and deletes, and the re-enqueues of retries; receives that returned nothing are the idle polls above.

${s.breakdownTable}

## 4. Cold start and size of the synthesized bundles

Each bundle as \`cdk synth\` builds it (esbuild, minified), in a fresh Node process from / with the
function's environment from the template (as Lambda sets it, \`NODE_OPTIONS\` included), median of
${results.quick ? 3 : 10} runs per phase:

- **require**: loading the module, its top-level code included;
- **async init**: what that code queued, run before the next macrotask (a deliver bundle preloads its
  transport's client here);
- **construct**: \`createHandler(env)\`, which the Lambda handlers defer to their first invocation
  (after fetching their secrets): SDK clients, repositories, the API's routes;
- **init** = require + async init + construct, the figure the < 100 ms budget is read on;
- **first invoke**: one minimal invocation (a publish, a delivery task, an ingest batch, a sweep) with
  every AWS endpoint pointed at a loopback port that refuses connections, one attempt per call: the
  SDK's set-up on its first request and the first, unoptimised run of the handler's code, without any
  service's latency. Reported beside init, not in it.

"Largest in the bundle" attributes the bundle's generated code to the npm package (or our own sources)
it came from, through the bundle's source map. Lambda adds its own runtime start (~100-200 ms) on top.

${s.coldTable}

## 5. Scale: a tenant with 1 k vs ${results.scale[1]?.storedEvents ?? '–'} stored events

The events and one attempt each are seeded with the store's own repositories writing into a capturing
client, then sent with BatchWriteItem (25 per call, 16 calls in flight) — the items the API would write,
without one transaction per event. Listing = first page of 100, newest first.

${s.scaleTable}
`;
}
