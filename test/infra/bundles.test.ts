import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { DESTINATION_TYPES } from '../../lambdas/destinations/registry';
import { synthesizeBundles, type BundledFunction } from '../support/synthesized-bundles';

/**
 * Each Lambda's bundle, as the synth produced it, is minified with a linked source map, loads in a
 * fresh Node process (nothing cached, nothing resolvable from the repository's node_modules but what
 * it inlines) and exports the handler its function names; and it carries no client it does not use (DESIGN.md §4b). Size and load time
 * are printed for the record; `npm run bench` reports them.
 */
const bundles = synthesizeBundles();
const { functions } = bundles;
afterAll(() => bundles.remove());
const distinct = [...new Map(functions.map((fn) => [fn.bundlePath, fn])).values()];

/** `deliver-<type>`, `api`, `sweeper`. */
function nameOf(fn: BundledFunction): string {
  const handler = /([a-z]+)\.handler\.ts$/.exec(fn.entry)?.[1] ?? fn.entry;
  return fn.transport === undefined ? handler : `${handler}-${fn.transport}`;
}

// Load time includes the work the module queued while loading (a deliver bundle preloads its transport).
const LOAD = `
const started = process.hrtime.bigint();
const loaded = require(process.argv[1]);
setImmediate(() => {
  const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ loadMs, exports: Object.keys(loaded), handler: typeof loaded[process.argv[2]] }));
});
`;

/**
 * The packages only a destination type's transport needs (the task queue's SQS client is in every
 * bundle). AWS types assume tenants' roles with STS.
 */
const TRANSPORT_PACKAGES: Record<string, string[]> = {
  webhook: [],
  aws_sqs: ['@aws-sdk/client-sts'],
  aws_sns: ['@aws-sdk/client-sns', '@aws-sdk/client-sts'],
  aws_eventbridge: ['@aws-sdk/client-eventbridge', '@aws-sdk/client-sts'],
  aws_kinesis: ['@aws-sdk/client-kinesis', '@aws-sdk/client-sts'],
  aws_s3: ['@aws-sdk/client-s3', '@aws-sdk/client-sts'],
  rabbitmq: ['amqplib'],
  kafka: ['kafkajs'],
  gcp_pubsub: ['@google-cloud/pubsub', '@grpc/grpc-js', 'google-gax'],
};
/** Every deliver function sends alerts, to SNS among others. */
const DELIVER_FUNCTION_PACKAGES = ['@aws-sdk/client-sns'];
const DELIVERY_ONLY_PACKAGES = [...new Set(Object.values(TRANSPORT_PACKAGES).flat())];

/**
 * What esbuild put in a bundle: the source map lists every module that contributed code (its
 * sources, not their content, are kept). Packages by name; our own files repo-relative.
 */
function bundledModules(fn: BundledFunction): { packages: Set<string>; files: Set<string> } {
  const { sources } = JSON.parse(readFileSync(`${fn.bundlePath}.map`, 'utf8')) as { sources: string[] };
  const packages = new Set<string>();
  const files = new Set<string>();
  for (const source of sources) {
    const inPackage = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source);
    if (inPackage) packages.add(inPackage[1]!);
    else files.add(source.replace(/^(\.\.\/)+.*?(?=(lambdas|lib|local)\/)/, ''));
  }
  return { packages, files };
}

it('bundles every function of the template, one deliver function per destination type', () => {
  expect(functions.length).toBeGreaterThan(0);
  expect(new Set(functions.map((fn) => fn.entry))).toEqual(
    new Set([
      'lambdas/handlers/api.handler.ts',
      'lambdas/handlers/deliver.handler.ts',
      'lambdas/handlers/ingest.handler.ts',
      'lambdas/handlers/sweeper.handler.ts',
    ]),
  );
  const deliverTypes = functions.flatMap((fn) => (fn.transport === undefined ? [] : [fn.transport]));
  expect(deliverTypes.sort()).toEqual([...DESTINATION_TYPES].sort());
  expect(Object.keys(TRANSPORT_PACKAGES).sort()).toEqual([...DESTINATION_TYPES].sort());
});

it.each(distinct.map((fn): [string, BundledFunction] => [nameOf(fn), fn]))(
  '%s: the bundle loads in a fresh process and exports its handler',
  (name, fn) => {
    // Run from / so that no node_modules above the bundle can satisfy a missing import.
    const output = execFileSync(process.execPath, ['-e', LOAD, fn.bundlePath, fn.handlerExport], {
      cwd: '/',
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' },
      encoding: 'utf8',
    });
    const result = JSON.parse(output) as { loadMs: number; exports: string[]; handler: string };
    expect(result.handler).toBe('function');
    // The local runtime builds handlers through createHandler(env), from the same bundle.
    expect(result.exports).toContain('createHandler');
    if (fn.transport !== undefined) expect(result.exports).toContain('shutdown');
    // Minified (a few hundred lines of thousands of characters, where unminified code averages ~40),
    // with its source map linked (decoded at run time under sourceMapStackTraces, offline otherwise).
    const code = readFileSync(fn.bundlePath, 'utf8');
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    expect(code.trimEnd().endsWith('//# sourceMappingURL=index.js.map')).toBe(true);
    const sizeKiB = statSync(fn.bundlePath).size / 1024;
    console.log(`${name}: ${sizeKiB.toFixed(0)} KiB, loads in ${result.loadMs.toFixed(0)} ms`);
  },
);

it.each(distinct.map((fn): [string, BundledFunction] => [nameOf(fn), fn]))(
  '%s: the bundle carries its own transport and no other delivery client',
  (_name, fn) => {
    const { packages, files } = bundledModules(fn);
    const own = fn.transport === undefined ? [] : TRANSPORT_PACKAGES[fn.transport]!;
    const allowed = new Set([...own, ...(fn.transport === undefined ? [] : DELIVER_FUNCTION_PACKAGES)]);
    expect(DELIVERY_ONLY_PACKAGES.filter((name) => packages.has(name) && !allowed.has(name))).toEqual([]);
    expect(own.filter((name) => !packages.has(name))).toEqual([]);

    const transports = [...files].filter((file) => file.endsWith('.transport.ts'));
    const expected = fn.transport === undefined ? [] : [`${fn.transport.replace('_', '-')}.transport.ts`];
    expect(transports.map((file) => file.split('/').pop())).toEqual(expected);
    // Every type's definition stays: the API validates, masks and describes destinations of all types.
    if (fn.entry.endsWith('api.handler.ts')) {
      expect([...files].filter((file) => file.endsWith('.adapter.ts'))).toHaveLength(
        DESTINATION_TYPES.length,
      );
    }
  },
);
