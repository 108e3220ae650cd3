import { levelCount, levelsToAlert } from '../../lambdas/core/health';

describe('levelCount', () => {
  it.each([
    [100, 50, 50],
    [10, 70, 7],
    [3, 50, 2],
    [3, 70, 3],
    [1, 50, 1],
    [4, 90, 4],
  ])('threshold %i reaches %i %% at %i failures', (threshold, level, count) => {
    expect(levelCount(threshold, level)).toBe(count);
  });
});

describe('levelsToAlert', () => {
  it.each<[string, number, number, number[], number[]]>([
    ['below the first level', 4, 10, [], []],
    ['exactly at 50 %', 5, 10, [], [50]],
    ['between levels, 50 % already alerted', 6, 10, [50], []],
    ['crossing 70 %', 7, 10, [50], [70]],
    ['at 100 %, all below alerted', 10, 10, [50, 70, 90], [100]],
    ['past 100 %, everything alerted', 14, 10, [50, 70, 90, 100], []],
    ['threshold lowered below a standing count: every level at once', 5, 4, [], [50, 70, 90, 100]],
    ['threshold lowered after 50 % was alerted', 8, 10, [50], [70]],
    ['a level missed by a failure that died before alerting', 9, 10, [50, 90], [70]],
    ['threshold of one', 1, 1, [], [50, 70, 90, 100]],
  ])('%s (count %i, threshold %i, alerted %j)', (_label, current, threshold, alerted, expected) => {
    expect(levelsToAlert(current, threshold, alerted)).toEqual(expected);
  });
});
