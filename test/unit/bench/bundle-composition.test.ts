import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import {
  bundleComposition,
  decodeVlq,
  generatedLengthBySource,
  OWN_CODE,
  packageOf,
} from '../../../bench/bundle-composition';

/** The bench's "what dominates a bundle": source-map segments -> generated code per package. */

it.each([
  ['AAAA', [0, 0, 0, 0]],
  ['AAgBC', [0, 0, 16, 1]],
  ['D', [-1]],
  ['2H', [123]],
  ['GCAA', [3, 1, 0, 0]],
])('decodes the VLQ segment %s', (segment, expected) => {
  expect(decodeVlq(segment)).toEqual(expected);
});

it('attributes each stretch of a line to the source of the segment that starts it', () => {
  // Line 0: source 0 from column 0, source 1 from column 3. Line 1: source 1 from column 0, then a
  // segment without a source from column 2.
  const lengths = generatedLengthBySource(['abcdef', 'ghij'], 'AAAA,GCAA;AAAA,E', 2);
  expect(lengths).toEqual([3, 5, 2]);
});

it.each([
  ['../../node_modules/zod/v4/core/schemas.js', 'zod'],
  ['../node_modules/@smithy/core/dist-es/index.js', '@smithy/core'],
  ['../node_modules/a/node_modules/@scope/b/index.js', '@scope/b'],
  ['../../lambdas/core/publish.ts', OWN_CODE],
])('names the package of %s', (source, name) => {
  expect(packageOf(source)).toBe(name);
});

it('finds the package that dominates a real esbuild bundle, and accounts for all of its code', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bundle-composition-'));
  try {
    const entry = path.join(dir, 'entry.ts');
    writeFileSync(
      entry,
      "import { z } from 'zod';\nexport const schema = z.object({ name: z.string() });\nexport const own = 'ours';\n",
    );
    const outfile = path.join(dir, 'index.js');
    buildSync({
      entryPoints: [entry],
      outfile,
      bundle: true,
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      platform: 'node',
      format: 'cjs',
      nodePaths: [path.resolve(__dirname, '../../../node_modules')],
      logLevel: 'silent',
    });
    const composition = bundleComposition(outfile);
    expect(composition[0]!.name).toBe('zod');
    expect(composition.map((share) => share.name)).toContain(OWN_CODE);
    expect(composition.reduce((sum, share) => sum + share.percent, 0)).toBeCloseTo(100, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
