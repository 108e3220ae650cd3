import { ClientCache, fingerprintOf } from '../../lambdas/destinations/client-cache';

/**
 * The cache of connections kept across deliveries (client-cache.ts): one client per destination,
 * replaced when its fingerprint changes, least recently used evicted past the bound, and every
 * client that leaves closed exactly once.
 */

interface FakeConnection {
  name: string;
}

function cacheWithCloseLog(maxEntries: number) {
  const closed: string[] = [];
  const cache = new ClientCache<FakeConnection>({
    maxEntries,
    destroy: (connection) => {
      closed.push(connection.name);
    },
  });
  const open = (name: string) => () => ({ name });
  return { cache, closed, open };
}

it('returns the same client for the same destination and fingerprint', () => {
  const { cache, closed, open } = cacheWithCloseLog(2);
  const first = cache.get('des_1', 'v1', open('a'));
  expect(cache.get('des_1', 'v1', open('b'))).toBe(first);
  expect(cache.size).toBe(1);
  expect(closed).toEqual([]);
});

it('replaces and closes the client when the fingerprint changes (new config or credentials)', () => {
  const { cache, closed, open } = cacheWithCloseLog(2);
  cache.get('des_1', 'v1', open('old'));
  expect(cache.get('des_1', 'v2', open('new')).name).toBe('new');
  expect(closed).toEqual(['old']);
  expect(cache.size).toBe(1);
});

it('evicts and closes the least recently used client past the bound', () => {
  const { cache, closed, open } = cacheWithCloseLog(2);
  cache.get('des_1', 'v', open('one'));
  cache.get('des_2', 'v', open('two'));
  cache.get('des_1', 'v', open('unused')); // des_1 is now the most recent
  cache.get('des_3', 'v', open('three'));
  expect(closed).toEqual(['two']);
  expect(cache.size).toBe(2);
  expect(cache.get('des_1', 'v', open('unused')).name).toBe('one');
  expect(cache.get('des_2', 'v', open('two-again')).name).toBe('two-again');
});

it('evicts one destination on demand and closes it; evicting an unknown one does nothing', () => {
  const { cache, closed, open } = cacheWithCloseLog(2);
  cache.get('des_1', 'v', open('one'));
  cache.evict('des_1');
  cache.evict('des_unknown');
  expect(closed).toEqual(['one']);
  expect(cache.get('des_1', 'v', open('reopened')).name).toBe('reopened');
});

it('clear closes every client and waits for the closes; a failing close does not stop the others', async () => {
  const closed: string[] = [];
  const cache = new ClientCache<FakeConnection>({
    maxEntries: 5,
    destroy: async (connection) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (connection.name === 'broken') throw new Error('already gone');
      closed.push(connection.name);
    },
  });
  cache.get('des_1', 'v', () => ({ name: 'broken' }));
  cache.get('des_2', 'v', () => ({ name: 'fine' }));
  await cache.clear();
  expect(closed).toEqual(['fine']);
  expect(cache.size).toBe(0);
});

it('fingerprints by content, whatever the key order, and tells different values apart', () => {
  expect(fingerprintOf({ a: '1', b: '2' }, { c: '3' })).toBe(fingerprintOf({ b: '2', a: '1' }, { c: '3' }));
  expect(fingerprintOf({ a: '1' })).not.toBe(fingerprintOf({ a: '2' }));
  expect(fingerprintOf({ a: '1' }, {})).not.toBe(fingerprintOf({}, { a: '1' }));
});
