// `doctor` through the built CLI against the emulator, which issues a token with the roles a test
// gives it and enforces them like Graph. The last test holds the permission matrix against the
// emulator's own (independently written) per-endpoint table by running real commands.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { leastPrivilegedSet, selectCommands } from '../../src/permissions.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

/** Configures the app's roles; returns the environment whose token carries them. */
async function withRoles(t: TestTenant, roles: string[]): Promise<NodeJS.ProcessEnv> {
  const r = (await t.control('POST', '/auth', { roles })) as { accessToken: string };
  return { ...t.env, ENTRA_ROLLOUT_TOKEN: r.accessToken };
}

const PLAN_ROLES = leastPrivilegedSet(selectCommands('plan'), { hasRollout: true });
const ALL_ROLES = leastPrivilegedSet(selectCommands(), { includeOptional: true });

describe('doctor against the emulator', () => {
  it('with every role the matrix asks for: all commands ok, licence yes, exit 0', async () => {
    tenant = await startTestTenant();
    const r = await runCli(['doctor'], { env: await withRoles(tenant, ALL_ROLES) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Identity: application "entra-rollout \(emulator\)" \(app id [0-9a-f-]+\) in tenant [0-9a-f-]+; the token grants \d+ application permission\(s\):/);
    expect(r.stdout).toContain('Entra ID P1/P2: yes');
    expect(r.stdout).not.toContain('MISSING');
    expect(r.stdout).toContain('Everything the 12 commands need is granted.');
  });

  it('names what each command lacks: a read-only plan identity cannot apply', async () => {
    tenant = await startTestTenant();
    const env = await withRoles(tenant, PLAN_ROLES);
    const plan = await runCli(['doctor', '--command', 'plan'], { env });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^ {2}ok {7}plan\b/m);

    const all = await runCli(['doctor', '--format', 'json'], { env });
    expect(all.code).toBe(1);
    const report = JSON.parse(all.stdout) as { ok: boolean; commands: { command: string; ok: boolean; missing: string[] }[] };
    expect(report.ok).toBe(false);
    const apply = report.commands.find((c) => c.command === 'apply')!;
    expect(apply.missing).toEqual(['Policy.ReadWrite.AuthenticationMethod', 'Policy.ReadWrite.ConditionalAccess', 'Application.Read.All', 'GroupMember.ReadWrite.All']);
    expect(report.commands.find((c) => c.command === 'users revoke-sessions')!.missing).toEqual(['User.RevokeSessions.All']);
    expect(report.commands.find((c) => c.command === 'waves status')!.ok).toBe(true);
  });

  it('with one role taken away, doctor names exactly that one and exits 1', async () => {
    tenant = await startTestTenant();
    const env = await withRoles(tenant, PLAN_ROLES.filter((p) => p !== 'Policy.Read.All'));
    const r = await runCli(['doctor', '--command', 'plan'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}MISSING {2}plan +Policy\.Read\.All$/m);
    expect(r.stdout).toContain('1 of 1 command(s) lack permissions');
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  it('says the readiness data needs Entra ID P1 when the tenant has no premium licence', async () => {
    tenant = await startTestTenant();
    await tenant.control('POST', '/licence', { premium: false });
    const r = await runCli(['doctor', '--command', 'waves status'], { env: await withRoles(tenant, ALL_ROLES) });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Entra ID P1/P2: no (Graph answered Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    expect(r.stdout).toMatch(/waves status.*\[needs Entra ID P1\]/);
  });

  it('cannot vouch for an opaque token, and says why in one line', async () => {
    tenant = await startTestTenant();
    const r = await runCli(['doctor', '--command', 'export'], { env: tenant.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Identity: cannot read the granted permissions: the token is not a JWT');
    expect(r.stdout).toMatch(/^ {2}unknown {2}export/m);
    expect(r.stdout).not.toContain('test-token');
  });

  it('refuses an unknown --command', async () => {
    const r = await runCli(['doctor', '--command', 'deploy'], { env: { ENTRA_ROLLOUT_GRAPH_URL: 'http://127.0.0.1:9/v1.0' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: unknown command "deploy" for --command/);
  });

  it('the matrix is enough for the real commands on an enforcing emulator, and each permission in it is needed', async () => {
    tenant = await startTestTenant();
    // plan with exactly the least-privileged plan set works…
    const planRoles = leastPrivilegedSet(selectCommands('plan'), { hasRollout: false });
    // Issue 15: CA policies name directory roles (role templates); applications only optionally.
    expect(planRoles).toEqual(['GroupMember.Read.All', 'Policy.Read.All', 'RoleManagement.Read.Directory', 'User.Read.All']);
    const planEnv = await withRoles(tenant, planRoles);
    const plan = await runCli(['plan', '--detailed-exitcode'], { env: planEnv });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(2);
    // …and fails on Graph's 403 without any one of its base permissions.
    for (const missing of planRoles) {
      const env = await withRoles(tenant, planRoles.filter((p) => p !== missing));
      const r = await runCli(['plan'], { env });
      expect(r.code, `plan without ${missing}`).toBe(1);
      expect(r.stderr, `plan without ${missing}`).toMatch(/403|Insufficient privileges/);
    }
    const exportDir = path.join(mkdtempSync(path.join(tmpdir(), 'entra-rollout-doctor-')), 'out');
    const exp = await runCli(['export', '--out', exportDir, '--tenant-id', '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61'], {
      env: await withRoles(tenant, leastPrivilegedSet(selectCommands('export'))),
    });
    expect(exp.stderr).toBe('');
    expect(exp.code).toBe(0);
    // apply writes with the apply set and nothing more (policies/ declares a Rollout: its reads included).
    const apply = await runCli(['apply', '--auto-approve'], { env: await withRoles(tenant, leastPrivilegedSet(selectCommands('apply'), { hasRollout: true })) });
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Apply complete');
  });
});
