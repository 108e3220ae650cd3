import { Webhook } from 'standardwebhooks';
import type { ApiClient } from '../support/api-client';
import { startE2eFixture, type E2eFixture } from '../support/e2e-fixture';
import type { WebhookReceiver } from '../support/webhook-receiver';

/**
 * Secret rotation as a tenant does it (its own token, through the API), checked the way its receiver
 * checks it: the next real delivery verifies with the `standardwebhooks` package under the new secret
 * and under the previous one, which keeps signing during the grace period.
 */

let fixture: E2eFixture;
let api: ApiClient;
let receiver: WebhookReceiver;

beforeAll(async () => {
  fixture = await startE2eFixture('rotating');
  ({ api, receiver } = fixture);
}, 120000);

afterAll(async () => {
  await fixture?.stop();
});

interface WebhookDestination {
  id: string;
  credentials: { secret: string; previous_secret?: string; previous_secret_invalid_at?: string };
}

async function deliverOne(n: number) {
  receiver.clear();
  const published = await api.post('/publish', { tenant_id: 'rotating', topic: 'key.rotated', data: { n } });
  expect(published.status).toBe(202);
  const [request] = await receiver.waitFor(1, 15000);
  return request!;
}

it("rotates with the tenant's token; the next delivery verifies under the new and the previous secret", async () => {
  const created = await api.post<WebhookDestination>('/tenants/rotating/destinations', {
    type: 'webhook',
    topics: '*',
    config: { url: receiver.url },
  });
  expect(created.status).toBe(201);
  const oldSecret = created.body.credentials.secret;
  // A delivery before the rotation: the deliverer has the destination warm in its cache.
  const before = await deliverOne(1);
  expect(new Webhook(oldSecret).verify(before.body, before.headers)).toEqual({ n: 1 });

  const token = (await api.get<{ token: string }>('/tenants/rotating/token')).body.token;
  const rotated = await api.patch<WebhookDestination>(
    `/tenants/rotating/destinations/${created.body.id}`,
    { credentials: { rotate_secret: true } },
    token,
  );
  expect(rotated.status).toBe(200);
  const newSecret = rotated.body.credentials.secret;
  expect(newSecret).toMatch(/^whsec_/);
  expect(newSecret).not.toBe(oldSecret);
  expect(rotated.body.credentials.previous_secret).toBe(oldSecret);
  expect(Date.parse(rotated.body.credentials.previous_secret_invalid_at!)).toBeGreaterThan(
    Date.now() + 23 * 3600 * 1000,
  );

  const after = await deliverOne(2);
  expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(2);
  expect(new Webhook(newSecret).verify(after.body, after.headers)).toEqual({ n: 2 });
  expect(new Webhook(oldSecret).verify(after.body, after.headers)).toEqual({ n: 2 });
  const stranger = new Webhook(Buffer.from('not the secret of this destination').toString('base64'));
  expect(() => stranger.verify(after.body, after.headers)).toThrow();
});

it("refuses a tenant's attempt to set the secret itself", async () => {
  const created = await api.post<WebhookDestination>('/tenants/rotating/destinations', {
    type: 'webhook',
    topics: ['never.sent'],
    config: { url: receiver.url },
  });
  const token = (await api.get<{ token: string }>('/tenants/rotating/token')).body.token;
  const response = await api.patch<{ data: string[] }>(
    `/tenants/rotating/destinations/${created.body.id}`,
    { credentials: { secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` } },
    token,
  );
  expect(response.status).toBe(422);
  expect(response.body.data).toEqual([expect.stringMatching(/^credentials\.secret: only an admin/)]);
});
