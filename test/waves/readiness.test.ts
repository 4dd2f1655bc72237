import { describe, expect, it } from 'vitest';
import { HISTORY_TOO_SHORT, classifyUser, indexReadiness, rolloutReadiness, waveReadiness } from '../../src/waves/readiness.js';
import type { ReadinessInput } from '../../src/waves/types.js';
import { at, capableRow, methodConfigs, mfaSignIn, noMethodRow, notCapableRow, phoneAppStamped, registeredSecurityInfo, signIn, startedAuthenticator, tenant } from './fixtures.js';

const classify = (id: string, t: ReadinessInput) => classifyUser(id, indexReadiness(t));

describe('classifyUser', () => {
  it('is ready when the report says MFA capable', () => {
    expect(classify('u1', tenant({ rows: [capableRow('u1')] }))).toEqual({ ready: true, proof: 'report' });
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
    expect(classify('u1', t)).toMatchObject({ ready: false, reason: 'unverifiedAuthenticator' });
  });

  it('unverifiedAuthenticator from the MFA service stamp alone', () => {
    const t = tenant({ rows: [notCapableRow('u1', ['microsoftAuthenticatorPush'])], audits: [phoneAppStamped('u1', at(-30))] });
    expect(classify('u1', t)).toMatchObject({ ready: false, reason: 'unverifiedAuthenticator' });
  });

  it('a later "registered" closes the started registration; a report row newer than it still decides (then the policy is to blame)', () => {
    const row = { ...notCapableRow('u1', ['microsoftAuthenticatorPush']), lastUpdatedDateTime: at(-20) };
    const t = tenant({ rows: [row], audits: [registeredSecurityInfo('u1', at(-29)), startedAuthenticator('u1', at(-30))] });
    expect(classify('u1', t)).toEqual({ ready: false, reason: 'registeredNotCapable' });
  });

  it('a later registration of another method does not close an Authenticator registration', () => {
    const row = notCapableRow('u1', ['microsoftAuthenticatorPush', 'email']);
    const t = tenant({ rows: [row], audits: [startedAuthenticator('u1', at(-30)), registeredSecurityInfo('u1', at(-29), 'User registered Email')] });
    expect(classify('u1', t)).toMatchObject({ ready: false, reason: 'unverifiedAuthenticator' });
  });

  it('a report row older than the abandoned registration is not trusted when the Authenticator is its only method', () => {
    const stale = capableRow('u1', at(-100));
    const t = tenant({ rows: [stale], audits: [startedAuthenticator('u1', at(-10))] });
    expect(classify('u1', t)).toMatchObject({ ready: false, reason: 'unverifiedAuthenticator' });
    // another MFA method keeps the user capable whatever happened to the Authenticator
    const withPhone = { ...stale, methodsRegistered: ['microsoftAuthenticatorPush', 'mobilePhone'] };
    expect(classify('u1', tenant({ rows: [withPhone], audits: [startedAuthenticator('u1', at(-10))] }))).toMatchObject({ ready: true });
  });

  // Issue 14.3 (the field story): the report row is NEWER than the abandoned registration and still
  // says capable, but nothing shows the registration was completed: the audit trail wins.
  it('a report row newer than an abandoned registration does not make the user ready', () => {
    const fresh = capableRow('u1', at(-5));
    const t = tenant({ rows: [fresh], audits: [phoneAppStamped('u1', at(-10)), startedAuthenticator('u1', at(-10))] });
    expect(classify('u1', t)).toMatchObject({ ready: false, reason: 'unverifiedAuthenticator', detail: expect.stringContaining('never completed') });
  });

  // Issue 13.10 / 14.3: "User registered security info" is logged by "Azure MFA" as well.
  it('a completion logged by either audit service closes the registration and makes the user ready', () => {
    for (const service of ['Authentication Methods', 'Azure MFA'] as const) {
      const t = tenant({
        rows: [capableRow('u1', at(-5))],
        audits: [phoneAppStamped('u1', at(-10)), startedAuthenticator('u1', at(-10)), registeredSecurityInfo('u1', at(-9.99), undefined, service)],
      });
      expect(classify('u1', t), service).toMatchObject({ ready: true, proof: 'registrationCompleted' });
    }
    // a completion the report has not caught up with yet (row older, not capable) counts too
    const lagging = tenant({ rows: [noMethodRow('u2')], audits: [registeredSecurityInfo('u2', at(-3), undefined, 'Azure MFA')] });
    expect(classify('u2', lagging)).toMatchObject({ ready: true, proof: 'registrationCompleted' });
  });

  // Issue 16 (a mutation that survived): audit times have whole seconds, so a registration completed
  // within the second it was started shows both at the same time; that is a completed registration.
  it('a completion logged in the same second as the start closes the registration', () => {
    for (const audits of [
      [registeredSecurityInfo('u1', at(-10)), startedAuthenticator('u1', at(-10))],
      [startedAuthenticator('u1', at(-10)), registeredSecurityInfo('u1', at(-10))],
    ]) {
      expect(classify('u1', tenant({ rows: [capableRow('u1', at(-5))], audits }))).toMatchObject({ ready: true, proof: 'registrationCompleted' });
    }
  });

  // DESIGN.md "Readiness evidence, strongest first": a successful MFA sign-in beats everything.
  it('a successful MFA sign-in proves capability, shown as its own proof', () => {
    const t = tenant({ rows: [noMethodRow('u1')], audits: [startedAuthenticator('u1', at(-10))], signIns: [mfaSignIn('u1', at(-2))] });
    expect(classify('u1', t)).toMatchObject({ ready: true, proof: 'mfaSignIn', detail: expect.stringContaining('successful MFA sign-in') });
    // report-only success of an MFA grant (an MFA claim was present) proves it as well
    expect(classify('u2', tenant({ signIns: [mfaSignIn('u2', at(-2), 'reportOnlySuccess')] }))).toMatchObject({ ready: true, proof: 'mfaSignIn' });
    // a success without a satisfied MFA grant, or an interrupted one, proves nothing
    expect(classify('u3', tenant({ rows: [noMethodRow('u3')], signIns: [signIn('u3', 0, at(-2)), mfaSignIn('u3', at(-1), 'reportOnlyInterrupted')] }))).toMatchObject({ ready: false, reason: 'noMethod' });
  });

  // Issue 13.10: a state older than the audit history read cannot be explained from it.
  it('history shorter than needed: unknown "audit history too short", never blamed on the policy', () => {
    const row = { ...notCapableRow('u1', ['microsoftAuthenticatorPush']), lastUpdatedDateTime: at(-24 * 20) };
    const t = tenant({ rows: [row], auditsFrom: at(-24 * 7), methodConfigurations: methodConfigs() });
    const r = classify('u1', t);
    expect(r).toMatchObject({ ready: false, reason: 'unknown', detail: expect.stringContaining(HISTORY_TOO_SHORT) });
    expect(JSON.stringify(r)).not.toMatch(/policy does not allow/);
    // the same without the live policy: still unknown, not registeredNotCapable
    expect(classify('u1', tenant({ rows: [row], auditsFrom: at(-24 * 7) }))).toMatchObject({ reason: 'unknown', detail: expect.stringContaining(HISTORY_TOO_SHORT) });
    // within the history, and the policy allows the method: unknown (unexplained), not a policy reason
    const recent = { ...row, lastUpdatedDateTime: at(-24) };
    expect(classify('u1', tenant({ rows: [recent], auditsFrom: at(-24 * 7), methodConfigurations: methodConfigs() }))).toMatchObject({ reason: 'unknown' });
  });

  it('registeredNotCapable names the method and the policy setting that disables it (live methods policy)', () => {
    const office = notCapableRow('u1', ['officePhone']);
    expect(classify('u1', tenant({ rows: [office], methodConfigurations: methodConfigs() }))).toMatchObject({
      ready: false,
      reason: 'registeredNotCapable',
      detail: expect.stringContaining('officePhone: Voice.state is disabled'),
    });
    const app = notCapableRow('u2', ['microsoftAuthenticatorPush']);
    const disabledApp = methodConfigs({ microsoftauthenticator: { id: 'MicrosoftAuthenticator', state: 'disabled', includeTargets: [{ id: 'all_users' }] } });
    // the policy explains it even when the history is too short
    expect(classify('u2', tenant({ rows: [app], methodConfigurations: disabledApp, auditsFrom: at(0) }))).toMatchObject({
      reason: 'registeredNotCapable',
      detail: expect.stringContaining('microsoftAuthenticatorPush: MicrosoftAuthenticator.state is disabled'),
    });
    const targeted = methodConfigs({ microsoftauthenticator: { id: 'MicrosoftAuthenticator', state: 'enabled', includeTargets: [{ id: 'grp-pilot' }] } });
    expect(classify('u2', tenant({ rows: [app], methodConfigurations: targeted }))).toMatchObject({ reason: 'registeredNotCapable', detail: expect.stringContaining('MicrosoftAuthenticator.includeTargets (grp-pilot)') });
  });

  it('disabled wins even over a capable row', () => {
    expect(classify('u1', tenant({ rows: [capableRow('u1')], disabledUserIds: new Set(['u1']) }))).toEqual({ ready: false, reason: 'disabled' });
  });

  it('unknown: missing from the report is never assumed capable', () => {
    expect(classify('ghost', tenant({ rows: [capableRow('u1')] }))).toMatchObject({ ready: false, reason: 'unknown' });
  });

  it('tolerates unknown methodsRegistered values', () => {
    const row = { ...notCapableRow('u1'), methodsRegistered: ['someFutureMethod'] };
    expect(classify('u1', tenant({ rows: [row] }))).toEqual({ ready: false, reason: 'registeredNotCapable' });
    expect(classify('u1', tenant({ rows: [row], methodConfigurations: methodConfigs() }))).toMatchObject({ ready: false, reason: 'unknown' });
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
    // the disabled member is listed apart, not counted (issue 14.4)
    expect(r.members).toBe(6);
    expect(r.disabledUserIds).toEqual(['f']);
    expect(r.groupMembers).toBe(8);
    expect(r.mfaCapable).toBe(3);
    expect(r.percent).toBe(50); // 3 of 6
    expect(r.notReady).toEqual({ count: 3, byReason: { noMethod: 1, unverifiedAuthenticator: 1, unknown: 1 } });
    expect(r.notReadyUsers.get('g')).toBe('unknown');
  });

  // Issue 14.4 acceptance: a wave of 10 with 2 disabled and 8 capable is at 100 %.
  it('leaves disabled accounts out of the denominator: 10 members, 2 disabled, 8 capable = 100 %', () => {
    const members = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const t = tenant({ rows: members.slice(0, 8).map((id) => capableRow(id)), disabledUserIds: new Set(['m8', 'm9']) });
    const r = waveReadiness({ name: 'w', memberIds: members }, indexReadiness(t));
    expect(r).toMatchObject({ members: 8, mfaCapable: 8, percent: 100, disabledUserIds: ['m8', 'm9'], notReady: { count: 0, byReason: {} } });
  });

  it('counts ready users by their proof', () => {
    const t = tenant({ rows: [capableRow('a'), capableRow('b'), noMethodRow('c')], signIns: [mfaSignIn('a', at(-1))] });
    expect(waveReadiness({ name: 'w', memberIds: ['a', 'b', 'c'] }, indexReadiness(t)).readyBy).toEqual({ mfaSignIn: 1, report: 1 });
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
