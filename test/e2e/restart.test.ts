import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { apiClient, eventually } from '../support/api-client';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/**
 * State survives a restart: a retry that was pending when the runtime stopped still happens after it
 * starts again on the same data directory (the queue emulator lost the task; the delivery ledger in
 * DynamoDB brings it back at boot).
 */

let dataDir: string;
let receiver: WebhookReceiver;
let runtime: LocalRuntime | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'event-destinations-restart-'));
  receiver = await startWebhookReceiver({ respond: { status: 500 } });
});

afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('delivers a pending retry after a stop and a start on the same data dir', async () => {
  const env = { RETRY_SCHEDULE: '4', RETRY_JITTER: '0' };
  runtime = await startLocalRuntime({ dataDir, apiPort: 0, env });
  const firstKey = runtime.adminKey;
  let api = apiClient(runtime.apiUrl, runtime.adminKey);
  await api.put('/tenants/restart');
  const destination = await api.post<{ id: string }>('/tenants/restart/destinations', {
    type: 'webhook',
    topics: '*',
    config: { url: receiver.url },
  });
  const published = await api.post<{ id: string }>('/publish', {
    tenant_id: 'restart',
    topic: 't',
    data: { a: 1 },
  });
  expect(published.status).toBe(202);
  await receiver.waitFor(1, 15000);
  await eventually('the failed first attempt', async () => {
    const page = await api.get<{ models: unknown[] }>(
      `/attempts?tenant_id=restart&event_id=${published.body.id}`,
    );
    return page.body.models.length === 1 ? true : undefined;
  });

  // Stop before the 4 s retry is due; the receiver recovers while we are down.
  await runtime.stop();
  runtime = undefined;
  receiver.respondWith({ status: 200 });

  runtime = await startLocalRuntime({ dataDir, apiPort: 0, env });
  expect(runtime.adminKey).toBe(firstKey);
  api = apiClient(runtime.apiUrl, runtime.adminKey);
  const attempts = await eventually(
    'the retried attempt after restart',
    async () => {
      const page = await api.get<{ models: { attempt_number: number; status: string }[] }>(
        `/attempts?tenant_id=restart&event_id=${published.body.id}`,
      );
      return page.body.models.some((a) => a.status === 'success') ? page.body.models : undefined;
    },
    30000,
  );
  expect(attempts.find((a) => a.status === 'success')?.attempt_number).toBe(2);
  expect(receiver.requests).toHaveLength(2);
  const tenant = await api.get<{ destinations_count: number }>('/tenants/restart');
  expect(tenant.body.destinations_count).toBe(1);
  expect(destination.status).toBe(201);
});
