import { explainMatch } from '../../lambdas/core/filter';

/**
 * Outpost's own matcher suite, ported so that the two cannot drift apart: every case of TestMatch and
 * TestMatchNot in hookdeck/outpost internal/simplejsonmatch/match_test.go (commit ed4dc98c, itself
 * generated from Hookdeck's simple-json-match tests), numbered as there. The `$ref` cases (61-72, 85)
 * are skipped there as well: Outpost does not implement `$ref`, and neither does this project.
 * explainMatch is the matcher itself, on any JSON input; filters apply it to the event view.
 */
type Case = [index: number, input: unknown, schema: unknown, expected: boolean];

const match: Case[] = [
  [0, { type: 'created' }, { type: 'created' }, true],
  [1, {}, { type: 'created' }, false],
  [2, { type: 'updated' }, { type: 'created' }, false],
  [3, { type: 1 }, { type: 'created' }, false],
  [4, { type: 1 }, { type: 1 }, true],
  [5, { count: 1, type: 'created' }, { count: 1 }, true],
  [6, { count: 1, type: 'created' }, { count: 1, type: 'created' }, true],
  [7, { count: 1 }, { count: 1, type: 'created' }, false],
  [8, { count: 0 }, { count: { $lt: 1 } }, true],
  [9, { count: 2 }, { count: { $lt: 1 } }, false],
  [10, { count: 2 }, { count: { $eq: 2 } }, true],
  [11, { count: 2 }, { count: { $neq: 2 } }, false],
  [12, { count: 2 }, { count: { $gt: 1, $lt: 3 } }, true],
  [13, { count: 4 }, { count: { $gt: 1, $lt: 3 } }, false],
  [14, { title: 'a' }, { title: { $gt: 'b' } }, false],
  [15, { title: 'c' }, { title: { $gt: 'b' } }, true],
  [16, { type: 'created' }, { type: { $neq: 'created' } }, false],
  [17, { type: 'created' }, { type: { $eq: 'created' } }, true],
  [18, { type: { something: 'created' } }, { type: { something: 'created' } }, true],
  [19, { type: { something: 'created' } }, { type: { something: 'updated' } }, false],
  [20, { type: { something: 'created' } }, { type: 1 }, false],
  [21, { tags: ['test', 'other'] }, { tags: 'test' }, true],
  [22, { tags: ['test', 'other'] }, { tags: 'nope' }, false],
  [23, { items: [{ sku: 'test' }] }, { items: { sku: 'test' } }, true],
  [24, { items: [{ sku: 'test' }] }, { items: { sku: '1' } }, false],
  [25, { items: [{ inventory: 9 }, { inventory: 11 }] }, { items: { inventory: { $lte: 10 } } }, true],
  [26, { items: [{ inventory: 12 }, { inventory: 11 }] }, { items: { inventory: { $lte: 10 } } }, false],
  [27, { tags: ['test', 'other', 'more'] }, { tags: ['test', 'other'] }, true],
  [28, { tags: ['test', 'other', 'more'] }, { tags: ['test', 'whatever'] }, false],
  [29, { tags: ['test', 'other'] }, { tags: { $eq: ['test', 'other'] } }, true],
  [30, { tags: ['test', 'other', 'more'] }, { tags: { $eq: ['test', 'other'] } }, false],
  [31, [1, 2, 3], 3, true],
  [32, [1, 2, 3], 4, false],
  [33, [1, 2, 3], [{ $eq: 3 }], true],
  [34, [1, 2, 3], [{ $eq: 4 }], false],
  [35, [1, 2, 3], { $eq: 3 }, false],
  [36, { exist: true }, { exist: true }, true],
  [37, { exist: true }, { exist: false }, false],
  [38, { exist: null }, { exist: null }, true],
  [39, { exist: null }, { exist: false }, false],
  [40, { exist: null }, { exist: { $eq: null } }, true],
  [41, { exist: null }, { exist: { $neq: null } }, false],
  [42, 'created', 'created', true],
  [43, 1, 2, false],
  [44, 10, { $gte: 5 }, true],
  [45, { test: true }, true, false],
  [46, { test: 'some-text' }, { test: { $startsWith: 'some' } }, true],
  [47, { test: 'some-text' }, { test: { $endsWith: 'some' } }, false],
  [48, { test: 'some-text' }, { test: { $endsWith: 'text' } }, true],
  [49, { test: 'some-text' }, { test: { something: 'text' } }, false],
  [50, { test: { more: true } }, { test: { $startsWith: 'text' } }, false],
  [51, { test: 'some-text' }, { test: { $startsWith: ['some', 'else'] } }, true],
  [52, { test: 'some-text' }, { test: { $startsWith: ['something', 'else'] } }, false],
  [53, { test: 'some-text' }, { test: { $endsWith: ['some', 'else'] } }, false],
  [54, { test: 'some-text' }, { test: { $endsWith: ['text', 'else'] } }, true],
  [55, { test: 'some-text', id: 123 }, { test: { $in: 'text' }, id: { $in: [123, 456] } }, true],
  [
    56,
    { test: 'some-text', id: 123 },
    { test: { $in: ['some-text', 'other-text'] }, id: { $in: [123, 456] } },
    true,
  ],
  [57, { test: 'some-text', id: 123 }, { test: { $in: ['some', 'text'] }, id: { $nin: [123, 456] } }, false],
  [58, { test: 'some-text' }, { test: { $in: 'text' } }, true],
  [59, { test: 'some-text' }, { test: { $nin: 'some' } }, false],
  [60, { tags: ['test', 'something'] }, { tags: { $nin: 'test' } }, false],
  [73, { test: 1 }, { test: { $gt: [1, 2, 3] } }, false],
  [74, { test: true }, { $or: [{ test: true }] }, true],
  [75, { test: true }, { $or: [{ test: false }] }, false],
  [
    76,
    { test: { something: 'else' } },
    { test: { $or: [{ something: true }, { something: { $in: 'else' } }] } },
    true,
  ],
  [
    77,
    { test: { something: 'else' } },
    { test: { $or: [{ something: true }, { something: { $in: 'no' } }] } },
    false,
  ],
  [78, 1, { $or: [1, 2] }, true],
  [79, 1, { $or: [2, 3] }, false],
  [80, { test: true }, { $and: [{ test: true }] }, true],
  [81, { test: true }, { $or: [{ test: false }] }, false],
  [
    82,
    { test: { something: 'else' } },
    { test: { $and: [{ something: { $neq: null } }, { something: { $in: 'else' } }] } },
    true,
  ],
  [
    83,
    { test: { something: null } },
    { test: { $and: [{ something: { $neq: null } }, { something: { $in: 'else' } }] } },
    false,
  ],
  [84, 1, { $and: [1, 2] }, false],
  [86, { test: 'else' }, { test: { $exist: true } }, true],
  [87, { test: 'else' }, { test: { $exist: false } }, false],
  [88, { test1: 'else' }, { test: { $exist: true } }, false],
  [89, { test1: 'else' }, { test: { $exist: false } }, true],
  [90, '/test', '/test', true],
  [91, '/test', '/test2', false],
  [92, 1, 1, true],
  [93, 1, 2, false],
  [94, 1, {}, false],
  [95, { test: { test1: 'else' } }, { test: { test1: { $exist: true, $or: ['else', 'not'] } } }, true],
  [96, { test: { test1: 'else1' } }, { test: { test1: { $exist: true, $or: ['else', 'not'] } } }, false],
  [97, { test: { test1: 'else' } }, { test: { test1: { $exist: true, $in: 'el' } } }, true],
  [98, { test: { test1: 'else' } }, { test: { test1: { $exist: true, $in: 'no' } } }, false],
  [
    99,
    { test: { test1: 'else', test2: 'not' } },
    {
      test: {
        test1: { $exist: true, $or: ['else', 'not'] },
        $and: [{ test1: 'else' }, { test2: 'not' }],
      },
    },
    true,
  ],
  [
    100,
    { test: { test1: 'else', test2: 'not' } },
    {
      test: {
        test1: { $exist: true, $or: ['else1', 'not1'] },
        $and: [{ test1: 'else1' }, { test2: 'not1' }],
      },
    },
    false,
  ],
  [101, { test: { test1: { test2: 'else' } } }, { test: { test1: { test2: { $exist: true } } } }, true],
  [102, { test: { test1: { test2: 'else' } } }, { test: { test1: { test2: { $exist: false } } } }, false],
  [103, { test: { test1: { test3: 'else' } } }, { test: { test1: { test2: { $exist: false } } } }, true],
  [104, { test: { test1: { test3: 'else' } } }, { test: { test1: { test2: { $exist: true } } } }, false],
  [
    105,
    { test: { test1: 'else' } },
    { $or: [{ test: { test1: { $exist: true } } }, { test: { test1: 'else1' } }] },
    true,
  ],
  [
    106,
    { test: { test1: 'else' } },
    { $or: [{ test: { test1: { $exist: false } } }, { test: { test1: 'else' } }] },
    true,
  ],
  [
    107,
    { test: { test2: 'else' } },
    { $or: [{ test: { test1: { $exist: true } } }, { test: { test2: 'else' } }] },
    true,
  ],
  [
    108,
    { test: { test2: 'else' } },
    { $or: [{ test: { test1: { $exist: true } } }, { test: { test2: 'else1' } }] },
    false,
  ],
  [
    109,
    { test: { test1: 'else', test2: 'not' } },
    { $or: [{ test: { test1: { $exist: true } } }, { test: { test2: 'else1' } }] },
    true,
  ],
  [
    110,
    { test: { test1: 'else', test2: 'not' } },
    { $and: [{ test: { test1: { $exist: true } } }, { test: { test2: 'not' } }] },
    true,
  ],
  [
    111,
    { test: { test1: 'else', test2: 'not' } },
    { $and: [{ test: { test1: { $exist: true } } }, { test: { test2: 'not1' } }] },
    false,
  ],
  [
    112,
    { test: { test1: 'else', test2: 'not' } },
    { $and: [{ test: { test1: { $exist: true } } }, { test: { test1: 'else' } }] },
    true,
  ],
  [
    113,
    { test: { test1: 'else', test2: 'not' } },
    { $and: [{ test: { test1: { $exist: true } } }, { test: { test1: 'else1' } }] },
    false,
  ],
  [
    114,
    { test: { test1: 'else', test2: 'not' } },
    { $and: [{ test: { test1: { $exist: true, $eq: 'else' } } }] },
    true,
  ],
  [115, { test: { test2: 'not' } }, { $and: [{ test: { test1: { $exist: true, $eq: 'not' } } }] }, false],
  [
    116,
    { test: { test1: 'else', test2: 'not' } },
    { $and: [{ test: { test1: { $exist: true } } }, { test: { test2: { $exist: true } } }] },
    true,
  ],
  [
    117,
    { test: { test1: 'else', test2: 'not' } },
    { $and: [{ test: { test1: { $exist: true } } }, { test: { test2: { $exist: false } } }] },
    false,
  ],
  [
    118,
    { test: { test1: 'else' } },
    { $and: [{ test: { test1: { $exist: true } } }, { test: { test2: { $exist: false } } }] },
    true,
  ],
  [
    119,
    { test: { test1: 'else' } },
    { $or: [{ test: { test1: { $exist: true } } }, { test: { test2: { $exist: false } } }] },
    true,
  ],
  [
    120,
    { test: { test3: 'else' } },
    { $or: [{ test: { test1: { $exist: true } } }, { test: { test2: { $exist: false } } }] },
    true,
  ],
];

const both = { test: { test1: 'else', test2: 'not' } };
const matchNot: Case[] = [
  [
    0,
    both,
    { $not: { test: { test1: 'else2' } }, $and: [{ test: { test1: 'else' } }, { test: { test2: 'not' } }] },
    true,
  ],
  [
    1,
    both,
    { $not: { test: { test1: 'else' } }, $and: [{ test: { test1: 'else' } }, { test: { test2: 'not' } }] },
    false,
  ],
  [
    2,
    both,
    {
      $not: { test: { test1: { $exist: true } } },
      $and: [{ test: { test1: 'else' } }, { test: { test2: 'not' } }],
    },
    false,
  ],
  [
    3,
    both,
    {
      $not: { test: { test1: { $exist: false } } },
      $and: [{ test: { test1: 'else' } }, { test: { test2: 'not' } }],
    },
    true,
  ],
  [
    4,
    both,
    {
      $not: { test: { test1: { $exist: false } } },
      $and: [{ test: { test3: { $exist: false } } }, { test: { test2: 'not' } }],
    },
    true,
  ],
  [
    5,
    both,
    {
      $not: { test: { test1: { $exist: false } } },
      $and: [{ test: { test3: { $exist: true } } }, { test: { test2: 'not' } }],
    },
    false,
  ],
  [
    6,
    both,
    {
      $not: { test: { test1: 'else2' } },
      $or: [{ test: { test3: { $exist: true } } }, { test: { test2: 'not' } }],
    },
    true,
  ],
  [
    7,
    both,
    {
      $not: { test: { test1: 'else' } },
      $or: [{ test: { test3: { $exist: true } } }, { test: { test2: 'not' } }],
    },
    false,
  ],
  [
    8,
    both,
    {
      $not: { test: { test1: 'else' } },
      $or: [{ test: { test3: { $exist: false } } }, { test: { test2: 'not' } }],
    },
    false,
  ],
  [
    9,
    both,
    {
      $not: { test: { test1: 'else' } },
      $or: [{ test: { test3: { $exist: false } } }, { test: { test2: 'not2' } }],
    },
    false,
  ],
  [
    10,
    both,
    {
      $not: { test: { test1: 'else2' } },
      $or: [{ test: { test3: { $exist: true } } }, { test: { test2: 'not2' } }],
    },
    false,
  ],
  [
    11,
    both,
    {
      $not: { test: { test1: 'else2' } },
      $or: [{ test: { test3: { $exist: false } } }, { test: { test2: 'not' } }],
    },
    true,
  ],
];

describe("Outpost's matcher suite (simplejsonmatch TestMatch)", () => {
  it('has every implemented case', () => {
    expect(match).toHaveLength(108);
    expect(matchNot).toHaveLength(12);
  });

  it.each(match)('case %i: %j against %j is %s', (_index, input, schema, expected) => {
    expect(explainMatch(input, schema).matches).toBe(expected);
  });

  it.each(match)('case %i wrapped in $not is inverted', (_index, input, schema, expected) => {
    expect(explainMatch(input, { $not: schema }).matches).toBe(!expected);
  });
});

describe("Outpost's matcher suite (simplejsonmatch TestMatchNot)", () => {
  it.each(matchNot)('not case %i: %j against %j is %s', (_index, input, schema, expected) => {
    expect(explainMatch(input, schema).matches).toBe(expected);
  });
});
