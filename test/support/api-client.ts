/** A small JSON client for driving the API over real HTTP in tests. */
export interface ApiResult<T = unknown> {
  status: number;
  body: T;
}

export interface ApiClient {
  request<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<ApiResult<T>>;
  get<T = unknown>(path: string, token?: string): Promise<ApiResult<T>>;
  post<T = unknown>(path: string, body?: unknown, token?: string): Promise<ApiResult<T>>;
  put<T = unknown>(path: string, body?: unknown, token?: string): Promise<ApiResult<T>>;
  patch<T = unknown>(path: string, body?: unknown, token?: string): Promise<ApiResult<T>>;
  delete<T = unknown>(path: string, token?: string): Promise<ApiResult<T>>;
}

export function apiClient(apiUrl: string, defaultToken: string): ApiClient {
  const request = async <T>(method: string, path: string, body?: unknown, token = defaultToken) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    request,
    get: (path, token) => request('GET', path, undefined, token),
    post: (path, body, token) => request('POST', path, body, token),
    put: (path, body, token) => request('PUT', path, body, token),
    patch: (path, body, token) => request('PATCH', path, body, token),
    delete: (path, token) => request('DELETE', path, undefined, token),
  };
}

/** Polls `probe` until it returns a value that is not undefined; rejects with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
