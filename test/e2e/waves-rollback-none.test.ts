// Issue 14.8 per strategy: `waves rollback --to none` takes every wave out, whatever the strategy
// writes, and leaves a policy that means what it says. For policyIncludeGroups a policy whose only
// includes were the waves is left with `includeUsers: ["None"]` (the conditionalAccessUsers resource
// page documents `None` as the way to include nobody), never an empty user condition; a policy that
// also includes a group of its own keeps it. (nestedGroups: waves-rollback.test.ts, "--to none …".)
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { applyCli, caPolicyState, groupId, groupState, planJson } from '../helpers/waves.js';

const CA010 = 'CA010 - Require MFA for rollout waves';
type Json = Record<string, unknown>;

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

const usersOf = (policy: Json) => (policy.conditions as Json).users as { includeUsers: string[]; includeGroups: string[]; excludeGroups: string[]; excludeUsers: string[] };

async function rollbackNone(t: TestTenant, config: string) {
  await t.control('POST', '/reset-log');
  const r = await runCli(['waves', 'rollback', '--to', 'none', '-c', config, '--auto-approve'], { env: t.env });
  expect(r.stderr).not.toMatch(STACK_TRACE);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('Rollback of mfa-enforcement to no wave takes out: pilot (MFA Wave 0 - IT)');
  return r;
}

/** After the rollback: a second one has nothing to do, and a plan has no change to make (nothing is re-widened by config). */
async function expectSettled(t: TestTenant, config: string): Promise<void> {
  const again = await runCli(['waves', 'rollback', '--all', '-c', config, '--auto-approve'], { env: t.env });
  expect(again.stdout).toContain('Nothing to roll back: no wave is widened in rollout mfa-enforcement.');
  const plan = await planJson(t, config);
  expect(plan.resources.filter((r) => r.action !== 'noop').map((r) => r.address)).toEqual([]);
}

describe('waves rollback --to none, per strategy (issue 14.8)', { timeout: 180_000 }, () => {
  it('policyIncludeGroups, policy with its own included group: the wave groups leave includeGroups, the own group stays', async () => {
    tenant = await startTestTenant();
    const config = 'test/fixtures/waves/policy-include-groups';
    const target = await groupId(tenant, 'CA010 - MFA enforced');
    const pilot = await groupId(tenant, 'MFA Wave 0 - IT');
    expect((await applyCli(tenant, [], config)).code).toBe(0);
    expect(usersOf(await caPolicyState(tenant, CA010)).includeGroups.sort()).toEqual([target, pilot].sort());

    await rollbackNone(tenant, config);
    const users = usersOf(await caPolicyState(tenant, CA010));
    expect(users.includeGroups).toEqual([target]);
    expect(users.includeUsers).toEqual([]);
    expect((await tenant.writes({ tookEffect: true })).map((w) => w.method)).toEqual(['PATCH']);
    await expectSettled(tenant, config);
  });

  it('policyIncludeGroups, policy that includes only the waves (includeUsers None): the pilot replaces None, None comes back after --to none', async () => {
    tenant = await startTestTenant();
    const config = mkdtempSync(path.join(tmpdir(), 'entra-rollout-none-'));
    cpSync(path.join(REPO_ROOT, 'test/fixtures/waves/policy-include-groups'), config, { recursive: true });
    const ca = path.join(config, 'conditional-access.yaml');
    const yaml = readFileSync(ca, 'utf8');
    expect(yaml).toContain('      includeGroups: [CA010 - MFA enforced]\n');
    writeFileSync(ca, yaml.replace('      includeGroups: [CA010 - MFA enforced]\n', '      includeUsers: [None]\n'));
    const pilot = await groupId(tenant, 'MFA Wave 0 - IT');

    const applied = await applyCli(tenant, [], config);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^promoted mfa-enforcement\/pilot: 1 written/m);
    const widened = usersOf(await caPolicyState(tenant, CA010));
    expect(widened.includeGroups).toEqual([pilot]);
    expect(widened.includeUsers).toEqual([]);
    // The widened pilot is the rollout's: the plan neither takes it out nor puts None back.
    expect((await planJson(tenant, config)).resources.filter((r) => r.action !== 'noop').map((r) => r.address)).toEqual([]);

    await rollbackNone(tenant, config);
    expect((await tenant.writes({ tookEffect: true })).map((w) => w.method)).toEqual(['PATCH']);
    const users = usersOf(await caPolicyState(tenant, CA010));
    expect(users.includeGroups).toEqual([]);
    expect(users.includeUsers).toEqual(['None']);
    // The exclusions are untouched.
    expect(users.excludeGroups).toEqual(widened.excludeGroups);
    expect(users.excludeUsers).toEqual(widened.excludeUsers);
    await expectSettled(tenant, config);
  });

  it('members: every wave user leaves the target group; nothing else is written', async () => {
    tenant = await startTestTenant();
    const config = 'test/fixtures/waves/members';
    const target = await groupId(tenant, 'CA010 - MFA enforced');
    expect((await applyCli(tenant, [], config)).code).toBe(0);
    expect((await groupState(tenant, target)).memberUsers.length).toBeGreaterThan(0);

    await rollbackNone(tenant, config);
    const after = await groupState(tenant, target);
    expect(after.memberUsers).toEqual([]);
    expect(after.memberGroups).toEqual([]);
    expect((await tenant.writes()).every((w) => w.path.includes(target) || w.path === '/$batch')).toBe(true);
    expect(usersOf(await caPolicyState(tenant, CA010)).includeGroups).toEqual([target]);
    await expectSettled(tenant, config);
  });
});
