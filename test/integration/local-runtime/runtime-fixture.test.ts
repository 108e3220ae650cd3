import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { startLocalRuntime, type LocalRuntime } from '../../../local/runtime';
import { fixtureTemplate } from '../../support/fixture-handlers/fixture-template';
import { shutdownCount } from '../../support/fixture-handlers/work.handler';
import { waitUntil } from './wait-until';

/** The runtime wired from the fixture template to the fixture handlers, on real emulators. */

async function query(
  runtime: LocalRuntime,
  pk: string,
): Promise<Array<Record<string, { S?: string; N?: string }>>> {
  const dynamo = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const result = await dynamo.send(
      new QueryCommand({
        TableName: 'RecordsTable',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
      }),
    );
    return (result.Items ?? []) as Array<Record<string, { S?: string; N?: string }>>;
  } finally {
    dynamo.destroy();
  }
}

describe('startLocalRuntime (in memory, fixture template)', () => {
  let runtime: LocalRuntime;

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      inMemory: true,
      apiPort: 0,
      template: fixtureTemplate(),
      env: {
        TOPICS: 'user.created,user.deleted',
        FIXTURE_GREETING: 'hello from the developer',
        FIXTURE_REQUEUED: '3',
        RECORDS_TABLE: 'SomebodyElsesTable',
        DELIVERY_QUEUE_URLS: '{"work":"http://example.invalid/queue"}',
        AWS_ENDPOINT_URL_SQS: 'http://example.invalid',
      },
    });
  });

  afterAll(() => runtime.stop());

  it('serves the template routes with the resolved, local handler environment', async () => {
    expect(runtime.apiUrl).toMatch(/^http:\/\/localhost:\d+\/api\/v1$/);
    const response = await fetch(`${runtime.apiUrl}/env`);
    expect(response.status).toBe(200);
    const env = (await response.json()) as Record<string, string>;
    expect(env).toMatchObject({
      DEPLOYMENT_MODE: 'local',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: runtime.dynamoEndpoint,
      AWS_ENDPOINT_URL_SQS: runtime.sqsEndpoint,
      API_KEY: runtime.adminKey,
      API_JWT_SECRET: runtime.jwtSecret,
      TOPICS: 'user.created,user.deleted',
      FIXTURE_GREETING: 'hello from the developer',
      WORK_QUEUE_URL: runtime.queueUrls.WorkQueue,
      DELIVERY_QUEUE_URLS: JSON.stringify({ work: runtime.queueUrls.WorkQueue }),
    });
    // Overrides replace the template's literal settings but not its wiring to the local resources.
    expect(env.RECORDS_TABLE).toBe('RecordsTable');
    expect(env.API_KEY_SECRET_ARN).toBeUndefined();
    expect(runtime.adminKey).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(env.CREDENTIALS_KEY!, 'base64')).toHaveLength(32);
    expect(runtime.env).toEqual(env);
  });

  it('feeds queued messages to the mapped function', async () => {
    const response = await fetch(`${runtime.apiUrl}/work`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'job-1' }),
    });
    expect(response.status).toBe(202);
    const [item] = await waitUntil(async () => {
      const items = await query(runtime, 'work');
      return items.length > 0 ? items : undefined;
    }, 'the work handler to record job-1');
    expect(item).toMatchObject({
      sk: { S: 'job-1' },
      event_source_arn: { S: 'arn:aws:sqs:us-east-1:000000000000:WorkQueue' },
    });
  });

  it('ran the sweeper in recover-all mode at boot, and runs it on demand', async () => {
    const before = await query(runtime, 'sweeps');
    expect(before.map((item) => item.mode?.S)).toEqual(['recover-all']);
    expect(await runtime.runSweeper()).toBe(3);
    expect(await runtime.runSweeper('recover-all')).toBe(3);
    const after = await query(runtime, 'sweeps');
    expect(after.map((item) => item.mode?.S)).toEqual(['recover-all', 'none', 'recover-all']);
  });
});

describe('startLocalRuntime with a data dir', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'local-runtime-'));
  });

  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('keeps its secrets and tables across restarts, and API_KEY wins over the stored key', async () => {
    const first = await startLocalRuntime({ dataDir, apiPort: 0, template: fixtureTemplate() });
    let firstKey: string;
    try {
      firstKey = first.adminKey;
      const response = await fetch(`${first.apiUrl}/work`, {
        method: 'POST',
        body: JSON.stringify({ id: 'kept' }),
      });
      expect(response.status).toBe(202);
      await waitUntil(
        async () => ((await query(first, 'work')).length > 0 ? true : undefined),
        'the work record',
      );
    } finally {
      await first.stop();
    }
    const secretsFile = path.join(dataDir, 'secrets.json');
    expect((await stat(secretsFile)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(secretsFile, 'utf8')) as Record<string, string>;
    expect(stored.adminKey).toBe(firstKey);

    const second = await startLocalRuntime({
      dataDir,
      apiPort: 0,
      template: fixtureTemplate(),
      env: { API_KEY: 'sk_chosen_by_the_developer' },
    });
    try {
      expect(second.adminKey).toBe('sk_chosen_by_the_developer');
      expect(second.jwtSecret).toBe(stored.jwtSecret);
      expect(second.env.CREDENTIALS_KEY).toBe(stored.credentialsKey);
      expect((await query(second, 'work')).map((item) => item.sk?.S)).toEqual(['kept']);
    } finally {
      await second.stop();
    }
  });

  it("calls a handler module's shutdown() on stop, once", async () => {
    const runtime = await startLocalRuntime({ dataDir, apiPort: 0, template: fixtureTemplate() });
    const before = shutdownCount();
    await runtime.stop();
    expect(shutdownCount()).toBe(before + 1);
  });

  it('refuses a bad configuration value before starting anything', async () => {
    await expect(
      startLocalRuntime({ dataDir, apiPort: 0, template: fixtureTemplate(), env: { RETRY_JITTER: '7' } }),
    ).rejects.toThrow(/RETRY_JITTER/);
  });
});
