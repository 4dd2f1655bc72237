// Issue 13.3: one sign-in error-code table, documented meanings (Microsoft Learn, "Microsoft Entra
// authentication and authorization error codes"), read by the health gate and by `users show`.
import { describe, expect, it } from 'vitest';
import { MFA_ERROR_CODES, SIGN_IN_CODES, explainSignInCode, failingUsers, mfaProofOf } from '../../src/waves/signInCodes.js';

describe('sign-in error codes', () => {
  it('classifies the rollout codes as documented: challenges, registration interrupts, failures', () => {
    expect(SIGN_IN_CODES[50074]).toMatchObject({ name: 'UserStrongAuthClientAuthNRequiredInterrupt', kind: 'challenge' });
    expect(SIGN_IN_CODES[50076]).toMatchObject({ name: 'UserStrongAuthClientAuthNRequired', kind: 'challenge' });
    expect(SIGN_IN_CODES[50072]).toMatchObject({ name: 'UserStrongAuthEnrollmentRequiredInterrupt', kind: 'registration' });
    expect(SIGN_IN_CODES[50079]).toMatchObject({ name: 'UserStrongAuthEnrollmentRequired', kind: 'registration' });
    expect(SIGN_IN_CODES[500121]).toMatchObject({ name: 'AuthenticationFailedDuringStrongAuthRequest', kind: 'failure' });
    expect(SIGN_IN_CODES[53003]).toMatchObject({ name: 'BlockedByConditionalAccess', kind: 'failure' });
    expect(SIGN_IN_CODES[53004]).toMatchObject({ name: 'ProofUpBlockedDueToRisk', kind: 'failure' });
    expect([...MFA_ERROR_CODES].sort()).toEqual([50072, 50074, 50076, 50079, 500121, 50158, 53003, 53004].sort());
    expect(MFA_ERROR_CODES.has(50126)).toBe(false);
  });

  it('explains any code, unknown ones by their AADSTS number', () => {
    expect(explainSignInCode(0)).toMatchObject({ meaning: 'success', mfa: false });
    expect(explainSignInCode(500121)).toMatchObject({ mfa: true, kind: 'failure' });
    expect(explainSignInCode(50126)).toMatchObject({ meaning: 'wrong username or password', mfa: false });
    expect(explainSignInCode(99999).meaning).toMatch(/AADSTS99999/);
  });

  it('a failing user is one whose last interrupt or failure no success followed', () => {
    const s = (userId: string, errorCode: number, t: number) => ({ userId, createdDateTime: new Date(t * 1000).toISOString(), status: { errorCode } });
    const events = [s('a', 50074, 10), s('a', 0, 11), s('b', 0, 10), s('b', 500121, 11), s('c', 50126, 10), s('d', 53003, 5)];
    const failing = failingUsers(events, () => true, () => 0, 100_000, (x) => Date.parse(x));
    expect(failing.map((f) => [f.userId, f.lastCode]).sort()).toEqual([
      ['b', 500121],
      ['d', 53003],
    ]);
    // outside the user's window: not counted
    expect(failingUsers(events, () => true, (u) => (u === 'd' ? 6000 : 0), 100_000, (x) => Date.parse(x)).map((f) => f.userId)).toEqual(['b']);
  });

  it('an MFA proof needs a success whose applied policy enforced and satisfied MFA', () => {
    const base = { userId: 'u', createdDateTime: '2026-01-01T00:00:00Z' };
    expect(mfaProofOf({ ...base, status: { errorCode: 0 }, appliedConditionalAccessPolicies: [{ id: 'p', displayName: 'CA010', result: 'success', enforcedGrantControls: ['Mfa'] }] })).toEqual({ policy: 'CA010' });
    expect(mfaProofOf({ ...base, status: { errorCode: 0 }, appliedConditionalAccessPolicies: [{ id: 'p', result: 'success', enforcedGrantControls: ['compliantDevice'] }] })).toBeUndefined();
    expect(mfaProofOf({ ...base, status: { errorCode: 50074 }, appliedConditionalAccessPolicies: [{ id: 'p', result: 'success', enforcedGrantControls: ['Mfa'] }] })).toBeUndefined();
    expect(mfaProofOf({ ...base, status: { errorCode: 0 }, authenticationRequirement: 'multiFactorAuthentication', mfaDetail: { authMethod: 'Mobile app notification' } })).toEqual({ method: 'Mobile app notification' });
  });
});
