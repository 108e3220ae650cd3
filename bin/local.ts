/**
 * `npm start`: the whole system on this machine (DESIGN.md §1): DynamoDB Local, the fauxqs SQS
 * emulator, the API on http://localhost:3333/api/v1, the delivery pollers and the sweeper, all built
 * from the synthesized CDK template.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../lambdas/core/config';
import { CONFIG_VARIABLES, configOverrides } from '../local/config-variables';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime';

const OPTIONS = {
  port: { type: 'string', short: 'p' },
  'data-dir': { type: 'string' },
  'in-memory': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function helpText(): string {
  const settable = CONFIG_VARIABLES.filter((variable) => !variable.managed);
  const width = Math.max(...settable.map((variable) => variable.name.length));
  return [
    'Usage: npm start -- [options]',
    '',
    'Runs event-destinations locally: DynamoDB Local, an SQS emulator, the API, the delivery pollers',
    'and the sweeper, built from the synthesized CDK template.',
    '',
    'Options:',
    '  -p, --port <port>     API port (default: API_PORT or 3333; 0 picks a free port)',
    '  --data-dir <dir>      where data and secrets persist (default: DATA_DIR or .data)',
    '  --in-memory           keep nothing: DynamoDB in memory, fresh keys on every start',
    '  -h, --help            show this help',
    '',
    'Environment variables (passed to the handlers; see README.md "Configuration"):',
    ...settable.map((variable) => `  ${variable.name.padEnd(width)}  ${variable.description}`),
    '',
  ].join('\n');
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(
      `invalid configuration: --port: must be a whole number from 0 to 65535, got "${value}"`,
    );
  }
  return port;
}

function banner(runtime: LocalRuntime, dataDir: string | undefined): string {
  const origin = new URL(runtime.apiUrl).origin;
  return [
    '',
    'event-destinations is running locally',
    '',
    `  API        ${runtime.apiUrl}`,
    `  admin key  ${runtime.adminKey}`,
    `  data dir   ${dataDir ?? 'none (in memory: nothing is kept)'}`,
    `  portal     ${origin}/portal (coming soon)`,
    '',
    `  try: curl -s -H "Authorization: Bearer ${runtime.adminKey}" ${runtime.apiUrl}/tenants`,
    '',
    'Ctrl-C stops it.',
    '',
  ].join('\n');
}

function stopOnSignals(runtime: LocalRuntime): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    // A second Ctrl-C is no request to hurry: stop() is bounded (1 s polls plus the batches in flight).
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping (finishing the batches in flight)…`);
    runtime.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options: OPTIONS, strict: true }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${helpText()}`);
    return 2;
  }
  if (values.help) {
    console.log(helpText());
    return 0;
  }
  const inMemory = values['in-memory'] ?? false;
  const dataDir = path.resolve(values['data-dir'] ?? process.env.DATA_DIR ?? '.data');
  try {
    const runtime = await startLocalRuntime({
      dataDir,
      inMemory,
      apiPort: parsePort(values.port),
      env: configOverrides(process.env),
      log: (line) => console.log(line),
    });
    stopOnSignals(runtime);
    console.log(banner(runtime, inMemory ? undefined : dataDir));
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`event-destinations: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

main().then(
  (code) => {
    // 0 after a successful start means "keep running": the servers hold the process open.
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    console.error('event-destinations failed to start:', error);
    process.exit(1);
  },
);
