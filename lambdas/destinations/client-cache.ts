import { createHash } from 'node:crypto';

/**
 * Connections (SDK clients, broker producers) kept across deliveries in a warm Lambda. One entry per
 * destination id; the entry is replaced when the destination's configuration or credentials change
 * (its fingerprint differs), and the least recently used entry is evicted past `maxEntries`.
 * Replaced and evicted clients are handed to `destroy`, so sockets do not leak.
 */
export interface ClientCacheOptions<T> {
  maxEntries: number;
  /** Closes a client that left the cache; errors are swallowed (the client is gone either way). */
  destroy(client: T): void | Promise<void>;
}

interface Entry<T> {
  fingerprint: string;
  client: T;
}

export class ClientCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly options: ClientCacheOptions<T>) {}

  /**
   * The cached client of `destinationId` when it was built from the same `fingerprint`; otherwise
   * `create()`'s (a Promise is cached as it is, so concurrent deliveries share one connection).
   */
  get(destinationId: string, fingerprint: string, create: () => T): T {
    const hit = this.entries.get(destinationId);
    this.entries.delete(destinationId);
    if (hit !== undefined && hit.fingerprint === fingerprint) {
      // Re-inserted: Map order is recency order, so the first key is the least recently used.
      this.entries.set(destinationId, hit);
      return hit.client;
    }
    if (hit !== undefined) this.dispose(hit.client);
    const client = create();
    this.entries.set(destinationId, { fingerprint, client });
    while (this.entries.size > this.options.maxEntries) {
      const [oldestId, oldest] = this.entries.entries().next().value as [string, Entry<T>];
      this.entries.delete(oldestId);
      this.dispose(oldest.client);
    }
    return client;
  }

  /** Drops one destination's client (e.g. after a failure that may have poisoned the connection). */
  evict(destinationId: string): void {
    const hit = this.entries.get(destinationId);
    if (hit === undefined) return;
    this.entries.delete(destinationId);
    this.dispose(hit.client);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Destroys every client (tests, local runtime shutdown). */
  async clear(): Promise<void> {
    const clients = [...this.entries.values()].map((entry) => entry.client);
    this.entries.clear();
    await Promise.all(clients.map((client) => this.settle(client)));
  }

  private dispose(client: T): void {
    void this.settle(client);
  }

  private async settle(client: T): Promise<void> {
    try {
      await this.options.destroy(client);
    } catch {
      // A client that fails to close is unreachable from here on; nothing else to do.
    }
  }
}

/** Stable hash of JSON-able parts (object keys sorted), for `ClientCache.get`'s fingerprint. */
export function fingerprintOf(...parts: unknown[]): string {
  return createHash('sha256').update(stableJson(parts)).digest('base64url');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${stableJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
