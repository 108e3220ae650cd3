import { startLocalRuntime, type LocalRuntime } from '../../../local/runtime';

/** The real stack: synthesized template, product handlers, emulators. */
describe('startLocalRuntime (synthesized stack, in memory)', () => {
  let runtime: LocalRuntime;

  beforeAll(async () => {
    runtime = await startLocalRuntime({ inMemory: true, apiPort: 0 });
  });

  afterAll(() => runtime.stop());

  it('serves GET /api/v1/healthz', async () => {
    const response = await fetch(`${runtime.apiUrl}/healthz`);
    expect(response.status).toBe(200);
  });

  it('wires the handlers to the local tables and delivery queues', async () => {
    const queueUrls = JSON.parse(runtime.env.DELIVERY_QUEUE_URLS!) as Record<string, string>;
    expect(Object.keys(queueUrls)).toContain('webhook');
    expect(Object.values(runtime.queueUrls)).toEqual(expect.arrayContaining(Object.values(queueUrls)));
    // AWS-only wiring is dropped: no handler may reach for Secrets Manager or KMS.
    expect(Object.keys(runtime.env).filter((name) => name.endsWith('_SECRET_ARN'))).toEqual([]);
    expect(runtime.env.CREDENTIALS_KMS_KEY_ID).toBeUndefined();
    expect(runtime.env).toMatchObject({
      DEPLOYMENT_MODE: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: runtime.dynamoEndpoint,
      AWS_ENDPOINT_URL_SQS: runtime.sqsEndpoint,
    });
    const tenants = await fetch(`${runtime.apiUrl}/tenants`, {
      headers: { authorization: `Bearer ${runtime.adminKey}` },
    });
    expect(tenants.status).toBe(200);
    const unauthorized = await fetch(`${runtime.apiUrl}/tenants`);
    expect(unauthorized.status).toBe(401);
  });

  it('runs the sweeper on demand', async () => {
    await expect(runtime.runSweeper('recover-all')).resolves.toBe(0);
  });
});
