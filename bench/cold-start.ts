import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { synthesizeBundles } from '../test/support/synthesized-bundles';
import { median } from './stats';

/**
 * Step 4: each distinct Lambda bundle as `cdk synth` builds it: its size, and the time a fresh Node
 * process takes to load it (module initialisation included), median of `runs`. Run from / so that
 * nothing outside the bundle can be resolved, as in Lambda.
 */
export interface BundleFigure {
  entry: string;
  functions: number;
  sizeKiB: number;
  loadMs: number;
  samples: number[];
}

const LOAD = `
const started = process.hrtime.bigint();
require(process.argv[1]);
process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));
`;

export function measureColdStarts(runs: number): BundleFigure[] {
  const { functions } = synthesizeBundles();
  const byBundle = new Map<string, { entry: string; count: number }>();
  for (const fn of functions) {
    const seen = byBundle.get(fn.bundlePath);
    // Deliver bundles are built per destination type: name the transport each one carries.
    const entry = fn.transport === undefined ? fn.entry : `${fn.entry} (${fn.transport})`;
    byBundle.set(fn.bundlePath, { entry, count: (seen?.count ?? 0) + 1 });
  }
  return [...byBundle].map(([bundlePath, { entry, count }]) => {
    const samples = Array.from({ length: runs }, () =>
      Number(
        execFileSync(process.execPath, ['-e', LOAD, bundlePath], {
          cwd: '/',
          env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' },
          encoding: 'utf8',
        }),
      ),
    );
    return {
      entry,
      functions: count,
      sizeKiB: statSync(bundlePath).size / 1024,
      loadMs: median(samples),
      samples,
    };
  });
}
