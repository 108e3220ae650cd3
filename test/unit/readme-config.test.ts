import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../lambdas/core/config';
import { CONFIG_VARIABLES } from '../../local/config-variables';

/**
 * README's configuration table and `npm start -- --help` state what lambdas/core/config.ts does. A
 * literal default is checked by its effect (setting the variable to it changes nothing); a default
 * in words ("unset", "generated once") only where config.ts itself has none.
 */

const ROOT = path.join(__dirname, '../..');

/** Each variable of config.ts's environment schema with its source text (config.ts exports no list). */
function schemaVariables(): Map<string, string> {
  const source = readFileSync(path.join(ROOT, 'lambdas/core/config.ts'), 'utf8');
  const start = source.indexOf('const environmentSchema = z.object({');
  const schema = source.slice(start, source.indexOf('\n});', start));
  const parts = schema.split(/^ {2}(?=[A-Z][A-Z0-9_]*:)/m).slice(1);
  return new Map(parts.map((part) => [part.slice(0, part.indexOf(':')), part]));
}

interface ReadmeRow {
  name: string;
  /** The default cell's code literal, e.g. `10`; undefined when the cell is words. */
  literal?: string;
  cell: string;
}

function readmeRows(): ReadmeRow[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Configuration');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` +\| (.*?) +\|/gm)].map(([, name, cell]) => ({
    name: name!,
    cell: cell!,
    literal: /^`([^`]+)`$/.exec(cell!)?.[1],
  }));
}

/** Setting `name` to `value` configures exactly what leaving it out does. */
function isTheDefault(name: string, value: string): boolean {
  return JSON.stringify(loadConfig({ [name]: value })) === JSON.stringify(loadConfig({}));
}

const variables = schemaVariables();
const rows = readmeRows();

test('the README table lists every variable config.ts reads, once', () => {
  expect(variables.size).toBeGreaterThan(20);
  expect(rows.map((row) => row.name).sort()).toEqual([...variables.keys()].sort());
});

test.each(rows.map((row) => [row.name, row] as const))('README: %s has its real default', (name, row) => {
  const hasDefault = variables.get(name)!.includes('.default(');
  if (row.literal === undefined) {
    expect({ name, cell: row.cell, hasDefault }).toEqual({ name, cell: row.cell, hasDefault: false });
  } else {
    expect(hasDefault).toBe(true);
    expect({ name, literal: row.literal, isDefault: isTheDefault(name, row.literal) }).toEqual({
      name,
      literal: row.literal,
      isDefault: true,
    });
  }
});

test('`npm start -- --help` states the real defaults', () => {
  const stated = CONFIG_VARIABLES.flatMap(({ name, description }) => {
    const literal = /\(default ([^\s;:)]+)[;)]/.exec(description)?.[1];
    return literal === undefined ? [] : [{ name, literal }];
  });
  expect(stated.length).toBeGreaterThan(10);
  expect(stated.filter(({ name, literal }) => !isTheDefault(name, literal))).toEqual([]);
});
