// Issue 14.9 through the built CLI on the emulator's `seeds` tenant: `users show` takes a display name
// (ambiguous: an error listing the candidates), exits 1 when a read failed, lists every CA policy
// that applies and why, successful sign-ins beside failed ones, and the security-info timeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDS_USERS } from '../../src/emulator/index.js';
import type { UserReport } from '../../src/ops/showUser.js';
import { leastPrivilegedSet, selectCommands } from '../../src/permissions.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await startTestTenant({ scenario: 'seeds' });
});
afterAll(async () => {
  await tenant?.close();
});

async function showJson(user: string, env = tenant.env): Promise<{ code: number; stderr: string; report: UserReport }> {
  const r = await runCli(['users', 'show', user, '--format', 'json'], { env });
  expect(r.stderr).not.toMatch(STACK_TRACE);
  return { code: r.code, stderr: r.stderr, report: JSON.parse(r.stdout) as UserReport };
}

describe('users show (operator points, issue 14.9)', { timeout: 120_000 }, () => {
  it('resolves an exact display name; an ambiguous one is an error listing the candidates', async () => {
    const byName = await showJson('Adele Vance');
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.report.user.userPrincipalName).toBe(SEEDS_USERS.unverifiedAuthenticator);

    const lynne = ((await tenant.graph('GET', `/users/${SEEDS_USERS.nothing}?$select=id`)).body as { id: string }).id;
    expect((await tenant.graph('PATCH', `/users/${lynne}`, { displayName: 'Megan Bowen' })).status).toBe(204);
    const ambiguous = await runCli(['users', 'show', 'Megan Bowen'], { env: tenant.env });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stdout).toBe('');
    expect(ambiguous.stderr).toMatch(/^error: "Megan Bowen" is the display name of 2 users: .*; give the UPN or the object id\n$/);
    expect(ambiguous.stderr).toContain(SEEDS_USERS.phoneOnly);
    expect(ambiguous.stderr).toContain(SEEDS_USERS.nothing);
    const none = await runCli(['users', 'show', 'Nobody Here'], { env: tenant.env });
    expect(none.stderr).toBe('error: no user named "Nobody Here" in the tenant (give a UPN, an object id or an exact display name)\n');
  });

  it('lists every CA policy that applies with why, successful sign-ins, and the security-info timeline', async () => {
    const { code, report } = await showJson(SEEDS_USERS.admin);
    expect(code).toBe(0);
    const policies = Object.fromEntries((report.caPolicies ?? []).map((p) => [p.displayName, p]));
    // Isaiah is an admin: his directory roles are read (transitiveMemberOf cast to directoryRole) and
    // the administrators' policy applies through the one he holds, named; the VPN exception includes all users.
    expect(policies['CA001 - Require MFA for administrators']).toMatchObject({
      applies: 'yes',
      why: 'includes the directory role Global Administrator (62e90394-69f5-4237-9190-012177145e10), which the user holds',
    });
    expect(report.directoryRoles).toEqual([{ displayName: 'Global Administrator', roleTemplateId: '62e90394-69f5-4237-9190-012177145e10' }]);
    expect(policies['CA099 - Legacy VPN exception']).toMatchObject({ applies: 'yes', why: 'includes all users' });
    expect(policies['CA010 - Require MFA for rollout waves']).toBeUndefined(); // the pilot is not nested yet
    // Isaiah's seeded sign-ins include successes: they are listed beside the 500121 failure.
    expect(report.signIns.recent.some((s) => s.errorCode === 0)).toBe(true);
    expect(report.signIns.recent.some((s) => s.errorCode === 500121 && s.conditionalAccess?.[0]?.result === 'reportOnlyFailure')).toBe(true);

    const adele = (await showJson(SEEDS_USERS.unverifiedAuthenticator)).report;
    expect(adele.audit.timeline.length).toBeGreaterThan(0);
    expect(adele.audit.timeline.map((e) => e.activity)).toContain('User started security info registration');
    expect(adele.audit.timeline.map((e) => e.activity)).not.toContain('User registered security info');
    const text = await runCli(['users', 'show', SEEDS_USERS.unverifiedAuthenticator], { env: tenant.env });
    expect(text.stdout).toMatch(/^Security info timeline since \S+\n {2}\S+Z {2}Update user \(Core Directory, success\): Authenticator device details \(StrongAuthenticationPhoneAppDetail\) changed\n {2}\S+Z {2}User started security info registration \(Authentication Methods, success\)/m);
    expect(text.stdout).toMatch(/^Conditional Access policies that apply\n {2}CA099 - Legacy VPN exception \(.+\): includes all users$/m);
  });

  it('a user without roles: no role policy is listed; the text names the roles an admin holds', async () => {
    const { code, report } = await showJson(SEEDS_USERS.unverifiedAuthenticator);
    expect(code).toBe(0);
    expect(report.directoryRoles).toEqual([]);
    expect((report.caPolicies ?? []).map((p) => p.displayName)).not.toContain('CA001 - Require MFA for administrators');
    const text = await runCli(['users', 'show', SEEDS_USERS.admin], { env: tenant.env });
    expect(text.stdout).toMatch(/^ {2}directory roles: Global Administrator$/m);
  });

  it('roles withheld (no role-read permission: limited information) is a failed read: maybe, and exit 1', async () => {
    // Directory.Read.All (which the directory audit log needs) also reads roles: it is replaced by the
    // narrower user and group reads, so only the role details (and the audit log) are withheld.
    const roles = [...leastPrivilegedSet(selectCommands('users show')).filter((r) => r !== 'RoleManagement.Read.Directory' && r !== 'Directory.Read.All'), 'User.Read.All', 'GroupMember.Read.All'];
    const auth = (await tenant.control('POST', '/auth', { roles })) as { accessToken: string };
    try {
      const r = await runCli(['users', 'show', SEEDS_USERS.admin, '--format', 'json'], { env: { ...tenant.env, ENTRA_ROLLOUT_TOKEN: auth.accessToken } });
      expect(r.stderr).not.toMatch(STACK_TRACE);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout, r.stderr).not.toBe('');
      const report = JSON.parse(r.stdout) as UserReport;
      expect(Object.keys(report.unavailable)).toContain('roles');
      expect(report.directoryRoles).toBeNull();
      expect(report.caPolicies?.find((p) => p.displayName === 'CA001 - Require MFA for administrators')).toMatchObject({ applies: 'maybe' });
      expect(r.stderr).toMatch(/^error: the report is incomplete: \d+ read\(s\) failed \(.*roles: Graph returned the directory roles with limited information .*RoleManagement\.Read\.Directory/m);
    } finally {
      await tenant.control('POST', '/auth', { roles: null });
    }
  });

  it('exits 1 when a read failed (403), with the report still printed', async () => {
    const roles = leastPrivilegedSet(selectCommands('users show')).filter((r) => r !== 'AuditLog.Read.All');
    const auth = (await tenant.control('POST', '/auth', { roles })) as { accessToken: string };
    try {
      const r = await runCli(['users', 'show', SEEDS_USERS.completedAuthenticator, '--format', 'json'], { env: { ...tenant.env, ENTRA_ROLLOUT_TOKEN: auth.accessToken } });
      expect(r.stderr).not.toMatch(STACK_TRACE);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as UserReport;
      expect(Object.keys(report.unavailable)).toEqual(expect.arrayContaining(['audits', 'signIns']));
      expect(r.stderr).toMatch(/^error: the report is incomplete: \d+ read\(s\) failed \(.*audits: .*403/m);
    } finally {
      await tenant.control('POST', '/auth', { roles: null });
    }
  });
});
