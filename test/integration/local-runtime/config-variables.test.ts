import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES, configOverrides } from '../../../local/config-variables';

/** The variable names of config.ts's environment schema, read from its source (it exports no list). */
function schemaVariableNames(): string[] {
  const source = readFileSync(path.join(__dirname, '../../../lambdas/core/config.ts'), 'utf8');
  const start = source.indexOf('const environmentSchema = z.object({');
  const end = source.indexOf('\n});', start);
  expect(start).toBeGreaterThan(-1);
  return [...source.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1]!);
}

describe('CONFIG_VARIABLES', () => {
  it('lists exactly the variables lambdas/core/config.ts reads', () => {
    expect(CONFIG_VARIABLES.map((variable) => variable.name).sort()).toEqual(schemaVariableNames().sort());
  });

  it('takes the developer settings from an environment, never the managed ones', () => {
    expect(
      configOverrides({
        TOPICS: 'a,b',
        EVENTS_TABLE: 'elsewhere',
        PATH: '/usr/bin',
        API_KEY: '',
        MAX_RETRY_LIMIT: '3',
      }),
    ).toEqual({ TOPICS: 'a,b', MAX_RETRY_LIMIT: '3' });
  });
});
