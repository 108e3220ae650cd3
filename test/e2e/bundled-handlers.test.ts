import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { apiClient, eventually, type ApiClient } from '../support/api-client';
import { synthesizeBundles } from '../support/synthesized-bundles';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/**
 * What ships is what is tested: the local runtime runs the api and deliver handlers from the bundles
 * esbuild built for `cdk deploy` (not the TypeScript sources), on the template of that same synth.
 */
const bundles = synthesizeBundles();
const { template, functions } = bundles;
const bundleOf = new Map(functions.map((fn) => [fn.logicalId, fn.bundlePath]));
const loaded: string[] = [];

let runtime: LocalRuntime;
let api: ApiClient;
let receiver: WebhookReceiver;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    inMemory: true,
    apiPort: 0,
    template,
    handlerModule: (fn) => {
      const bundle = bundleOf.get(fn.logicalId);
      if (!bundle) throw new Error(`no bundle for ${fn.logicalId}`);
      loaded.push(bundle);
      return bundle;
    },
  });
  api = apiClient(runtime.apiUrl, runtime.adminKey);
  receiver = await startWebhookReceiver();
}, 120000);

afterAll(async () => {
  await receiver?.close();
  await runtime?.stop();
  bundles.remove();
});

it('loads every function from its cdk.out bundle', () => {
  expect(loaded.sort()).toEqual(functions.map((fn) => fn.bundlePath).sort());
  for (const bundle of loaded) expect(bundle).toMatch(/asset\.[0-9a-f]+\/index\.js$/);
});

it('publishes through the bundled api handler and delivers through the bundled deliver handler', async () => {
  expect((await api.put('/tenants/acme', {})).status).toBe(201);
  const created = await api.post<{ id: string }>('/tenants/acme/destinations', {
    type: 'webhook',
    topics: ['order.paid'],
    config: { url: receiver.url },
  });
  expect(created.status).toBe(201);
  const published = await api.post<{ id: string; destination_ids: string[] }>('/publish', {
    tenant_id: 'acme',
    topic: 'order.paid',
    data: { order: 42 },
  });
  expect(published.status).toBe(202);
  expect(published.body.destination_ids).toEqual([created.body.id]);

  const [request] = await receiver.waitFor(1, 15000);
  expect(request!.body).toBe(JSON.stringify({ order: 42 }));
  expect(request!.headers['webhook-signature']).toMatch(/^v1,/);
  const attempts = await eventually('the recorded attempt', async () => {
    const page = await api.get<{ models: { status: string }[] }>(
      `/attempts?tenant_id=acme&event_id=${published.body.id}`,
    );
    return page.body.models.length > 0 ? page.body.models : undefined;
  });
  expect(attempts.map((attempt) => attempt.status)).toEqual(['success']);
});
