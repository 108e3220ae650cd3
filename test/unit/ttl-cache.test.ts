import { TtlCache } from '../../lambdas/core/ttl-cache';

describe('TtlCache', () => {
  it('serves a value until it expires, then loads again', async () => {
    let now = 0;
    const cache = new TtlCache<number>(1000, 10, () => now);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.getOrLoad('a', load)).toBe(1);
    now = 999;
    expect(await cache.getOrLoad('a', load)).toBe(1);
    now = 1000;
    expect(await cache.getOrLoad('a', load)).toBe(2);
  });

  it('evicts the oldest entry when full', async () => {
    const cache = new TtlCache<string>(60_000, 2);
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.set('c', 'C');
    expect(await cache.getOrLoad('a', async () => 'reloaded')).toBe('reloaded');
    expect(await cache.getOrLoad('c', async () => 'reloaded')).toBe('C');
  });

  it('caches null results too (a missing destination is not re-read on every task)', async () => {
    const cache = new TtlCache<string | null>(60_000, 2);
    let loads = 0;
    await cache.getOrLoad('gone', async () => (loads++, null));
    await cache.getOrLoad('gone', async () => (loads++, null));
    expect(loads).toBe(1);
  });
});
