import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../lib/handler-function';
import { CONFIG_VARIABLES } from '../../../local/config-variables';
import { waitUntil } from './wait-until';

/**
 * `npm start` as a user runs it: package.json's start command in its own process group, read through
 * its output and exit code, and stopped the way Ctrl-C stops it: SIGINT to the whole group.
 */

/** `node --import tsx bin/local.ts`: one process, so nothing stands between Ctrl-C and its handler. */
const START_COMMAND = (
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start.split(' ');
const START_TIMEOUT_MS = 90_000;

interface Cli {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The caller's environment without any setting of ours, so only what a test gives applies. */
function cleanEnvironment(settings: Record<string, string>): NodeJS.ProcessEnv {
  const ours = new Set(CONFIG_VARIABLES.map((variable) => variable.name));
  const inherited = Object.entries(process.env).filter(([name]) => !ours.has(name));
  return { ...Object.fromEntries(inherited), ...settings };
}

function runCli(args: string[], settings: Record<string, string> = {}): Cli {
  const [command, ...startArgs] = START_COMMAND;
  const child = spawn(command === 'node' ? process.execPath : command!, [...startArgs, ...args], {
    cwd: PROJECT_ROOT,
    env: cleanEnvironment(settings),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

interface Banner {
  apiUrl: string;
  adminKey: string;
  portal: string;
}

/** Waits for the start-up banner and reads what it prints. */
async function bannerOf(cli: Cli): Promise<Banner> {
  const text = await waitUntil(
    async () => (cli.output().includes('Ctrl-C stops it.') ? cli.output() : undefined),
    'the start-up banner',
    START_TIMEOUT_MS,
  );
  const field = (label: string): string => {
    const match = new RegExp(`^\\s+${label}\\s+(\\S.*)$`, 'm').exec(text);
    if (!match) throw new Error(`no "${label}" in the banner:\n${text}`);
    return match[1]!.trim();
  };
  return { apiUrl: field('API'), adminKey: field('admin key'), portal: field('portal') };
}

/** What a terminal's Ctrl-C does: SIGINT to the foreground process group. */
function signalGroup(cli: Cli, signal: NodeJS.Signals): void {
  process.kill(-cli.child.pid!, signal);
}

async function stop(cli: Cli): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  signalGroup(cli, 'SIGINT');
  return cli.exited;
}

const running: Cli[] = [];
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'event-destinations-cli-'));
});

afterAll(async () => {
  for (const cli of running) if (cli.child.exitCode === null) signalGroup(cli, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

test('--help lists the options and the settable environment variables', async () => {
  const cli = runCli(['--help']);
  expect((await cli.exited).code).toBe(0);
  const help = cli.output();
  for (const option of ['--port', '--data-dir', '--in-memory', '--help']) expect(help).toContain(option);
  for (const variable of ['API_PORT', 'API_KEY', 'MAX_RETRY_LIMIT', 'RETRY_SCHEDULE', 'DATA_DIR']) {
    expect(help).toContain(variable);
  }
  expect(help).not.toContain('DESTINATIONS_TABLE');
});

test.each([
  ['API_PORT', 'abc'],
  ['MAX_RETRY_LIMIT', '-1'],
  ['DELIVERY_TIMEOUT_SECONDS', 'soon'],
])('a bad %s (%s) stops start-up with a message naming it', async (name, value) => {
  const cli = runCli(['--in-memory'], { [name]: value });
  const { code } = await cli.exited;
  expect(code).not.toBe(0);
  expect(cli.output()).toMatch(new RegExp(`invalid configuration: .*${name}`));
  expect(cli.output()).not.toContain('Ctrl-C stops it.');
});

test('an unknown option is refused with the usage', async () => {
  const cli = runCli(['--prot', '3000']);
  expect((await cli.exited).code).toBe(2);
  expect(cli.output()).toMatch(/Unknown option '--prot'/);
  expect(cli.output()).toContain('Usage: npm start');
});

test(
  'prints the API URL, a generated admin key and the portal placeholder; Ctrl-C stops it; the key is kept',
  async () => {
    const first = runCli(['--port', '0', '--data-dir', dataDir]);
    running.push(first);
    const banner = await bannerOf(first);
    expect(banner.apiUrl).toMatch(/^http:\/\/localhost:\d+\/api\/v1$/);
    expect(banner.adminKey).toMatch(/^sk_\S{20,}$/);
    expect(banner.portal).toBe(`${new URL(banner.apiUrl).origin}/portal (coming soon)`);
    const tenants = await fetch(`${banner.apiUrl}/tenants`, {
      headers: { authorization: `Bearer ${banner.adminKey}` },
    });
    expect(tenants.status).toBe(200);
    expect(await stop(first)).toEqual({ code: 0, signal: null });
    await expect(fetch(`${banner.apiUrl}/healthz`)).rejects.toThrow();

    const second = runCli(['--port', '0', '--data-dir', dataDir]);
    running.push(second);
    expect((await bannerOf(second)).adminKey).toBe(banner.adminKey);
    expect(await stop(second)).toEqual({ code: 0, signal: null });
  },
  START_TIMEOUT_MS * 3,
);

test(
  'uses API_KEY when it is set instead of generating one',
  async () => {
    const apiKey = 'sk_chosen_by_the_developer_0123456789';
    const cli = runCli(['--port', '0', '--in-memory'], { API_KEY: apiKey });
    running.push(cli);
    const banner = await bannerOf(cli);
    expect(banner.adminKey).toBe(apiKey);
    const tenants = await fetch(`${banner.apiUrl}/tenants`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(tenants.status).toBe(200);
    expect(await stop(cli)).toEqual({ code: 0, signal: null });
  },
  START_TIMEOUT_MS * 2,
);
