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
    expect(await health.get('t-h', 'd1')).toEqual({ current: 20, alertedLevels: [], alertOpen: false });
    expect(await health.get('t-other', 'd1')).toEqual({ current: 0, alertedLevels: [], alertOpen: false });
  });

  it('alerts each level once, whatever order concurrent crossings arrive in', async () => {
    expect(await health.markAlerted('t-h', 'd2', 100)).toBe(true);
    expect(await health.markAlerted('t-h', 'd2', 90)).toBe(true);
    const again = await Promise.all([
      health.markAlerted('t-h', 'd2', 90),
      health.markAlerted('t-h', 'd2', 90),
    ]);
    expect(again).toEqual([false, false]);
    expect(await health.get('t-h', 'd2')).toEqual({ current: 0, alertedLevels: [90, 100], alertOpen: true });
  });

  it('recovers only when there is something to recover, and reports what it cleared', async () => {
    await health.increment('t-h', 'd3');
    await health.markAlerted('t-h', 'd3', 50);
    expect(await health.recover('t-h', 'd3')).toEqual({ current: 1, alertedLevels: [50], alertOpen: true });
    expect(await health.recover('t-h', 'd3')).toBeNull();
    expect(await health.get('t-h', 'd3')).toEqual({ current: 0, alertedLevels: [], alertOpen: false });
    expect(await health.markAlerted('t-h', 'd3', 50)).toBe(true);
  });

  it('keeps an alert open across a re-enable reset, until a success recovers it', async () => {
    await Promise.all([health.increment('t-h', 'd6'), health.increment('t-h', 'd6')]);
    await health.markAlerted('t-h', 'd6', 100);
    await health.reset('t-h', 'd6');
    expect(await health.get('t-h', 'd6')).toEqual({ current: 0, alertedLevels: [], alertOpen: true });
    // The count starts afresh, so the levels alert again.
    expect(await health.markAlerted('t-h', 'd6', 100)).toBe(true);
    expect((await health.recover('t-h', 'd6'))?.alertOpen).toBe(true);
    expect(await health.recover('t-h', 'd6')).toBeNull();
  });

  it('opens the alert when it claims an exhausted-retries alert', async () => {
    expect(await health.claimExhaustedAlert('t-h', 'd7', new Date(), 3_600_000)).toBe(true);
    expect(await health.get('t-h', 'd7')).toEqual({ current: 0, alertedLevels: [], alertOpen: true });
    expect(await health.recover('t-h', 'd7')).toEqual({ current: 0, alertedLevels: [], alertOpen: true });
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
