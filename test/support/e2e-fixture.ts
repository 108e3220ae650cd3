import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { apiClient, type ApiClient } from './api-client';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

/** The whole local runtime in memory, an admin API client, a webhook receiver and one tenant. */
export interface E2eFixture {
  runtime: LocalRuntime;
  api: ApiClient;
  receiver: WebhookReceiver;
  stop(): Promise<void>;
}

export async function startE2eFixture(
  tenantId: string,
  env: Record<string, string> = {},
): Promise<E2eFixture> {
  const runtime = await startLocalRuntime({ inMemory: true, apiPort: 0, env });
  const receiver = await startWebhookReceiver();
  const api = apiClient(runtime.apiUrl, runtime.adminKey);
  const created = await api.put(`/tenants/${encodeURIComponent(tenantId)}`, {});
  if (created.status !== 201) throw new Error(`PUT /tenants/${tenantId}: ${created.status}`);
  return {
    runtime,
    api,
    receiver,
    async stop() {
      await receiver.close();
      await runtime.stop();
    },
  };
}
