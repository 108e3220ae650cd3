import { attemptIdFor, tenantOfAttemptId } from '../../lambdas/core/ids';

describe('attemptIdFor', () => {
  it('is deterministic per (tenant, event, destination, attempt number) and differs in each', () => {
    const id = attemptIdFor('acme', 'evt_1', 'des_1', 1);
    expect(attemptIdFor('acme', 'evt_1', 'des_1', 1)).toBe(id);
    const others = [
      attemptIdFor('acme2', 'evt_1', 'des_1', 1),
      attemptIdFor('acme', 'evt_2', 'des_1', 1),
      attemptIdFor('acme', 'evt_1', 'des_2', 1),
      attemptIdFor('acme', 'evt_1', 'des_1', 2),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });

  it.each(['acme', 't', 'tenant_with_underscores_', 'a.b:c@d+e=f-g', `T${'x'.repeat(127)}`])(
    'names its tenant %s, in URL path characters, and is read back by tenantOfAttemptId',
    (tenantId) => {
      const id = attemptIdFor(tenantId, 'evt_1', 'des_1', 3);
      expect(id).toMatch(/^atm_[A-Za-z0-9._:@+=-]+_[A-Za-z0-9_-]{22}$/);
      expect(id.length).toBe(tenantId.length + 27);
      expect(tenantOfAttemptId(id)).toBe(tenantId);
    },
  );
});

describe('tenantOfAttemptId', () => {
  it.each([
    ['an id from before tenants were spelt out', 'atm_3kXq9ZpLmN0aBcDeFgHiJkLm'],
    ['no prefix', 'acme_3kXq9ZpLmN0aBcDeFgHiJk'],
    ['no tenant', 'atm__3kXq9ZpLmN0aBcDeFgHiJk'],
    ['a digest too short', 'atm_acme_3kXq9Zp'],
    ['a digest with other characters', 'atm_acme_3kXq9ZpLmN0aBcDeFg+iJk'],
    ['a tenant with a slash', 'atm_ac/me_3kXq9ZpLmN0aBcDeFgHiJk'],
    ['a tenant with a #', 'atm_ac#me_3kXq9ZpLmN0aBcDeFgHiJk'],
    ['a tenant too long', `atm_${'x'.repeat(129)}_3kXq9ZpLmN0aBcDeFgHiJk`],
    ['empty', ''],
  ])('names no tenant for %s', (_case, id) => {
    expect(tenantOfAttemptId(id)).toBeUndefined();
  });
});
