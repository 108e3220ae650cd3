import { readFileSync } from 'node:fs';

/**
 * What a bundle is made of: its generated code attributed to the npm package (or our own sources) it
 * came from, through the bundle's source map (the mapping segments say which source each stretch of
 * generated code belongs to), so that a size or init figure can say what dominates it.
 */
export interface BundleShare {
  /** An npm package name, `(own code)` for this repository's files, or `(unmapped)`. */
  name: string;
  kiB: number;
  /** Of the bundle's generated code. */
  percent: number;
}

export const OWN_CODE = '(own code)';
const UNMAPPED = '(unmapped)';

/** The package a source path belongs to: the last `node_modules/<name>` (scoped or not) in it. */
export function packageOf(source: string): string {
  const inPackage = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source);
  return inPackage ? inPackage[1]! : OWN_CODE;
}

/** Generated code per package, largest first, from `<bundle>` and `<bundle>.map`. */
export function bundleComposition(bundlePath: string): BundleShare[] {
  const code = readFileSync(bundlePath, 'utf8');
  const map = JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')) as {
    sources: string[];
    mappings: string;
  };
  const bySource = generatedLengthBySource(code.split('\n'), map.mappings, map.sources.length);
  const byName = new Map<string, number>();
  bySource.forEach((length, index) => {
    const name = index === map.sources.length ? UNMAPPED : packageOf(map.sources[index]!);
    byName.set(name, (byName.get(name) ?? 0) + length);
  });
  const total = [...byName.values()].reduce((sum, length) => sum + length, 0);
  return [...byName]
    .filter(([, length]) => length > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, length]) => ({ name, kiB: length / 1024, percent: (100 * length) / Math.max(1, total) }));
}

/**
 * Characters of generated code per source index (the last slot: code no segment maps to a source).
 * A segment covers its line from its column to the next segment's column, or to the end of the line.
 */
export function generatedLengthBySource(lines: string[], mappings: string, sourceCount: number): number[] {
  const lengths = new Array<number>(sourceCount + 1).fill(0);
  let source = 0;
  mappings.split(';').forEach((segments, lineIndex) => {
    const lineLength = lines[lineIndex]?.length ?? 0;
    let column = 0;
    let start = 0;
    let owner = sourceCount;
    for (const segment of segments ? segments.split(',') : []) {
      const fields = decodeVlq(segment);
      column += fields[0]!;
      lengths[owner]! += column - start;
      start = column;
      if (fields.length >= 4) {
        source += fields[1]!;
        owner = source;
      } else {
        owner = sourceCount;
      }
      // Source line, column and name deltas accumulate too, but only the source index matters here.
    }
    lengths[owner]! += Math.max(0, lineLength - start);
  });
  return lengths;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** One source-map segment: base64 VLQ numbers (5 bits each, a continuation bit, sign in the low bit). */
export function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    if (digit < 0) throw new Error(`not a base64 VLQ digit: ${char}`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    shift = 0;
  }
  return values;
}
