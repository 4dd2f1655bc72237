// Two runs at once against one tenant, raced deterministically: the first run's evaluation (or
// plan) is made in this process, the other run acts through the built CLI or Graph, and then the
// first run writes. A promotion must not re-widen a wave a rollback took out meanwhile (per
// strategy), and a create must not make a second policy with the name another apply just created.
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply.js';
import { loadConfig } from '../../src/config/index.js';
import type { DesiredState } from '../../src/config/types.js';
import { assertPolicyNameFree, connectGraph, type GraphGateway } from '../../src/graph/index.js';
import { planAgainstTenant } from '../../src/tenant/planAgainstTenant.js';
import { REPO_ROOT, runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { advanceClock, applyCli, caPolicyState, groupId, groupState, includeGroupsOf, membersByReport, registerAuthenticator, transitiveUserIds, waveOf } from '../helpers/waves.js';
import path from 'node:path';

const TIME_SCALE = 100;
let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

function desiredState(config: string): DesiredState {
  const loaded = loadConfig(path.join(REPO_ROOT, config));
  if (!loaded.state) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.state;
}

function gateway(t: TestTenant): Promise<GraphGateway> {
  return connectGraph({ graphUrl: t.emulator.graphBaseUrl, token: 'test-token', timeScale: TIME_SCALE, env: {} });
}

/** Whether the early adopters' wave is enforced, read the strategy's own way. */
async function earlyWidened(t: TestTenant, strategy: string): Promise<boolean> {
  const target = await groupId(t, 'CA010 - MFA enforced');
  const early = await groupId(t, 'MFA Wave 1 - Early adopters');
  if (strategy === 'nestedGroups') return (await groupState(t, target)).memberGroups.includes(early);
  if (strategy === 'policyIncludeGroups') return includeGroupsOf(await caPolicyState(t, 'CA010 - Require MFA for rollout waves')).includes(early);
  const members = new Set((await groupState(t, target)).memberUsers);
  return (await transitiveUserIds(t, early)).every((u) => members.has(u));
}

/** Pilot promoted, early adopters registered and soaked: the next evaluation promotes early. */
async function readyForEarly(t: TestTenant, config: string): Promise<void> {
  const first = await applyCli(t, [], config);
  expect(first.code, first.stderr).toBe(0);
  const early = await membersByReport(t, 'MFA Wave 1 - Early adopters');
  await registerAuthenticator(t, early.notCapable.slice(0, Math.ceil(0.95 * early.members.length) - early.capable.length));
  await advanceClock(t, { hours: 72, minutes: 5 });
}

const STRATEGIES = [
  { strategy: 'nestedGroups', config: 'policies' },
  { strategy: 'policyIncludeGroups', config: 'test/fixtures/waves/policy-include-groups' },
  { strategy: 'members', config: 'test/fixtures/waves/members' },
] as const;

describe('a promotion racing waves rollback', () => {
  for (const { strategy, config } of STRATEGIES) {
    it(`${strategy}: evaluated, then another apply promotes early and waves rollback takes it out: the promotion refuses, early stays out`, async () => {
      tenant = await startTestTenant({ timeScale: TIME_SCALE });
      await readyForEarly(tenant, config);
      const gw = await gateway(tenant);
      const desired = desiredState(config);
      const evaluation = await planAgainstTenant(gw, desired, new Date(), { waves: true });
      expect(waveOf(evaluation.plan!, 'early').decision).toBe('promote');

      // Meanwhile: another run promotes early, and an admin rolls it back. The group (or policy) looks
      // as it did at the evaluation; only the rollback history shows what happened.
      const other = await applyCli(tenant, ['--only', 'waves'], config);
      expect(other.stdout).toContain('promoted mfa-enforcement/early');
      const rollback = await runCli(['waves', 'rollback', '--to', 'pilot', '-c', config, '--auto-approve'], { env: tenant.env });
      expect(rollback.stderr).not.toMatch(STACK_TRACE);
      expect(rollback.code, rollback.stderr).toBe(0);
      expect(await earlyWidened(tenant, strategy)).toBe(false);

      await expect(applyPlan(gw, evaluation.plan!, desired, new Date(), { only: 'waves', fresh: evaluation })).rejects.toThrow(
        /^not promoting mfa-enforcement\/early: early was rolled back at \S+(; \w+ was rolled back at \S+)* \(audit log\), after the rollout was evaluated; nothing was written for it/,
      );
      expect(await earlyWidened(tenant, strategy)).toBe(false);
    });
  }

  it('nestedGroups: a wave taken out after the evaluation (by hand or by rollback) makes the promotion refuse before it writes', async () => {
    tenant = await startTestTenant({ timeScale: TIME_SCALE });
    await readyForEarly(tenant, 'policies');
    const gw = await gateway(tenant);
    const desired = desiredState('policies');
    const evaluation = await planAgainstTenant(gw, desired, new Date(), { waves: true });
    expect(waveOf(evaluation.plan!, 'early').decision).toBe('promote');
    const target = await groupId(tenant, 'CA010 - MFA enforced');
    const pilot = await groupId(tenant, 'MFA Wave 0 - IT');
    expect((await tenant.graph('DELETE', `/groups/${target}/members/${pilot}/$ref`)).status).toBe(204);
    await tenant.control('POST', '/reset-log');

    await expect(applyPlan(gw, evaluation.plan!, desired, new Date(), { only: 'waves', fresh: evaluation })).rejects.toThrow(
      /^not promoting mfa-enforcement\/early: the rollout changed since it was evaluated \(pilot was widened when evaluated and is not widened now\)/,
    );
    expect(await tenant.writes()).toEqual([]);
  });
});

describe('two applies of one plan that creates a policy', () => {
  it('the one that writes second refuses the create by its display name; one policy with that name exists', async () => {
    tenant = await startTestTenant({ timeScale: TIME_SCALE });
    const gw = await gateway(tenant);
    const desired = desiredState('policies');
    const fresh = await planAgainstTenant(gw, desired, new Date(), { waves: false });
    const create = fresh.plan!.resources.find((r) => r.kind === 'ConditionalAccessPolicy' && r.action === 'create')!;
    expect(create).toBeDefined();
    const name = String(create.write!.body.displayName);

    // The other apply of the same plan created it after this one read the tenant (so this one's plan is not stale to it).
    expect((await tenant.graph('POST', '/identity/conditionalAccess/policies', create.write!.body)).status).toBe(201);
    await tenant.control('POST', '/reset-log');
    const report = await applyPlan(gw, fresh.plan!, desired, new Date(), { only: 'config', fresh });
    expect(report.failure?.resource.address).toBe(create.address);
    expect(report.failure?.error.message).toMatch(new RegExp(`^a Conditional Access policy named "${name}" already exists \\(id [0-9a-f-]+\\): it was created after this plan read the tenant`));
    expect((await tenant.writes()).filter((w) => w.method === 'POST' && w.path === '/identity/conditionalAccess/policies')).toEqual([]);
    const named = ((await tenant.graph('GET', '/identity/conditionalAccess/policies')).body as { value: Array<{ displayName: string }> }).value.filter((p) => p.displayName === name);
    expect(named).toHaveLength(1);
  });

  it('assertPolicyNameFree: free names pass; a taken name is refused', async () => {
    tenant = await startTestTenant({ timeScale: TIME_SCALE });
    const gw = await gateway(tenant);
    await expect(assertPolicyNameFree(gw, 'CA999 - nobody has this')).resolves.toBeUndefined();
    const existing = ((await tenant.graph('GET', '/identity/conditionalAccess/policies')).body as { value: Array<{ displayName: string }> }).value[0]!.displayName;
    await expect(assertPolicyNameFree(gw, existing)).rejects.toThrow(/already exists/);
  });
});
