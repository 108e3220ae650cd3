import { mergePatch } from '../../../lambdas/core/destinations';

// RFC 7396 appendix A, plus the maps a PATCH body carries.
describe('mergePatch (RFC 7396)', () => {
  test.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    [
      { url: 'https://a.example', custom_headers: '{}' },
      {},
      { url: 'https://a.example', custom_headers: '{}' },
    ],
  ])('%j patched with %j is %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  test('leaves its arguments unchanged', () => {
    const target = { a: { b: 'c' }, d: 'e' };
    const patch = { a: { b: null }, d: null };
    mergePatch(target, patch);
    expect(target).toEqual({ a: { b: 'c' }, d: 'e' });
    expect(patch).toEqual({ a: { b: null }, d: null });
  });
});
