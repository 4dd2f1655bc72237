// users show through the built CLI on the seeds tenant: the readiness verdict of every named user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserReport } from '../../src/ops/showUser.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await startTestTenant({ scenario: 'seeds' });
});
afterAll(async () => {
  await tenant?.close();
});

const upn = (local: string) => `${local}@contoso.onmicrosoft.com`;

async function show(user: string): Promise<UserReport> {
  const r = await runCli(['users', 'show', user, '--format', 'json'], { env: tenant.env });
  expect(r.stderr).not.toMatch(STACK_TRACE);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as UserReport;
}

async function groupId(name: string): Promise<string> {
  const r = await tenant.graph('GET', `/groups?$filter=${encodeURIComponent(`displayName eq '${name}'`)}&$select=id`);
  const hits = (r.body as { value: Array<{ id: string }> }).value;
  expect(hits).toHaveLength(1);
  return hits[0]!.id;
}

const reasonOf = (r: UserReport) => (r.verdict.ready ? 'ready' : r.verdict.reason);

describe('users show', () => {
  it('gives every seeds user the right verdict and reason', async () => {
    const names = ['adele.vance', 'alex.wilber', 'megan.bowen', 'lynne.robbins', 'diego.siciliani', 'pradeep.gupta', 'isaiah.langer', 'grady.archie'];
    const reports = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await show(upn(n))] as const)));
    expect(Object.fromEntries(Object.entries(reports).map(([n, r]) => [n, reasonOf(r)]))).toEqual({
      'adele.vance': 'unverifiedAuthenticator',
      'alex.wilber': 'ready',
      'megan.bowen': 'ready',
      'lynne.robbins': 'noMethod',
      'diego.siciliani': 'disabled',
      'pradeep.gupta': 'ready',
      'isaiah.langer': 'ready',
      'grady.archie': 'ready',
    });

    // Adele's methods list an Authenticator, yet the audit log shows it was never verified.
    const adele = reports['adele.vance']!;
    const adeleAuth = adele.methods.filter((m) => m.type === 'microsoftAuthenticator');
    expect(adeleAuth).toHaveLength(1);
    expect(adeleAuth[0]!.usable).toBe(false);
    expect(adele.registration).toMatchObject({ isMfaRegistered: true, isMfaCapable: false });
    expect(adele.audit.abandonedAuthenticatorAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(adele.rollouts[0]).toMatchObject({ rollout: 'mfa-enforcement', wave: 'early', policyApplies: 'no' });
    // The meaning comes from the one code table the health gate reads (Microsoft Learn's AADSTS50074).
    expect(adele.signIns.recent[0]).toMatchObject({ errorCode: 50074, mfaRelated: true, meaning: 'MFA challenge: strong authentication required (normally followed by a successful MFA sign-in)' });
    expect(adele.signIns.recent[0]!.rolloutPolicies).toEqual([{ displayName: 'CA010 - Require MFA for rollout waves', result: 'reportOnlyInterrupted' }]);

    // Alex completed the same registration: the Authenticator is usable.
    const alex = reports['alex.wilber']!;
    expect(alex.methods.find((m) => m.type === 'microsoftAuthenticator')!.usable).toBe(true);
    expect(alex.audit.abandonedAuthenticatorAt).toBeUndefined();
    expect(alex.rollouts[0]!.wave).toBe('pilot');

    expect(reports['megan.bowen']!.methods.map((m) => m.type).sort()).toEqual(['password', 'phone']);
    expect(reports['megan.bowen']!.methods.find((m) => m.type === 'phone')).toMatchObject({ usable: true, mfaMethod: true, details: { phoneType: 'mobile' } });
    expect(reports['lynne.robbins']!.methods.map((m) => m.type)).toEqual(['password']);
    expect(reports['diego.siciliani']!.registration).toBeNull();
    expect(reports['diego.siciliani']!.user.accountEnabled).toBe(false);
    expect(reports['pradeep.gupta']!.perUserMfa.state).toBe('enforced');
    expect(reports['alex.wilber']!.perUserMfa.state).toBe('disabled');
    expect(reports['isaiah.langer']!.registration?.isAdmin).toBe(true);
    expect(reports['isaiah.langer']!.methods.find((m) => m.type === 'fido2')?.usable).toBe(true);
    // Grady is only in a group nested inside the early adopters wave.
    expect(reports['grady.archie']!.rollouts[0]!.waves.filter((w) => w.member).map((w) => w.wave)).toEqual(['early', 'everyone']);
    for (const r of Object.values(reports)) expect(r.unavailable, JSON.stringify(r.unavailable)).toEqual({});
  });

  it('text: the verdict, the unusable Authenticator and the explained sign-in failure; a TAP by its lifetime, never its code', async () => {
    const lynneId = ((await tenant.graph('GET', `/users/${upn('lynne.robbins')}?$select=id`)).body as { id: string }).id;
    const created = await tenant.graph('POST', `/users/${lynneId}/authentication/temporaryAccessPassMethods`, { lifetimeInMinutes: 120 });
    expect(created.status).toBe(201);
    const pass = (created.body as { temporaryAccessPass: string }).temporaryAccessPass;
    expect(pass.length).toBeGreaterThanOrEqual(8);

    const adele = await runCli(['users', 'show', upn('adele.vance')], { env: tenant.env });
    expect(adele.code).toBe(0);
    const lines = adele.stdout.split('\n');
    expect(lines[0]).toMatch(/^User {10}Adele Vance <adele\.vance@contoso\.onmicrosoft\.com> {2}id [0-9a-f-]{36}$/);
    expect(lines[1]).toBe('Account       enabled, Member');
    expect(lines[2]).toMatch(/^Verdict {7}NOT READY \(unverifiedAuthenticator\): an Authenticator registration was started at \S+ and never completed/);
    expect(lines[3]).toBe('Per-user MFA  disabled: not used (Conditional Access decides)');
    expect(adele.stdout).toMatch(/^ {2}microsoftAuthenticator +NOT USABLE +displayName=\S+/m);
    expect(adele.stdout).toMatch(/^ {4}waves: early \(MFA Wave 1 - Early adopters, not widened\), everyone \(All Staff, not widened\); counted in early$/m);
    expect(adele.stdout).toMatch(/^ {2}mfa-enforcement: CA policy "CA010 - Require MFA for rollout waves" \(report-only\)$/m);
    expect(adele.stdout).toMatch(/^ {2}\S+Z {2}50074 +MFA challenge: strong authentication required \(normally followed by a successful MFA sign-in\) {2}\(.+\) {2}\[CA010 - Require MFA for rollout waves: reportOnlyInterrupted\]$/m);

    const lynneText = await runCli(['users', 'show', lynneId], { env: tenant.env });
    const lynneJson = await runCli(['users', 'show', upn('lynne.robbins'), '--format', 'json'], { env: tenant.env });
    for (const r of [lynneText, lynneJson]) {
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(pass);
    }
    expect(lynneText.stdout).toMatch(/^ {2}temporaryAccessPass \(not MFA\) +usable +startDateTime=\S+ lifetimeInMinutes=120 isUsableOnce=false/m);
    const tap = (JSON.parse(lynneJson.stdout) as UserReport).methods.find((m) => m.type === 'temporaryAccessPass')!;
    expect(tap).toMatchObject({ usable: true, mfaMethod: false, details: { lifetimeInMinutes: 120 } });
    expect(Object.keys(tap.details)).not.toContain('temporaryAccessPass');
    // A pass is a bootstrap, not an MFA method: Lynne is still not ready.
    expect(reasonOf(JSON.parse(lynneJson.stdout) as UserReport)).toBe('noMethod');
  });

  it('an unknown user is one error line and exit 1', async () => {
    const r = await runCli(['users', 'show', upn('nobody.here')], { env: tenant.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: no user "nobody.here@contoso.onmicrosoft.com" in the tenant (give a UPN or an object id)\n');
  });

  it('says the rollout policy applies once the user\'s wave is nested into the target group and the policy enabled', async () => {
    const enforced = await groupId('CA010 - MFA enforced');
    const pilot = await groupId('MFA Wave 0 - IT');
    expect((await tenant.graph('POST', `/groups/${enforced}/members/$ref`, { '@odata.id': `${tenant.emulator.graphBaseUrl}/directoryObjects/${pilot}` })).status).toBe(204);
    const before = await show(upn('alex.wilber'));
    expect(before.rollouts[0]!.waves.find((w) => w.wave === 'pilot')).toMatchObject({ member: true, widened: true });
    expect(before.rollouts[0]!.policyApplies).toBe('reportOnly');
    const policyId = before.rollouts[0]!.policy.id!;
    expect((await tenant.graph('PATCH', `/identity/conditionalAccess/policies/${policyId}`, { state: 'enabled' })).status).toBe(204);
    const [alex, megan] = await Promise.all([show(upn('alex.wilber')), show(upn('megan.bowen'))]);
    expect(alex.rollouts[0]).toMatchObject({ policyApplies: 'enforced', policy: { state: 'enabled' } });
    expect(alex.rollouts[0]!.reason).toMatch(/via the target group CA010 - MFA enforced/);
    expect(megan.rollouts[0]!.policyApplies).toBe('no');
  });
});
