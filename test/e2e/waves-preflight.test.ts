// Issue 17.3/17.4 acceptance: the preflight gate end to end, built CLI against the emulator.
// A report-only twin of the rollout's policy is created on the wave promoted next; the emulator's
// simulated sign-ins give it report-only results (caEvaluation.ts: a user with no usable MFA method is
// `reportOnlyInterrupted`, Learn's "Report-only: User action required"); with 3 of 20 next-wave users
// failing a 10 % gate holds the wave and `waves users` names exactly those 3; with 1 of 20 it passes;
// the promotion moves the twin to the following wave, and the last promotion deletes it. The plan
// shows each step.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanFile, PlanResource } from '../../src/plan/types.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { applyCli, caPolicyState, gateOf, groupId, includeGroupsOf, membersByReport, planJson, registerAuthenticator, waveOf } from '../helpers/waves.js';

const CONFIG = 'test/fixtures/waves/preflight';
const TWIN = 'CA010 - Require MFA for rollout waves [preflight mfa-enforcement]';
const TWIN_ADDRESS = 'PreflightTwin.mfa-enforcement';
const NEXT = 'Preflight Next';
const LAST = 'Preflight Last';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

function twinOf(plan: PlanFile): PlanResource | undefined {
  return plan.resources.find((r) => r.address === TWIN_ADDRESS);
}

async function createGroup(t: TestTenant, displayName: string, userIds: readonly string[]): Promise<string> {
  const created = await t.graph('POST', '/groups', { displayName, mailEnabled: false, mailNickname: displayName.replace(/\W/g, '').toLowerCase(), securityEnabled: true });
  expect(created.status).toBe(201);
  const id = String((created.body as { id: string }).id);
  for (const user of userIds) {
    const added = await t.graph('POST', `/groups/${id}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user}` });
    expect(added.status).toBe(204);
  }
  return id;
}

/** Every member of `group` signs in once now; every enabled and report-only policy judges the sign-in. */
async function waveSignsIn(t: TestTenant, group: string): Promise<number> {
  return ((await t.control('POST', '/signins', { group, evaluate: true })) as { added: number }).added;
}

async function planCli(t: TestTenant): Promise<PlanFile> {
  return planJson(t, CONFIG);
}

async function apply(t: TestTenant, extra: string[] = []): Promise<string> {
  const r = await applyCli(t, extra, CONFIG);
  expect(r.stderr).not.toMatch(STACK_TRACE);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('waves: preflight gate with a report-only twin (issue 17)', () => {
  it('creates the twin, holds the next wave at 3 of 20 failing, passes at 1 of 20, moves the twin on promotion and deletes it after the last wave', async () => {
    tenant = await startTestTenant({ scenario: 'demo' });
    const t = tenant;

    // Two waves of staff outside the pilot and the early adopters: 17 + 3 not capable, then 5 capable.
    const staff = await membersByReport(t, 'All Staff');
    const early = new Set((await membersByReport(t, 'MFA Wave 1 - Early adopters')).members);
    const pilot = new Set((await membersByReport(t, 'MFA Wave 0 - IT')).members);
    const outside = (ids: string[]) => ids.filter((id) => !early.has(id) && !pilot.has(id));
    const capable = outside(staff.capable);
    const notCapable = outside(staff.notCapable);
    const failing = notCapable.slice(0, 3);
    const nextUsers = [...capable.slice(0, 17), ...failing];
    const lastUsers = capable.slice(17, 22);
    const nextId = await createGroup(t, NEXT, nextUsers);
    const lastId = await createGroup(t, LAST, lastUsers);

    // Step 1: the pilot is due; the twin is created on the wave after it ("next"), not yet on the tenant.
    const plan1 = await planCli(t);
    expect(waveOf(plan1, 'pilot').decision).toBe('promote');
    expect(waveOf(plan1, 'next').decision).toBe('blocked');
    expect(gateOf(waveOf(plan1, 'next'), 'preflight').status).toBe('inconclusive');
    expect(waveOf(plan1, 'pilot').gates.map((g) => g.gate)).not.toContain('preflight'); // off unless declared
    const create = twinOf(plan1);
    expect(create).toMatchObject({ action: 'create', displayName: TWIN, write: { method: 'POST' } });
    const body = create!.write!.body as { state: string; conditions: { users: { includeGroups: string[]; includeUsers: string[]; excludeGroups: string[]; excludeUsers: string[] } } };
    expect(body.state).toBe('enabledForReportingButNotEnforced');
    expect(body.conditions.users.includeGroups).toEqual([nextId]);
    expect(body.conditions.users.includeUsers ?? []).toEqual([]); // empty lists are left out of a create
    // The emergency accounts are excluded like in every policy (the safety rules judged this body: no ER033).
    expect(body.conditions.users.excludeGroups).toEqual([await groupId(t, 'Emergency Access')]);
    expect(body.conditions.users.excludeUsers).toHaveLength(2);
    expect(plan1.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const text = await runCli(['plan', '-c', CONFIG], { env: t.env });
    expect(text.stdout).toContain(TWIN_ADDRESS);
    expect(text.stdout).toMatch(/\+ .*PreflightTwin\.mfa-enforcement|PreflightTwin\.mfa-enforcement.*create/);

    await apply(t);
    const twin = await caPolicyState(t, TWIN);
    expect(twin.state).toBe('enabledForReportingButNotEnforced');
    expect(includeGroupsOf(twin)).toEqual([nextId]);

    // Step 2: no sign-in under the twin yet: the next wave is held, inconclusive, the twin kept as it is.
    const plan2 = await planCli(t);
    expect(twinOf(plan2)?.action).toBe('noop');
    expect(waveOf(plan2, 'next').decision).toBe('hold');
    expect(gateOf(waveOf(plan2, 'next'), 'preflight')).toMatchObject({ status: 'inconclusive', message: expect.stringContaining('nothing to measure yet') });
    // A configuration-only apply leaves the twin to the wave controller.
    expect(await apply(t, ['--only', 'config'])).not.toContain('PreflightTwin');
    expect(includeGroupsOf(await caPolicyState(t, TWIN))).toEqual([nextId]);

    // Step 3: the 20 sign in; the 3 without a usable method would have been interrupted: 15 % > 10 %.
    expect(await waveSignsIn(t, NEXT)).toBe(20);
    const plan3 = await planCli(t);
    const next3 = waveOf(plan3, 'next');
    expect(gateOf(next3, 'mfaCapable').status).toBe('pass'); // 17/20 = 85 % ≥ 80 %: only the preflight holds
    expect(gateOf(next3, 'preflight')).toMatchObject({ status: 'fail', value: 15, threshold: 10 });
    expect(gateOf(next3, 'preflight').message).toContain('3/20 signed-in users of wave next');
    expect(next3.decision).toBe('hold');
    expect(twinOf(plan3)?.action).toBe('noop');

    const users = await runCli(['waves', 'users', '-c', CONFIG, '--wave', 'next', '--format', 'json'], { env: t.env });
    expect(users.code, users.stderr).toBe(0);
    const listed = JSON.parse(users.stdout) as { preflightFailures: Array<{ id: string; reason: string; result: string; evidence: string }> };
    expect(listed.preflightFailures.map((f) => f.id).sort()).toEqual([...failing].sort());
    for (const f of listed.preflightFailures) {
      expect(f).toMatchObject({ reason: 'preflightFailure', result: 'reportOnlyInterrupted' });
      expect(f.evidence).toMatch(/reportOnlyInterrupted at .* no usable method \(noMethod|reportOnlyInterrupted at .* no usable method \(/);
    }
    const usersText = await runCli(['waves', 'users', '-c', CONFIG, '--wave', 'next'], { env: t.env });
    expect(usersText.stdout).toContain('Preflight mfa-enforcement/next: 3 user(s) would have failed or been blocked');

    // Step 4: two of the three register and sign in again (reportOnlySuccess): 1 of 20, 5 % ≤ 10 %.
    // The promotion and the twin's move to the following wave are one plan.
    await registerAuthenticator(t, failing.slice(0, 2));
    await waveSignsIn(t, NEXT);
    const plan4 = await planCli(t);
    const next4 = waveOf(plan4, 'next');
    expect(gateOf(next4, 'preflight')).toMatchObject({ status: 'pass', value: 5, threshold: 10 });
    expect(next4.decision).toBe('promote');
    const move = twinOf(plan4);
    expect(move).toMatchObject({ action: 'update', write: { method: 'PATCH' } });
    expect((move!.write!.body as { conditions: { users: { includeGroups: string[] } } }).conditions.users.includeGroups).toEqual([lastId]);

    // The scheduled job's apply (--only waves) promotes and moves the twin, the move after the promotion.
    const applied4 = await apply(t, ['--only', 'waves']);
    expect(applied4.indexOf('promoted mfa-enforcement/next')).toBeLessThan(applied4.indexOf('updated PreflightTwin.mfa-enforcement'));
    expect(applied4).toMatch(/^promoted mfa-enforcement\/next/m);
    expect(includeGroupsOf(await caPolicyState(t, TWIN))).toEqual([lastId]);

    // Step 5: the last wave signs in (all capable), is promoted, and the twin is deleted with it.
    await waveSignsIn(t, LAST);
    const plan5 = await planCli(t);
    expect(waveOf(plan5, 'next').decision).toBe('done');
    expect(gateOf(waveOf(plan5, 'last'), 'preflight')).toMatchObject({ status: 'pass', value: 0 });
    expect(waveOf(plan5, 'last').decision).toBe('promote');
    expect(twinOf(plan5)).toMatchObject({ action: 'delete', write: { method: 'DELETE' } });
    const deleteText = await runCli(['plan', '-c', CONFIG], { env: t.env });
    expect(deleteText.stdout).toMatch(/- .*PreflightTwin\.mfa-enforcement|PreflightTwin\.mfa-enforcement.*delete/);

    // Reviewed like any plan: the saved file (with its DELETE) is what apply verifies and sends.
    const planFile = path.join(mkdtempSync(path.join(tmpdir(), 'preflight-')), 'plan.json');
    const saved = await runCli(['plan', '-c', CONFIG, '--out', planFile], { env: t.env });
    expect(saved.code, saved.stderr).toBe(0);
    const applied5 = await runCli(['apply', planFile, '-c', CONFIG, '--auto-approve'], { env: t.env }).then((r) => {
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    });
    expect(applied5.indexOf('promoted mfa-enforcement/last')).toBeLessThan(applied5.indexOf('PreflightTwin.mfa-enforcement'));
    expect(applied5).toMatch(/^promoted mfa-enforcement\/last/m);
    const policies = Object.values((await t.state()).body.conditionalAccessPolicies as Record<string, { displayName: string }>);
    expect(policies.map((p) => p.displayName)).not.toContain(TWIN);
    const plan6 = await planCli(t);
    expect(twinOf(plan6)).toBeUndefined();
    expect(plan6.waves.map((w) => w.decision)).toEqual(['done', 'done', 'done']);
  });
});
