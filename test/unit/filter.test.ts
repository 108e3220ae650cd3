import type { JsonObject } from '../../lambdas/core/model';
import {
  explainFilter,
  matchesFilter,
  MAX_FILTER_STEPS,
  MAX_NESTING,
  MAX_REGEXES_PER_FILTER,
  REGEX_SUBJECT_CAP,
  validateFilter,
  type FilterEvent,
} from '../../lambdas/core/filter';

// Outpost's own matcher suite runs against the same evaluator in filter-outpost.test.ts; this one
// covers filters on events: the event view, every operator on event data, limits and validation.

const event: FilterEvent = {
  id: 'evt_1',
  topic: 'order.created',
  time: '2024-05-01T10:00:00.250Z',
  metadata: { source: 'shop', region: 'eu' },
  data: {
    type: 'created',
    count: 2,
    price: 5,
    active: true,
    note: null,
    id_str: '123',
    email: 'ada@example.com',
    customer: { tier: 'premium', name: 'Ada Lovelace', address: { country: 'GB' } },
    tags: ['vip', 'beta'],
    codes: [3, 7],
    variants: [
      { price: 5, sku: 'A-1' },
      { price: 12, sku: 'B-2' },
    ],
    matrix: [[1, 2], [3]],
    empty: [],
  },
};

const data = (condition: JsonObject): JsonObject => ({ data: condition });
const withData = (payload: JsonObject): FilterEvent => ({ ...event, data: payload });

/** Each case runs twice: as written, and wrapped in $not, which must invert it (as Outpost's suite does). */
const cases: [string, JsonObject, boolean][] = [
  // plain values and nesting
  ['equal string', data({ type: 'created' }), true],
  ['unequal string', data({ type: 'updated' }), false],
  ['equal number', data({ count: 2 }), true],
  ['number is never equal to a string', data({ id_str: 123 }), false],
  ['string is never equal to a number', data({ count: '2' }), false],
  ['boolean', data({ active: true }), true],
  ['boolean is not 1', data({ active: 1 }), false],
  ['null equals a present null', data({ note: null }), true],
  ['null is not false', data({ note: false }), false],
  ['several fields are all required', data({ type: 'created', count: 2 }), true],
  ['one failing field fails all', data({ type: 'created', count: 3 }), false],
  ['nested object path', data({ customer: { tier: 'premium' } }), true],
  ['deeper nesting', data({ customer: { address: { country: 'GB' } } }), true],
  ['deeper nesting mismatch', data({ customer: { address: { country: 'FR' } } }), false],
  ['object value against a scalar', data({ customer: 'premium' }), false],
  ['field of a scalar', data({ type: { name: 'x' } }), false],
  ['{} below the root means "is an object"', data({ customer: {} }), true],
  ['{} against a scalar', data({ count: {} }), false],
  // top-level fields and metadata
  ['topic', { topic: 'order.created' }, true],
  ['topic $startsWith', { topic: { $startsWith: 'order.' } }, true],
  ['id', { id: { $in: ['evt_1', 'evt_2'] } }, true],
  ['time is RFC 3339 to the second, as Outpost writes it', { time: '2024-05-01T10:00:00Z' }, true],
  ['time $gte the same second', { time: { $gte: '2024-05-01T10:00:00Z' } }, true],
  ['time $lt', { time: { $lt: '2024-05-01T00:00:00Z' } }, false],
  ['metadata', { metadata: { source: 'shop' } }, true],
  ['metadata mismatch', { metadata: { region: 'us' } }, false],
  ['topic and data together', { topic: 'order.created', data: { count: 2 } }, true],
  // $eq / $neq
  ['$eq', data({ count: { $eq: 2 } }), true],
  ['$eq mismatch', data({ count: { $eq: 3 } }), false],
  ['$neq', data({ type: { $neq: 'updated' } }), true],
  ['$neq on an equal value', data({ type: { $neq: 'created' } }), false],
  ['$neq null on null', data({ note: { $neq: null } }), false],
  [
    '$eq object is deep, key order ignored',
    data({ customer: { $eq: { address: { country: 'GB' }, name: 'Ada Lovelace', tier: 'premium' } } }),
    true,
  ],
  ['$eq object with a missing key', data({ customer: { $eq: { tier: 'premium' } } }), false],
  ['$eq array is the whole array', data({ tags: { $eq: ['vip', 'beta'] } }), true],
  ['$eq array order matters', data({ tags: { $eq: ['beta', 'vip'] } }), false],
  ['$eq scalar against an array is false (as Outpost)', data({ tags: { $eq: 'beta' } }), false],
  ['$neq scalar against an array is true (as Outpost)', data({ tags: { $neq: 'beta' } }), true],
  // ordering
  ['$gt', data({ count: { $gt: 1 } }), true],
  ['$gt equal', data({ count: { $gt: 2 } }), false],
  ['$gte equal', data({ count: { $gte: 2 } }), true],
  ['$lt', data({ price: { $lt: 10 } }), true],
  ['$lte', data({ price: { $lte: 4 } }), false],
  ['range', data({ count: { $gt: 1, $lt: 3 } }), true],
  ['range outside', data({ price: { $gt: 1, $lt: 3 } }), false],
  ['$gt on strings is lexicographic', data({ type: { $gt: 'b' } }), true],
  ['$gt string against number never matches', data({ id_str: { $gt: 100 } }), false],
  ['$lt number against string never matches', data({ count: { $lt: 'z' } }), false],
  ['$gte against an array never matches (as Outpost)', data({ codes: { $gte: 3 } }), false],
  ['$gte on each element, through $or', data({ codes: { $or: [{ $gte: 7 }] } }), true],
  // $in / $nin
  ['$in list', data({ type: { $in: ['created', 'deleted'] } }), true],
  ['$in list miss', data({ type: { $in: ['deleted'] } }), false],
  ['$in list is type-strict', data({ count: { $in: ['2'] } }), false],
  ['$in string is a substring test', data({ email: { $in: '@example' } }), true],
  ['$in string against an array: contains', data({ tags: { $in: 'vip' } }), true],
  ['$in string against an array: whole elements', data({ tags: { $in: 'vi' } }), false],
  ['$in number against an array: contains', data({ codes: { $in: 7 } }), true],
  ['$in list against an array cannot be decided (as Outpost)', data({ tags: { $in: ['beta'] } }), false],
  ['$nin list against an array cannot be decided', data({ tags: { $nin: ['gold'] } }), false],
  ['$in number against a number cannot be decided', data({ count: { $in: 2 } }), false],
  ['$nin list', data({ type: { $nin: ['deleted'] } }), true],
  ['$nin list hit', data({ count: { $nin: [1, 2] } }), false],
  ['$nin substring', data({ email: { $nin: 'gmail' } }), true],
  ['$nin against an array', data({ tags: { $nin: 'vip' } }), false],
  ['$nin list against an object cannot be decided', data({ customer: { $nin: ['x'] } }), false],
  // strings
  ['$startsWith', data({ email: { $startsWith: 'ada@' } }), true],
  ['$startsWith miss', data({ email: { $startsWith: 'bob@' } }), false],
  ['$startsWith any of a list', data({ email: { $startsWith: ['bob', 'ada'] } }), true],
  ['$endsWith', data({ email: { $endsWith: '.com' } }), true],
  ['$endsWith list miss', data({ email: { $endsWith: ['.org', '.net'] } }), false],
  ['$startsWith on a number', data({ count: { $startsWith: '2' } }), false],
  ['$endsWith against an array never matches (as Outpost)', data({ tags: { $endsWith: 'ta' } }), false],
  ['$endsWith on each element, through $or', data({ tags: { $or: [{ $endsWith: 'ta' }] } }), true],
  ['$regex', data({ email: { $regex: '^[a-z]+@example\\.com$' } }), true],
  ['$regex miss', data({ email: { $regex: '^bob' } }), false],
  ['$regex is case-sensitive', data({ customer: { name: { $regex: 'ada' } } }), false],
  ['$regex (?i) flag', data({ customer: { name: { $regex: '(?i)^ada' } } }), true],
  ['$regex Unicode class', data({ customer: { name: { $regex: '^\\p{Lu}\\p{Ll}+ ' } } }), true],
  ['$regex on a number', data({ count: { $regex: '2' } }), false],
  ['$regex against an array never matches, as $startsWith', data({ tags: { $regex: '^b' } }), false],
  ['$regex on each element, through $or', data({ tags: { $or: [{ $regex: '^b' }] } }), true],
  // $exist and missing fields
  ['$exist true', data({ type: { $exist: true } }), true],
  ['$exist true on a present null', data({ note: { $exist: true } }), true],
  ['$exist false on a present field', data({ type: { $exist: false } }), false],
  ['$exist false on a missing field', data({ absent: { $exist: false } }), true],
  ['$exist true on a missing field', data({ absent: { $exist: true } }), false],
  ['$exist false below a missing parent', data({ nothing: { here: { $exist: false } } }), false],
  ['a missing field is judged by $exist alone', data({ absent: { $exist: false, $eq: 1 } }), true],
  ['missing field vs value', data({ absent: 'x' }), false],
  ['missing field vs null', data({ absent: null }), false],
  ['missing field vs $neq (as Outpost)', data({ absent: { $neq: 'x' } }), false],
  ['missing field vs $nin (as Outpost)', data({ absent: { $nin: ['x'] } }), false],
  ['missing field vs $not (as Outpost)', data({ absent: { $not: 'x' } }), false],
  [
    'missing field vs $or with $exist false (as Outpost)',
    data({ absent: { $or: [{ $exist: false }] } }),
    false,
  ],
  ['missing field under a $not above it', { $not: { data: { absent: { $exist: true } } } }, true],
  ['missing metadata key', { metadata: { tenant_tier: { $exist: false } } }, true],
  // arrays
  ['scalar matches any element', data({ tags: 'beta' }), true],
  ['scalar matches no element', data({ tags: 'gold' }), false],
  ['array filter: contains all', data({ tags: ['beta', 'vip'] }), true],
  ['array filter: one missing', data({ tags: ['beta', 'gold'] }), false],
  ['array filter against a scalar', data({ type: ['created'] }), false],
  ['array filter with an operator element', data({ codes: [{ $gt: 5 }] }), true],
  ['object filter matches any element', data({ variants: { sku: 'B-2' } }), true],
  ['the specification example', data({ variants: { price: { $gte: 10 } } }), true],
  ['object filter: conditions on one element', data({ variants: { price: 5, sku: 'B-2' } }), false],
  ['nested arrays', data({ matrix: 3 }), true],
  ['empty array matches no scalar', data({ empty: 'x' }), false],
  ['empty array filter is contained in any array', data({ empty: [] }), true],
  // $or / $and / $not
  ['$or at the root', { $or: [{ topic: 'x' }, { data: { count: 2 } }] }, true],
  ['$or at the root, no branch', { $or: [{ topic: 'x' }, { data: { count: 3 } }] }, false],
  ['$or of values on a field', data({ type: { $or: ['updated', 'created'] } }), true],
  ['$or of operators on a field', data({ price: { $or: [{ $lt: 1 }, { $gt: 100 }] } }), false],
  ['$or on an array: per element', data({ tags: { $or: ['gold', 'vip'] } }), true],
  [
    '$or inside an object',
    data({ customer: { $or: [{ tier: 'gold' }, { address: { country: 'GB' } }] } }),
    true,
  ],
  ['$or beside operators is evaluated alone (as Outpost)', data({ price: { $gt: 100, $or: [5] } }), true],
  ['on an array, the operators beside $or alone', data({ codes: { $in: 7, $or: ['x'] } }), true],
  ['$and at the root', { $and: [{ topic: 'order.created' }, { data: { count: { $gte: 2 } } }] }, true],
  [
    '$and at the root, one fails',
    { $and: [{ topic: 'order.created' }, { data: { count: { $gte: 3 } } }] },
    false,
  ],
  [
    '$and on an object field',
    data({ customer: { $and: [{ tier: 'premium' }, { address: { country: 'GB' } }] } }),
    true,
  ],
  ['$and on a scalar field never matches (as Outpost)', data({ count: { $and: [{ $gt: 1 }] } }), false],
  ['$and on an array: per element (as Outpost)', data({ tags: { $and: ['vip', 'beta'] } }), false],
  ['$not on a scalar field never matches (as Outpost)', data({ type: { $not: 'updated' } }), false],
  ['$not on an object field', data({ customer: { $not: { tier: 'free' } } }), true],
  ['$not inside $or on a scalar field', data({ price: { $or: [{ $not: { $gte: 10 } }] } }), true],
  ['$not at the root', { $not: { data: { customer: { tier: 'free' } } } }, true],
  ['$not beside other conditions', { $not: { topic: 'x' }, data: { type: 'created' } }, true],
  ['$not beside a failing $and', { $not: { topic: 'x' }, $and: [{ data: { type: 'updated' } }] }, false],
  [
    '$or nested in $and',
    { $and: [{ $or: [{ topic: 'a' }, { topic: 'order.created' }] }, { data: { active: true } }] },
    true,
  ],
  ['$not of $or', { $not: { $or: [{ topic: 'a' }, { topic: 'b' }] } }, true],
  [
    '$or with $exist and a value',
    data({ customer: { tier: { $exist: true, $or: ['premium', 'gold'] } } }),
    true,
  ],
];

describe('matchesFilter', () => {
  it('has a case for every operator and shape', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases)('%s', (_name, filter, expected) => {
    expect(validateFilter(filter)).toEqual([]);
    expect(matchesFilter(filter, event)).toBe(expected);
  });

  it.each(cases)('$not inverts: %s', (_name, filter, expected) => {
    expect(matchesFilter({ $not: filter }, event)).toBe(!expected);
  });

  it.each<[string, JsonObject | null]>([
    ['null', null],
    ['{}', {}],
  ])('%s matches every event', (_name, filter) => {
    expect(matchesFilter(filter, event)).toBe(true);
    expect(matchesFilter(filter, { ...event, metadata: null, data: {} })).toBe(true);
  });

  it('sees null metadata as an empty object', () => {
    expect(matchesFilter({ metadata: {} }, { ...event, metadata: null })).toBe(true);
    expect(matchesFilter({ metadata: { source: { $exist: false } } }, { ...event, metadata: null })).toBe(
      true,
    );
  });
});

describe('$regex', () => {
  const text = (value: string) => withData({ text: value });
  const regex = (pattern: string): JsonObject => data({ text: { $regex: pattern } });
  const a4096 = 'a'.repeat(4096);

  // Each takes seconds with a backtracking engine; RE2 runs them in linear time. Results only: no timing.
  it.each<[string, string, boolean]>([
    ['^a?a?a?a?a?a?a?a?a?a?.*.*b', a4096, false],
    ['^a?a?a?a?a?a?a?a?a?a?.*.*b', `${'a'.repeat(4000)}b`, true],
    ['^.*a{0,15}a{0,15}.*b', a4096, false],
    ['^.*a{0,15}a{0,15}.*b', `${'a'.repeat(4000)}b`, true],
    [`^${'(a|aa)'.repeat(24)}$`, 'a'.repeat(49), false],
    [`^${'(a|aa)'.repeat(24)}$`, 'a'.repeat(48), true],
    ['^(a+)+$', `${'a'.repeat(40)}!`, false],
    ['(a|a)*b', a4096, false],
  ])('accepts %s and answers on a long value', (pattern, value, expected) => {
    expect(validateFilter(regex(pattern))).toEqual([]);
    expect(matchesFilter(regex(pattern), text(value))).toBe(expected);
  });

  it(`tests the first ${REGEX_SUBJECT_CAP} characters of a value`, () => {
    const long = text(`${'a'.repeat(REGEX_SUBJECT_CAP)}needle`);
    expect(matchesFilter(regex('needle'), long)).toBe(false);
    expect(matchesFilter(regex('^a+$'), long)).toBe(true);
  });

  it('never matches with a pattern that reached storage unvalidated', () => {
    expect(matchesFilter(regex('(?=a)a'), text('a'))).toBe(false);
    expect(matchesFilter(regex('x{300}'), text('x'.repeat(300)))).toBe(false);
  });
});

describe('work limits', () => {
  it('stops an evaluation past its step budget, and it does not match', () => {
    const huge = withData({ values: Array.from({ length: MAX_FILTER_STEPS }, (_, i) => i) });
    expect(explainFilter(data({ values: -1 }), huge)).toEqual({
      matches: false,
      failed_path: 'data.values',
      reason: `evaluation stopped after ${MAX_FILTER_STEPS} steps`,
    });
    // Not even its negation matches: a stopped evaluation has no answer to invert.
    expect(matchesFilter({ $not: data({ values: -1 }) }, huge)).toBe(false);
    // An answer found within the budget stands.
    expect(matchesFilter(data({ values: 10 }), huge)).toBe(true);
  });

  it('counts $regex tests by their cost', () => {
    const strings = withData({ texts: Array.from({ length: 2_000 }, () => 'ab'.repeat(2048)) });
    const filter = data({ texts: { $or: [{ $regex: '\\p{L}{200}[^ab]' }] } });
    expect(validateFilter(filter)).toEqual([]);
    expect(explainFilter(filter, strings).reason).toBe(`evaluation stopped after ${MAX_FILTER_STEPS} steps`);
  });

  it('counts the values compared by $eq', () => {
    const rows = Array.from({ length: MAX_FILTER_STEPS / 2 }, (_, i) => [i]);
    const filter = data({ rows: { $eq: [] } });
    expect(matchesFilter(filter, withData({ rows: [] }))).toBe(true);
    // Same length, so the elements are compared; the last differs.
    const other = [...rows.slice(0, -1), [-1]];
    expect(explainFilter(data({ rows: { $eq: other } }), withData({ rows })).reason).toBe(
      `evaluation stopped after ${MAX_FILTER_STEPS} steps`,
    );
  });

  it(`descends at most ${MAX_NESTING} levels into the event`, () => {
    let nested: unknown = 3;
    for (let i = 0; i < MAX_NESTING + 10; i++) nested = [nested];
    expect(explainFilter(data({ deep: 3 }), withData({ deep: nested }))).toEqual({
      matches: false,
      failed_path: 'data.deep',
      reason: `nests deeper than ${MAX_NESTING} levels`,
    });
    let shallow: unknown = 3;
    for (let i = 0; i < MAX_NESTING - 10; i++) shallow = [shallow];
    expect(matchesFilter(data({ deep: 3 }), withData({ deep: shallow }))).toBe(true);
  });
});

describe('explainFilter', () => {
  it.each<[string, JsonObject, string, string]>([
    ['a failed comparison', data({ price: { $gte: 10 } }), 'data.price', '5 is not $gte 10'],
    [
      'an unequal value',
      data({ customer: { tier: 'gold' } }),
      'data.customer.tier',
      '"premium" is not "gold"',
    ],
    ['a missing field', data({ customer: { phone: '1' } }), 'data.customer.phone', 'is missing'],
    ['a present field under $exist false', data({ type: { $exist: false } }), 'data.type', 'exists'],
    [
      'an array with no matching element',
      data({ variants: { price: { $gt: 100 } } }),
      'data.variants',
      'no element matched (first: data.variants.price: 5 is not $gt 100)',
    ],
    ['an array filter element not found', data({ tags: ['gold'] }), 'data.tags', 'no element matches "gold"'],
    ['a failed $or', { $or: [{ topic: 'a' }, { topic: 'b' }] }, '$or', 'none of the 2 branches matched'],
    [
      'a failed $or on a field',
      data({ type: { $or: ['a', 'b'] } }),
      'data.type.$or',
      'none of the 2 branches matched',
    ],
    [
      'a matched $not',
      { $not: { topic: 'order.created' } },
      '$not',
      'matched the negated condition {"topic":"order.created"}',
    ],
    [
      'a logical operator on a scalar',
      data({ count: { $not: { $gt: 5 } } }),
      'data.count',
      '2 is not an object, so $not cannot apply',
    ],
    [
      'the first failing branch of $and',
      { $and: [{ topic: 'order.created' }, { id: 'x' }] },
      'id',
      '"evt_1" is not "x"',
    ],
    ['the first failing field', { topic: 'x', id: 'y' }, 'topic', '"order.created" is not "x"'],
  ])('names %s', (_name, filter, failedPath, reason) => {
    expect(explainFilter(filter, event)).toEqual({ matches: false, failed_path: failedPath, reason });
  });

  it('says nothing more when the filter matches', () => {
    expect(explainFilter(data({ price: { $lt: 10 } }), event)).toEqual({ matches: true });
  });

  it('cuts long values in reasons', () => {
    const { reason } = explainFilter(data({ text: 'y' }), withData({ text: 'x'.repeat(500) }));
    expect(reason).toBe(`"${'x'.repeat(76)}... is not "y"`);
    const list = explainFilter(data({ list: { $gt: 1 } }), withData({ list: Array(100_000).fill(12345) }));
    expect(list.reason).toMatch(/^\[12345,12345,.*\.\.\. is not \$gt 1$/);
    expect(list.reason!.length).toBeLessThan(100);
  });
});

describe('validateFilter', () => {
  it.each<[string, unknown, string[]]>([
    ['null (no filter)', null, []],
    ['a string', 'data.x=1', ['filter: must be an object or null, got string']],
    ['an array', [{ topic: 'x' }], ['filter: must be an object or null, got array']],
    [
      'a non-scalar bound',
      data({ price: { $gte: {} } }),
      ['filter.data.price.$gte: expected a number or string, got object'],
    ],
    [
      'a boolean bound',
      data({ price: { $lt: true } }),
      ['filter.data.price.$lt: expected a number or string, got boolean'],
    ],
    [
      'an unknown operator',
      data({ price: { $between: [1, 2] } }),
      [
        'filter.data.price.$between: unknown operator; supported: $eq $neq $gt $gte $lt $lte $in $nin $startsWith $endsWith $exist $regex $or $and $not',
      ],
    ],
    [
      'an unknown event field',
      { amount: { $gte: 1 } },
      [
        'filter.amount: unknown event field; filters see id, topic, time, metadata, data (the payload is under data)',
      ],
    ],
    [
      'an operator at the root',
      { $eq: 1 },
      ['filter: operators need a field, e.g. {"data":{"amount":{"$eq":…}}}'],
    ],
    [
      'operators beside field names',
      data({ customer: { $exist: true, tier: 'gold' } }),
      [
        'filter.data.customer: cannot combine comparison operators ($exist) with tier in one object: only the operators would be evaluated',
      ],
    ],
    [
      'operators beside $not and $and',
      data({ count: { $gt: 1, $not: { $gt: 5 }, $and: [{ $lt: 9 }] } }),
      [
        'filter.data.count: cannot combine comparison operators ($gt) with $not, $and in one object: only the operators would be evaluated',
      ],
    ],
    [
      'operators beside $or (Outpost evaluates one or the other)',
      data({ x: { $exist: true, $or: [1] } }),
      [],
    ],
    ['$or not an array', { $or: { topic: 'a' } }, ['filter.$or: must be a non-empty array of objects']],
    ['$or empty', { $or: [] }, ['filter.$or: must be a non-empty array of objects']],
    ['$or of scalars at the root', { $or: ['a'] }, ['filter.$or: must be a non-empty array of objects']],
    [
      '$and empty on a field',
      data({ type: { $and: [] } }),
      ['filter.data.type.$and: must be a non-empty array of conditions'],
    ],
    ['$or of values, lists and objects on a field', data({ type: { $or: ['a', ['b'], { $gt: 'c' }] } }), []],
    [
      '$or branches validated with their index',
      { $or: [{ topic: 'a' }, { data: { x: { $gt: [] } } }] },
      ['filter.$or[1].data.x.$gt: expected a number or string, got array'],
    ],
    [
      '$or branches at the root are root objects',
      { $or: [{ amount: 1 }] },
      [
        'filter.$or[0].amount: unknown event field; filters see id, topic, time, metadata, data (the payload is under data)',
      ],
    ],
    [
      '$not of a list at the root',
      { $not: [{ topic: 'a' }] },
      ['filter.$not: expected an object, got array'],
    ],
    ['$not of a list on a field (as Outpost)', data({ tags: { $not: ['spam'] } }), []],
    ['$not of a value on a field', data({ tags: { $not: 'spam' } }), []],
    [
      '$not content validated',
      { $not: { data: { x: { $exist: 'yes' } } } },
      ['filter.$not.data.x.$exist: expected true or false, got string'],
    ],
    [
      '$in of objects',
      data({ x: { $in: [{ a: 1 }] } }),
      ['filter.data.x.$in: expected a list of values (no objects or arrays)'],
    ],
    ['$in of null (an array holding null)', data({ x: { $in: null } }), []],
    [
      '$nin of an object',
      data({ x: { $nin: { a: 1 } } }),
      ['filter.data.x.$nin: expected a list of values or a single value, got object'],
    ],
    [
      '$startsWith a number',
      data({ x: { $startsWith: 1 } }),
      ['filter.data.x.$startsWith: expected a string or a non-empty list of strings, got number'],
    ],
    [
      '$endsWith an empty list',
      data({ x: { $endsWith: [] } }),
      ['filter.data.x.$endsWith: expected a string or a non-empty list of strings, got array'],
    ],
    ['$regex a number', data({ x: { $regex: 1 } }), ['filter.data.x.$regex: expected a string, got number']],
    [
      'an array filter element',
      data({ tags: [{ $gt: null }] }),
      ['filter.data.tags[0].$gt: expected a number or string, got null'],
    ],
    ['$eq takes any literal, even with $ keys', data({ x: { $eq: { $weird: 1 } } }), []],
    [
      'several errors at once',
      data({ a: { $gt: null }, b: { $exist: 1 } }),
      [
        'filter.data.a.$gt: expected a number or string, got null',
        'filter.data.b.$exist: expected true or false, got number',
      ],
    ],
  ])('%s', (_name, filter, errors) => {
    expect(validateFilter(filter)).toEqual(errors);
  });

  it('refuses filters nested too deeply, in objects, lists and $eq literals', () => {
    let deep: JsonObject = { x: 1 };
    for (let i = 0; i < 40; i++) deep = { x: deep };
    expect(validateFilter({ data: deep })).toEqual([
      expect.stringMatching(/^filter\.data(\.x)+: nests deeper than 32 levels$/),
    ]);
    let list: unknown = 1;
    for (let i = 0; i < 10_000; i++) list = [list];
    expect(validateFilter(data({ x: list as unknown[] }))).toEqual([
      expect.stringMatching(/^filter\.data\.x(\[0\])+: nests deeper than 32 levels$/),
    ]);
    expect(validateFilter(data({ x: { $eq: list } }))).toEqual([
      'filter.data.x.$eq: nests deeper than 32 levels',
    ]);
  });

  const regexError = (pattern: string): string[] => validateFilter(data({ x: { $regex: pattern } }));

  it.each<[string, string]>([
    ['(?=a)b', 'not a valid RE2 pattern: invalid or unsupported Perl syntax: `(?=`'],
    ['(?!a)b', 'not a valid RE2 pattern: invalid or unsupported Perl syntax: `(?!`'],
    ['(?<=a)b', 'not a valid RE2 pattern: invalid named capture: `(?<=a)b`'],
    ['(a)\\1', 'not a valid RE2 pattern: invalid escape sequence: `\\1`'],
    ['(?<n>a)\\k<n>', 'not a valid RE2 pattern: invalid escape sequence: `\\k`'],
    ['\\u0041', 'not a valid RE2 pattern: invalid escape sequence: `\\u`'],
    ['a++', 'not a valid RE2 pattern: invalid nested repetition operator: `++`'],
    ['[a-', 'not a valid RE2 pattern: missing closing ]: `[a-`'],
    ['a{2,1}', 'not a valid RE2 pattern: invalid repeat count: `{2,1}`'],
    ['x{300}', 'pattern too complex: compiles to 302 instructions, more than 300'],
    ['a'.repeat(257), 'pattern longer than 256 characters'],
  ])('refuses $regex %s naming the path', (pattern, message) => {
    expect(regexError(pattern)).toEqual([expect.stringContaining(`filter.data.x.$regex: ${message}`)]);
  });

  it.each([
    '^[a-z]+@example\\.com$',
    '^order-.*-eu-.*$',
    '.*a.*b',
    '^\\d{4}-\\d{2}-\\d{2}T',
    '(?:ab)+c',
    '(a+)+$',
    '(foo|bar)',
    '^\\p{L}+$',
    '(?i)^ada',
    '(?P<year>\\d{4})-(?<month>\\d{2})',
    '\\x{1F600}',
    'a'.repeat(256),
  ])('accepts $regex %s', (pattern) => {
    expect(regexError(pattern)).toEqual([]);
  });

  it(`refuses more than ${MAX_REGEXES_PER_FILTER} $regex in one filter`, () => {
    const fields = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, { $regex: `^${i}` }]));
    expect(validateFilter(data(fields(MAX_REGEXES_PER_FILTER)))).toEqual([]);
    expect(validateFilter(data(fields(MAX_REGEXES_PER_FILTER + 1)))).toEqual([
      `filter: has ${MAX_REGEXES_PER_FILTER + 1} $regex operators, more than ${MAX_REGEXES_PER_FILTER}`,
    ]);
  });
});
