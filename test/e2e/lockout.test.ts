// Lockout guards (issue 12, points 3 and 4) through the built CLI on the emulator: break-glass
// accounts stay excluded from what is sent, and are never bulk targets.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanFile } from '../../src/plan/types.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { groupId } from '../helpers/waves.js';

const BG1 = 'breakglass1@contoso.onmicrosoft.com';
const BG2 = 'breakglass2@contoso.onmicrosoft.com';
const EXCLUDE_USERS = `excludeUsers: [${BG1}, ${BG2}]`;

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await startTestTenant({ scenario: 'seeds' });
});
afterAll(async () => {
  await tenant.close();
});

const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-lockout-'));
/** Writes to the tenant ($batch envelopes themselves change nothing). */
const tenantWrites = async () => (await tenant.writes()).filter((w) => w.path !== '/$batch');
const userId = async (upn: string) => ((await tenant.graph('GET', `/users/${upn}?$select=id`)).body as { id: string }).id;

/** The sample policies without the Rollout (not needed here, and the plan reads less), edited. */
function policies(edit: { tenant?: (t: string) => string; ca?: (t: string) => string } = {}): string {
  const dir = tmp();
  cpSync('policies', dir, { recursive: true });
  rmSync(path.join(dir, 'rollout.yaml'));
  for (const [file, fn] of [['tenant.yaml', edit.tenant], ['conditional-access.yaml', edit.ca]] as const) {
    if (fn) writeFileSync(path.join(dir, file), fn(readFileSync(path.join(dir, file), 'utf8')));
  }
  return dir;
}
const withoutEmergencyAccess = (t: string) => t.replace(/  # Break-glass[\s\S]*$/, '');
/** block-legacy-auth turned into an enabled "All users + block" policy with the given exclusions. */
const blockAllUsers = (exclusions: string) => (t: string) =>
  t.replace(
    /(name: block-legacy-auth[\s\S]*?)state: enabledForReportingButNotEnforced\n([\s\S]*?)      includeGroups: \[All Staff\]\n      excludeUsers: .*\n      excludeGroups: .*\n/,
    `$1state: enabled\n$2      includeUsers: [All]\n${exclusions}`,
  );

describe('the emergency-access guard of plan', () => {
  it('emergencyAccess removed from the Tenant: plan exits 1 with ER027 and writes nothing', async () => {
    await tenant.control('POST', '/reset-log');
    const r = await runCli(['plan', '-c', policies({ tenant: withoutEmergencyAccess })], { env: tenant.env });
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tenant\.yaml:\d+:\d+: error ER027: Tenant contoso: no emergency-access \(break-glass\) accounts are declared while 3 CA policies are enabled or report-only/);
    expect(await tenantWrites()).toEqual([]);
  });

  it('an exclusion by the group\'s object id is accepted; a missing account is still ER033', async () => {
    const emergencyGroup = await groupId(tenant, 'Emergency Access');
    const byId = await runCli(['plan', '--format', 'json', '-c', policies({ ca: (t) => t.replaceAll('excludeGroups: [Emergency Access]', `excludeGroups: [${emergencyGroup}]`) })], { env: tenant.env });
    expect(byId.stderr).toBe('');
    expect(byId.code).toBe(0);
    expect((JSON.parse(byId.stdout) as PlanFile).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);

    // breakglass2's place taken by another user's object id: offline it might be a spelling of
    // breakglass2, so validate leaves it to plan, which compares the resolved ids.
    const other = await userId('adele.vance@contoso.onmicrosoft.com');
    const dir = policies({ ca: (t) => t.replace(EXCLUDE_USERS, `excludeUsers: [${BG1}, ${other}]`) });
    expect((await runCli(['validate', '-c', dir])).code).toBe(0);
    const missing = await runCli(['plan', '-c', dir], { env: tenant.env });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/error ER033: enabled policy "CA010 - Require MFA for rollout waves" would not exclude the emergency-access user breakglass2@contoso\.onmicrosoft\.com/);
    expect(missing.stdout).not.toContain('ER017');
  });

  it('an enabled policy that blocks All users without the emergency exclusions is refused (ER035 at plan, ER028 offline)', async () => {
    const other = await userId('adele.vance@contoso.onmicrosoft.com');
    const atPlan = await runCli(['plan', '-c', policies({ ca: blockAllUsers(`      excludeUsers: [${other}]\n      excludeGroups: [All Staff]\n`) })], { env: tenant.env });
    expect(atPlan.stderr).not.toContain('error');
    expect(atPlan.code).toBe(1);
    expect(atPlan.stdout).toMatch(/error ER035: enabled policy "CA020 - Block legacy authentication" blocks All users and would not exclude the emergency-access user breakglass1@contoso\.onmicrosoft\.com, user breakglass2@contoso\.onmicrosoft\.com, group Emergency Access: it would lock every account out/);

    const offline = await runCli(['plan', '-c', policies({ tenant: withoutEmergencyAccess, ca: blockAllUsers('') })], { env: tenant.env });
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain('error ER027');
    expect(offline.stderr).toMatch(/error ER028: ConditionalAccessPolicy block-legacy-auth: this enabled policy blocks All users and excludes nobody/);
  });

  it('the opt-out (emergencyAccess.none with a reason) plans, and every plan format shows it', async () => {
    const dir = policies({ tenant: (t) => t.replace(/  # Break-glass[\s\S]*$/, '  emergencyAccess:\n    none: true\n    reason: lab tenant without a break-glass account\n') });
    const text = await runCli(['plan', '-c', dir], { env: tenant.env });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('warning WR136: the Tenant declares no emergency-access (break-glass) account (emergencyAccess.none; reason: lab tenant without a break-glass account)');
    const markdown = await runCli(['plan', '--format', 'markdown', '-c', dir], { env: tenant.env });
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain('WR136');
    expect(markdown.stdout).toContain('lab tenant without a break-glass account');
  });
});

describe('the emergency-access guard of apply', () => {
  it('a plan file whose CA body was edited to drop the emergency group is refused before any write', async () => {
    const dir = tmp();
    const planPath = path.join(dir, 'plan.json');
    const config = policies();
    expect((await runCli(['plan', '--out', planPath, '-c', config], { env: tenant.env })).code).toBe(0);
    const plan = JSON.parse(readFileSync(planPath, 'utf8')) as PlanFile;
    const ca = plan.resources.find((r) => r.address === 'ConditionalAccessPolicy.require-mfa')!;
    expect(ca.action).toBe('update');
    ((ca.write!.body.conditions as Record<string, unknown>).users as Record<string, unknown>).excludeGroups = [];
    writeFileSync(planPath, JSON.stringify(plan));
    await tenant.control('POST', '/reset-log');
    const before = (await tenant.state()).hash;

    const r = await runCli(['apply', planPath, '-c', config], { env: tenant.env });
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: refusing to apply: a body in the plan would lock accounts out \(ER033\); nothing was written$/m);
    expect(r.stderr).toContain('would not exclude the emergency-access group Emergency Access');
    expect(await tenantWrites()).toEqual([]);
    expect((await tenant.state()).hash).toBe(before);
  });
});

describe('emergency-access accounts are not bulk targets', () => {
  it('issue-tap refuses a break-glass account (by UPN or object id) and writes nothing; --include-emergency-access allows it', async () => {
    const dir = tmp();
    const out = path.join(dir, 'passes.csv');
    await tenant.control('POST', '/reset-log');
    const refused = await runCli(['users', 'issue-tap', '--user', 'lynne.robbins@contoso.onmicrosoft.com', '--user', await userId(BG1), '--out', out, '--journal', path.join(dir, 'j1')], { env: tenant.env });
    expect(refused.stderr).not.toMatch(STACK_TRACE);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: refusing to run issue-tap: the input names 1 emergency-access \(break-glass\) account\(s\) \(breakglass1@contoso\.onmicrosoft\.com\); nothing was written for anyone/m);
    expect(refused.stderr).toContain('--include-emergency-access');
    expect(await tenantWrites()).toEqual([]);
    // Not even the pass file or the journal exists: nothing was started.
    expect(() => readFileSync(out)).toThrow();
    expect(() => readFileSync(path.join(dir, 'j1'))).toThrow();

    const allowed = await runCli(['users', 'issue-tap', '--user', BG1, '--out', out, '--journal', path.join(dir, 'j2'), '--include-emergency-access'], { env: tenant.env });
    expect(allowed.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0])).toEqual([BG1]);
  });

  it('a transitive member of an emergency group is one too: revoke-sessions, reset-methods and import-phones refuse it', async () => {
    // Put an ordinary user into the Emergency Access group: from now on the guard protects them.
    const member = 'megan.bowen@contoso.onmicrosoft.com';
    const ea = await groupId(tenant, 'Emergency Access');
    const added = await tenant.graph('POST', `/groups/${ea}/members/$ref`, { '@odata.id': `${tenant.emulator.graphBaseUrl}/directoryObjects/${await userId(member)}` });
    expect(added.status).toBe(204);
    const dir = tmp();
    const list = path.join(dir, 'users.txt');
    writeFileSync(list, `user\nlynne.robbins@contoso.onmicrosoft.com\n${member}\n`);
    const phones = path.join(dir, 'phones.csv');
    writeFileSync(phones, `user,phoneType,phoneNumber\n${BG2},mobile,+1 4255550100\n`);
    await tenant.control('POST', '/reset-log');

    const revoke = await runCli(['users', 'revoke-sessions', '--file', list, '--yes', '--journal', path.join(dir, 'r.journal')], { env: tenant.env });
    expect(revoke.code).toBe(1);
    expect(revoke.stderr).toContain(`${member} (line 3): member of emergency group "Emergency Access"`);
    const reset = await runCli(['users', 'reset-methods', '--user', member], { env: tenant.env }); // a dry run is refused like the real one
    expect(reset.code).toBe(1);
    expect(reset.stderr).toMatch(/^error: refusing to run reset-methods/m);
    const phonesRun = await runCli(['users', 'import-phones', phones, '--yes', '--journal', path.join(dir, 'p.journal')], { env: tenant.env });
    expect(phonesRun.code).toBe(1);
    expect(phonesRun.stderr).toContain(`${BG2} (line 2): listed in emergencyAccess.users, member of emergency group "Emergency Access"`);
    expect(await tenantWrites()).toEqual([]);
  });

  it('users show labels an emergency-access account, and only those', async () => {
    const bg = await runCli(['users', 'show', BG2], { env: tenant.env });
    expect(bg.code).toBe(0);
    expect(bg.stdout).toMatch(/^Emergency {5}EMERGENCY-ACCESS ACCOUNT: listed in emergencyAccess\.users, member of emergency group "Emergency Access"/m);
    const json = JSON.parse((await runCli(['users', 'show', BG2, '--format', 'json'], { env: tenant.env })).stdout) as { emergencyAccess?: unknown };
    expect(json.emergencyAccess).toEqual({ via: ['listed in emergencyAccess.users', 'member of emergency group "Emergency Access"'] });
    const other = await runCli(['users', 'show', 'lynne.robbins@contoso.onmicrosoft.com'], { env: tenant.env });
    expect(other.code).toBe(0);
    expect(other.stdout).not.toContain('Emergency');
  });
});
