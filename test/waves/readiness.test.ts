import { describe, expect, it } from 'vitest';
import { classifyUser, indexReadiness, rolloutReadiness, waveReadiness } from '../../src/waves/readiness.js';
import type { ReadinessInput } from '../../src/waves/types.js';
import { at, capableRow, noMethodRow, notCapableRow, phoneAppStamped, registeredSecurityInfo, startedAuthenticator, tenant } from './fixtures.js';

const classify = (id: string, t: ReadinessInput) => classifyUser(id, indexReadiness(t));

describe('classifyUser', () => {
  it('is ready when the report says MFA capable', () => {
    expect(classify('u1', tenant({ rows: [capableRow('u1')] }))).toEqual({ ready: true });
  });

  it('noMethod: row without an MFA method', () => {
    expect(classify('u1', tenant({ rows: [noMethodRow('u1')] }))).toEqual({ ready: false, reason: 'noMethod' });
    // email alone is listed but is not an MFA method: isMfaRegistered stays false
    const emailOnly = { ...noMethodRow('u2'), methodsRegistered: ['email'] };
    expect(classify('u2', tenant({ rows: [emailOnly] }))).toEqual({ ready: false, reason: 'noMethod' });
  });

  it('registeredNotCapable: registered, methods policy does not allow it, no abandoned registration', () => {
    expect(classify('u1', tenant({ rows: [notCapableRow('u1')] }))).toEqual({ ready: false, reason: 'registeredNotCapable' });
  });

  it('unverifiedAuthenticator: Authenticator listed, registration started and never finished', () => {
    const row = notCapableRow('u1', ['microsoftAuthenticatorPush']);
    const t = tenant({ rows: [row], audits: [phoneAppStamped('u1', at(-30)), startedAuthenticator('u1', at(-30))] });
    expect(classify('u1', t)).toEqual({ ready: false, reason: 'unverifiedAuthenticator' });
  });

  it('unverifiedAuthenticator from the MFA service stamp alone', () => {
    const t = tenant({ rows: [notCapableRow('u1', ['microsoftAuthenticatorPush'])], audits: [phoneAppStamped('u1', at(-30))] });
    expect(classify('u1', t)).toEqual({ ready: false, reason: 'unverifiedAuthenticator' });
  });

  it('a later "registered" closes the started registration (then the policy is to blame)', () => {
    const row = notCapableRow('u1', ['microsoftAuthenticatorPush']);
    const t = tenant({ rows: [row], audits: [registeredSecurityInfo('u1', at(-29)), startedAuthenticator('u1', at(-30))] });
    expect(classify('u1', t)).toEqual({ ready: false, reason: 'registeredNotCapable' });
  });

  it('a later registration of another method does not close an Authenticator registration', () => {
    const row = notCapableRow('u1', ['microsoftAuthenticatorPush', 'email']);
    const t = tenant({ rows: [row], audits: [startedAuthenticator('u1', at(-30)), registeredSecurityInfo('u1', at(-29), 'User registered Email')] });
    expect(classify('u1', t)).toEqual({ ready: false, reason: 'unverifiedAuthenticator' });
  });

  it('a report row older than the abandoned registration is not trusted when the Authenticator is its only method', () => {
    const stale = capableRow('u1', at(-100));
    const t = tenant({ rows: [stale], audits: [startedAuthenticator('u1', at(-10))] });
    expect(classify('u1', t)).toEqual({ ready: false, reason: 'unverifiedAuthenticator' });
    // the row saw the abandoned attempt and still says capable: trust it
    const fresh = capableRow('u1', at(-5));
    expect(classify('u1', tenant({ rows: [fresh], audits: [startedAuthenticator('u1', at(-10))] }))).toEqual({ ready: true });
    // another MFA method keeps the user capable whatever happened to the Authenticator
    const withPhone = { ...stale, methodsRegistered: ['microsoftAuthenticatorPush', 'mobilePhone'] };
    expect(classify('u1', tenant({ rows: [withPhone], audits: [startedAuthenticator('u1', at(-10))] }))).toEqual({ ready: true });
  });

  it('disabled wins even over a capable row', () => {
    expect(classify('u1', tenant({ rows: [capableRow('u1')], disabledUserIds: new Set(['u1']) }))).toEqual({ ready: false, reason: 'disabled' });
  });

  it('unknown: missing from the report is never assumed capable', () => {
    expect(classify('ghost', tenant({ rows: [capableRow('u1')] }))).toEqual({ ready: false, reason: 'unknown' });
  });

  it('tolerates unknown methodsRegistered values', () => {
    const row = { ...notCapableRow('u1'), methodsRegistered: ['someFutureMethod'] };
    expect(classify('u1', tenant({ rows: [row] }))).toEqual({ ready: false, reason: 'registeredNotCapable' });
  });
});

describe('waveReadiness', () => {
  it('counts capable users, percent and not-ready reasons', () => {
    const t = tenant({
      rows: [capableRow('a'), capableRow('b'), capableRow('c'), noMethodRow('d'), notCapableRow('e', ['microsoftAuthenticatorPush'])],
      audits: [startedAuthenticator('e', at(-3))],
      disabledUserIds: new Set(['f']),
    });
    const r = waveReadiness({ name: 'w', memberIds: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'a'] }, indexReadiness(t));
    expect(r.members).toBe(7);
    expect(r.groupMembers).toBe(8);
    expect(r.mfaCapable).toBe(3);
    expect(r.percent).toBe(42.8); // 3 of 7 = 42.857…, rounded down
    expect(r.notReady).toEqual({ count: 4, byReason: { noMethod: 1, unverifiedAuthenticator: 1, disabled: 1, unknown: 1 } });
    expect(r.notReadyUsers.get('g')).toBe('unknown');
  });

  it('counts a user only in the first wave that contains them', () => {
    const t = tenant({ rows: [capableRow('it1'), capableRow('it2'), noMethodRow('s1')] });
    const [pilot, early] = rolloutReadiness(
      [
        { name: 'pilot', memberIds: ['it1', 'it2'] },
        { name: 'early', memberIds: ['it2', 'it1', 's1'] },
      ],
      indexReadiness(t),
    );
    expect(pilot!.members).toBe(2);
    expect(early!.members).toBe(1);
    expect(early!.userIds).toEqual(['s1']);
    expect(early!.mfaCapable).toBe(0);
    expect(early!.percent).toBe(0);
  });

  it('rounds the percent down, so 1,899 of 2,000 is 94.9 and not a 95 that would pass a 95 % gate', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `u${i}`);
    const t = tenant({ rows: ids.map((id, i) => (i < 1899 ? capableRow(id) : noMethodRow(id))) });
    expect(waveReadiness({ name: 'w', memberIds: ids }, indexReadiness(t)).percent).toBe(94.9);
  });

  it('an empty wave has a null percent', () => {
    expect(waveReadiness({ name: 'w', memberIds: [] }, indexReadiness(tenant())).percent).toBeNull();
  });
});
