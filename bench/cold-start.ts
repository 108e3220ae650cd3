import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import type { CloudFormationTemplate } from '../lib/synthesize-template';
import { localResources } from '../local/template-resources';
import { closedPort } from '../test/support/closed-port';
import { synthesizeBundles, type BundledFunction } from '../test/support/synthesized-bundles';
import { bundleComposition, type BundleShare } from './bundle-composition';
import { median } from './stats';

/**
 * Step 4: each distinct Lambda bundle as `cdk synth` builds it: its size and what it is made of, and
 * what a cold start spends before the first request's own work, in a fresh Node process with the
 * function's own environment (as Lambda sets it), median of `runs`:
 * - require: loading the module (its top-level code included);
 * - async init: what that code queued and the event loop runs before anything else (a deliver
 *   bundle preloads its transport's client), until the next macrotask;
 * - construct: `createHandler(env)`, the clients, repositories and routes a handler builds on its
 *   first invocation (handlerWithSecrets, lazyHandler) after fetching its secrets;
 * - first invoke: one minimal invocation whose AWS endpoints refuse connections (one attempt): the
 *   SDK's lazy set-up on its first request and the handler's first (cold) run of its code, without
 *   any service's latency. Reported beside init, not in it.
 * Run from / so that nothing outside the bundle can be resolved, as in Lambda.
 */
export interface BundleFigure {
  entry: string;
  functions: number;
  sizeKiB: number;
  requireMs: number;
  asyncInitMs: number;
  constructMs: number;
  /** require + async init + construct: the budget's "initialise" (DESIGN.md §4b). */
  initMs: number;
  firstInvokeMs: number;
  /** Per run: [require, async init, construct, first invoke] ms. */
  samples: number[][];
  /** The largest contributors to the bundle's generated code. */
  largest: BundleShare[];
}

/** A cold start that takes longer than this is a hang (a client that never gives up), not a figure. */
const CHILD_TIMEOUT_MS = 60_000;

const PHASES = `
const [bundlePath, handlerExport, eventJson] = process.argv.slice(1);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const started = now();
const loaded = require(bundlePath);
const required = now();
setImmediate(async () => {
  const initialised = now();
  const handler = loaded.createHandler(process.env);
  const constructed = now();
  try {
    await handler(JSON.parse(eventJson));
  } catch {
    // Refused endpoints: the invocation is expected to fail.
  }
  const invoked = now();
  if (typeof loaded[handlerExport] !== 'function') throw new Error('no handler export ' + handlerExport);
  process.stdout.write('\\nBENCH_PHASES ' + JSON.stringify([
    required - started, initialised - required, constructed - initialised, invoked - constructed,
  ]) + '\\n');
  process.exit(0);
});
`;

export async function measureColdStarts(runs: number): Promise<BundleFigure[]> {
  const bundles = synthesizeBundles();
  try {
    return await measureBundles(bundles.template, bundles.functions, runs);
  } finally {
    bundles.remove();
  }
}

async function measureBundles(
  template: CloudFormationTemplate,
  functions: BundledFunction[],
  runs: number,
): Promise<BundleFigure[]> {
  // A port that was free a moment ago: connections to it are refused at once.
  const refusedEndpoint = `http://127.0.0.1:${await closedPort()}`;
  const resources = localResources(template, {
    queueUrl: (queueName) => `${refusedEndpoint}/000000000000/${queueName}`,
  });
  const byBundle = new Map<string, { fn: BundledFunction; entry: string; count: number }>();
  for (const fn of functions) {
    const seen = byBundle.get(fn.bundlePath);
    // Deliver bundles are built per destination type: name the transport each one carries.
    const entry = fn.transport === undefined ? fn.entry : `${fn.entry} (${fn.transport})`;
    byBundle.set(fn.bundlePath, { fn: seen?.fn ?? fn, entry, count: (seen?.count ?? 0) + 1 });
  }
  return [...byBundle].map(([bundlePath, { fn, entry, count }]) => {
    const env = {
      ...resources.functions[fn.logicalId]!.environment,
      ...lambdaEnvironment(refusedEndpoint),
    };
    const samples = Array.from({ length: runs }, () =>
      phasesOf(
        execFileSync(
          process.execPath,
          ['-e', PHASES, bundlePath, fn.handlerExport, JSON.stringify(minimalEvent(fn))],
          { cwd: '/', env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: CHILD_TIMEOUT_MS },
        ),
      ),
    );
    const phase = (index: number): number => median(samples.map((sample) => sample[index]!));
    const [requireMs, asyncInitMs, constructMs, firstInvokeMs] = [0, 1, 2, 3].map(phase) as [
      number,
      number,
      number,
      number,
    ];
    return {
      entry,
      functions: count,
      sizeKiB: statSync(bundlePath).size / 1024,
      requireMs,
      asyncInitMs,
      constructMs,
      initMs: median(samples.map(([a, b, c]) => a! + b! + c!)),
      firstInvokeMs,
      samples,
      largest: bundleComposition(bundlePath).slice(0, 5),
    };
  });
}

function phasesOf(output: string): number[] {
  const line = output.split('\n').find((candidate) => candidate.startsWith('BENCH_PHASES '));
  if (line === undefined) throw new Error(`cold start run printed no phases: ${output.slice(-500)}`);
  return JSON.parse(line.slice('BENCH_PHASES '.length)) as number[];
}

/**
 * What Lambda adds to the function's template environment: region and credentials (fake: nothing
 * is reached), the secrets handlerWithSecrets would have fetched, and every AWS endpoint pointed at
 * a loopback port nothing listens on, with one attempt per call (no retry back-off in the timing).
 */
function lambdaEnvironment(refusedEndpoint: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'cold-start',
    AWS_SECRET_ACCESS_KEY: 'cold-start',
    AWS_MAX_ATTEMPTS: '1',
    API_KEY: 'cold-start-admin-key',
    API_JWT_SECRET: 'cold-start-jwt-secret-0123456789abcdef',
    ...Object.fromEntries(
      ['DYNAMODB', 'SQS', 'SNS', 'KMS', 'STS', 'SECRETS_MANAGER'].map((service) => [
        `AWS_ENDPOINT_URL_${service}`,
        refusedEndpoint,
      ]),
    ),
  };
}

const sqsRecord = (body: unknown) => ({
  Records: [
    {
      messageId: 'cold-start',
      receiptHandle: 'cold-start',
      body: JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:cold-start',
      awsRegion: 'us-east-1',
    },
  ],
});

/** The first request each function typically serves: a publish, a delivery task, a sweep. */
function minimalEvent(fn: BundledFunction): unknown {
  const publish = { tenant_id: 'cold-start', topic: 'bench', data: { hello: 'world' } };
  if (fn.entry.endsWith('api.handler.ts')) {
    return {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/api/v1/publish',
      rawQueryString: '',
      headers: { authorization: 'Bearer cold-start-admin-key', 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST', path: '/api/v1/publish' } },
      body: JSON.stringify(publish),
      isBase64Encoded: false,
    };
  }
  if (fn.entry.endsWith('ingest.handler.ts')) return sqsRecord(publish);
  if (fn.entry.endsWith('deliver.handler.ts')) {
    return sqsRecord({
      tenant_id: 'cold-start',
      event_id: 'evt_cold_start',
      destination_id: 'des_cold_start',
      destination_type: fn.transport,
      attempt_number: 1,
      task_id: 'cold-start',
      manual: false,
      due_at: new Date().toISOString(),
    });
  }
  return {};
}
