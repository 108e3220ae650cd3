import { DynamoDestinationHealthRepository } from '../../../lambdas/store/destination-health.repository';
import { startStore, type StoreFixture } from './store-fixture';

let store: StoreFixture;
let health: DynamoDestinationHealthRepository;

beforeAll(async () => {
  store = await startStore();
  health = new DynamoDestinationHealthRepository(store.documentClient, store.tables.destinations);
});

afterAll(async () => {
  await store?.close();
});

describe('destination health', () => {
  it('counts failures atomically under concurrency', async () => {
    await Promise.all(Array.from({ length: 20 }, () => health.increment('t-h', 'd1')));
    expect(await health.get('t-h', 'd1')).toEqual({ current: 20, alertedLevel: 0 });
    expect(await health.get('t-other', 'd1')).toEqual({ current: 0, alertedLevel: 0 });
  });

  it('alerts each level once, whatever order concurrent crossings arrive in', async () => {
    expect(await health.markAlerted('t-h', 'd2', 100)).toBe(true);
    expect(await health.markAlerted('t-h', 'd2', 90)).toBe(true);
    const again = await Promise.all([
      health.markAlerted('t-h', 'd2', 90),
      health.markAlerted('t-h', 'd2', 90),
    ]);
    expect(again).toEqual([false, false]);
    expect((await health.get('t-h', 'd2')).alertedLevel).toBe(100);
  });

  it('resets only when there is something to reset, and reports what it reset', async () => {
    await health.increment('t-h', 'd3');
    await health.markAlerted('t-h', 'd3', 50);
    expect(await health.reset('t-h', 'd3')).toEqual({ current: 1, alertedLevel: 50 });
    expect(await health.reset('t-h', 'd3')).toBeNull();
    expect(await health.get('t-h', 'd3')).toEqual({ current: 0, alertedLevel: 0 });
    expect(await health.markAlerted('t-h', 'd3', 50)).toBe(true);
  });

  it('rate-limits exhausted-retries alerts per destination and window', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const hour = 3_600_000;
    expect(await health.claimExhaustedAlert('t-h', 'd4', now, hour)).toBe(true);
    expect(await health.claimExhaustedAlert('t-h', 'd4', new Date(now.getTime() + hour - 1), hour)).toBe(
      false,
    );
    expect(await health.claimExhaustedAlert('t-h', 'd5', now, hour)).toBe(true);
    expect(await health.claimExhaustedAlert('t-h', 'd4', new Date(now.getTime() + hour), hour)).toBe(true);
  });
});
