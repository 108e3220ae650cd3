import { startLocalRuntime, type LocalRuntime } from '../../../local/runtime';

/** A response as a test sees it: status, parsed JSON (undefined when the body is not JSON) and raw text. */
export interface TestResponse {
  status: number;
  // The shape is what the test asserts; `any` keeps those assertions readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export interface RequestOptions {
  token?: string;
  /** An object is sent as JSON; a string is sent as-is (malformed JSON, oversized bodies). */
  body?: unknown;
}

export interface ApiHarness {
  runtime: LocalRuntime;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  admin(method: string, path: string, body?: unknown): Promise<TestResponse>;
  /** A tenant JWT issued by the API itself (GET /tenants/:id/token). */
  tokenFor(tenantId: string): Promise<string>;
  stop(): Promise<void>;
}

/** The whole local stack (DynamoDB Local, fauxqs, pollers) in memory on a free port, reached over real HTTP. */
export async function startApiHarness(env: Record<string, string> = {}): Promise<ApiHarness> {
  const runtime = await startLocalRuntime({ inMemory: true, apiPort: 0, env });
  const request = async (
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<TestResponse> => {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const response = await fetch(`${runtime.apiUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text };
  };
  const admin = (method: string, path: string, body?: unknown) =>
    request(method, path, { token: runtime.adminKey, body });
  return {
    runtime,
    request,
    admin,
    async tokenFor(tenantId) {
      const response = await admin('GET', `/tenants/${encodeURIComponent(tenantId)}/token`);
      if (response.status !== 200)
        throw new Error(`token for ${tenantId}: ${response.status} ${response.text}`);
      return response.body.token as string;
    },
    stop: () => runtime.stop(),
  };
}

/** Polls `read` until `done` holds; for state reached asynchronously (deliveries), never a timed assertion. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not reached within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
