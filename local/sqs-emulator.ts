import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** fauxqs's fixed account id: local ARNs must use it so redrive policies find their DLQ. */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';

export interface SqsEmulator {
  /** Where SQS clients must send requests (with `useQueueUrlAsEndpoint: false`). */
  endpoint: string;
  port: number;
  /** The URL fauxqs gives a queue of this name; it does not resolve, so never use it as an endpoint. */
  queueUrl(queueName: string): string;
  stop(): Promise<void>;
}

const SERVER_SCRIPT = path.join(__dirname, 'fauxqs-server.mjs');
const STARTUP_TIMEOUT_MS = 15_000;

/** Starts the fauxqs SQS emulator in a child process on a free loopback port (or `port`). */
export async function startSqsEmulator(options: { port?: number } = {}): Promise<SqsEmulator> {
  const child = spawn(process.execPath, [SERVER_SCRIPT], {
    env: { ...process.env, FAUXQS_PORT: String(options.port ?? 0) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const port = await readPort(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    queueUrl: (queueName) => `http://sqs.${LOCAL_REGION}.localhost:${port}/${LOCAL_ACCOUNT_ID}/${queueName}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // Closing stdin is the child's cue to close the server and exit.
        child.stdin?.end();
        await exited;
      }
    },
  };
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const fail = (reason: string): void => {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`fauxqs SQS emulator did not start: ${reason}${stderr ? `\n${stderr}` : ''}`));
    };
    const timer = setTimeout(() => fail(`no port after ${STARTUP_TIMEOUT_MS} ms`), STARTUP_TIMEOUT_MS);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code) => fail(`exited with code ${code}`));
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      const { port } = JSON.parse(line) as { port: number };
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(port);
    });
  });
}
