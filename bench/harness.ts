import type { CostMeter } from '../local/cost-meter';
import type { LocalRuntime } from '../local/runtime';
import type { BenchReceiver } from './receiver';

/** What every bench step drives: the local runtime, its meter, the receiver and a JSON client. */
export interface Harness {
  runtime: LocalRuntime;
  meter: CostMeter;
  receiver: BenchReceiver;
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export function jsonCaller(runtime: LocalRuntime): Harness['call'] {
  return async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${runtime.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${runtime.adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

/** A tenant with `count` webhook destinations on topic `bench`, each at its own receiver path. */
export async function createTenant(harness: Harness, tenantId: string, count: number): Promise<void> {
  const put = await harness.call('PUT', `/tenants/${tenantId}`, {});
  if (put.status >= 300) throw new Error(`PUT tenant ${tenantId}: ${put.status}`);
  for (let index = 0; index < count; index += 1) {
    const created = await harness.call('POST', `/tenants/${tenantId}/destinations`, {
      type: 'webhook',
      topics: ['bench'],
      config: { url: `${harness.receiver.url}/${tenantId}/${index}` },
    });
    if (created.status !== 201)
      throw new Error(`create destination: ${created.status} ${JSON.stringify(created.body)}`);
  }
}

/** A `data` object whose JSON is about `bytes` long. */
export function payloadOf(bytes: number): { pad: string } {
  return { pad: 'x'.repeat(Math.max(0, bytes - 10)) };
}
