// Issue 5, acceptance 1: the pilot is promoted, the next wave is held with its not-ready users
// counted by reason, and after registrations and the soak time it is promoted on the next apply.
// Built CLI against the emulator's demo tenant, over real HTTP, on the emulator's clock.
import { afterEach, describe, expect, it } from 'vitest';
import { leastPrivilegedSet, selectCommands } from '../../src/permissions.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import {
  advanceClock,
  applyCli,
  caPolicyState,
  gateOf,
  gateStatuses,
  groupId,
  groupState,
  membersByReport,
  planJson,
  registerAuthenticator,
  waveOf,
} from '../helpers/waves.js';

const WAVE0 = 'MFA Wave 0 - IT';
const WAVE1 = 'MFA Wave 1 - Early adopters';
const TARGET = 'CA010 - MFA enforced';
const CA010 = 'CA010 - Require MFA for rollout waves';
const REASONS = ['noMethod', 'registeredNotCapable', 'unverifiedAuthenticator', 'disabled', 'unknown'];

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

describe('waves: promotion on the demo tenant', () => {
  it('promotes the pilot, holds the 80 % wave with reasons, then promotes it after registrations and the soak', async () => {
    tenant = await startTestTenant();
    const [target, wave0, wave1] = [await groupId(tenant, TARGET), await groupId(tenant, WAVE0), await groupId(tenant, WAVE1)];
    expect((await groupState(tenant, target)).memberGroups).toEqual([]);

    // Plan: the pilot (100 % capable, no soak) is the one wave to promote.
    const first = await planJson(tenant);
    expect(waveOf(first, 'pilot')).toMatchObject({ members: 40, mfaCapable: 40, decision: 'promote', notReady: { count: 0, byReason: {} } });
    expect(waveOf(first, 'early').decision).toBe('blocked');
    expect(waveOf(first, 'everyone').decision).toBe('blocked');

    const apply1 = await applyCli(tenant);
    expect(apply1.stderr).not.toMatch(STACK_TRACE);
    expect(apply1.code, apply1.stderr).toBe(0);
    expect(apply1.stdout).toMatch(/^promoted mfa-enforcement\/pilot: 1 written, 0 already in place$/m);
    expect(apply1.stdout).not.toMatch(/promoted mfa-enforcement\/(early|everyone)/);
    expect((await groupState(tenant, target)).memberGroups).toEqual([wave0]);

    // The next wave is about 80 % capable: held, with every not-ready user counted under one reason.
    const held = await planJson(tenant);
    expect(waveOf(held, 'pilot').decision).toBe('done');
    const early = waveOf(held, 'early');
    const byReport = await membersByReport(tenant, WAVE1);
    expect(early.members).toBe(byReport.members.length);
    expect(early.mfaCapable).toBe(byReport.capable.length);
    expect(early.mfaCapable / early.members).toBeGreaterThan(0.75);
    expect(early.mfaCapable / early.members).toBeLessThan(0.85);
    expect(early.decision).toBe('hold');
    expect(early.notReady.count).toBe(early.members - early.mfaCapable);
    expect(Object.keys(early.notReady.byReason).every((r) => REASONS.includes(r))).toBe(true);
    expect(Object.values(early.notReady.byReason).reduce((a, b) => a + b, 0)).toBe(early.notReady.count);
    expect(early.notReady.byReason.noMethod).toBeGreaterThan(0);
    const capableGate = gateOf(early, 'mfaCapable');
    expect(capableGate).toMatchObject({ status: 'fail', threshold: 95, value: Math.floor((early.mfaCapable * 1000) / early.members) / 10 });
    expect(capableGate.message).toContain(`${early.mfaCapable}/${early.members} users MFA capable`);
    expect(capableGate.message).toContain(`noMethod ${early.notReady.byReason.noMethod}`);
    const soak = gateOf(early, 'soak');
    expect(soak.status).toBe('fail');
    expect(soak.threshold).toBe(72);
    expect(soak.value).toBeLessThan(1);
    expect(soak.message).toContain('since wave pilot was widened (audit log)');
    expect(waveOf(held, 'everyone').decision).toBe('blocked');

    // One registration short of 95 %: still held on readiness.
    const needed = Math.ceil(0.95 * early.members) - early.mfaCapable;
    expect(needed).toBeGreaterThan(1);
    expect(byReport.notCapable.length).toBeGreaterThanOrEqual(needed);
    await registerAuthenticator(tenant, byReport.notCapable.slice(0, needed - 1));
    const short = waveOf(await planJson(tenant), 'early');
    expect(short.mfaCapable).toBe(early.mfaCapable + needed - 1);
    expect(gateOf(short, 'mfaCapable').status).toBe('fail');

    // Exactly 95 %: readiness passes, but the pilot has soaked for minutes, not 72 h.
    await registerAuthenticator(tenant, byReport.notCapable.slice(needed - 1, needed));
    const soaking = waveOf(await planJson(tenant), 'early');
    expect(gateOf(soaking, 'mfaCapable')).toMatchObject({ status: 'pass', value: 95 });
    expect(gateOf(soaking, 'soak').status).toBe('fail');
    expect(soaking.decision).toBe('hold');
    const noPromotion = await applyCli(tenant);
    expect(noPromotion.code, noPromotion.stderr).toBe(0);
    expect(noPromotion.stdout).not.toMatch(/^promoted /m);
    expect((await groupState(tenant, target)).memberGroups).toEqual([wave0]);

    // Past the soak time, the next apply promotes it (and only it).
    await advanceClock(tenant, { hours: 72, minutes: 5 });
    const ready = waveOf(await planJson(tenant), 'early');
    expect(gateStatuses(ready)).toEqual({ mfaCapable: 'pass', soak: 'pass', signInHealth: 'pass', freshness: 'pass', maxNewUsersPerApply: 'pass' });
    expect(ready.decision).toBe('promote');
    const apply2 = await applyCli(tenant);
    expect(apply2.code, apply2.stderr).toBe(0);
    expect(apply2.stdout).toMatch(/^promoted mfa-enforcement\/early: 1 written, 0 already in place$/m);
    expect((await groupState(tenant, target)).memberGroups.sort()).toEqual([wave0, wave1].sort());

    const after = await planJson(tenant);
    expect(waveOf(after, 'early').decision).toBe('done');
    expect(waveOf(after, 'everyone').decision).toBe('hold'); // about 56 % capable, and the early wave just started soaking
  });

  it('apply --only waves promotes the pilot and writes no configuration', async () => {
    tenant = await startTestTenant();
    const target = await groupId(tenant, TARGET);
    const before = await caPolicyState(tenant, CA010);
    const configBefore = JSON.stringify((await tenant.state()).body.methodConfigurations);
    await tenant.control('POST', '/reset-log');

    const r = await applyCli(tenant, ['--only', 'waves']);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^promoted mfa-enforcement\/pilot: 1 written/m);
    expect(r.stdout).not.toMatch(/^(created|updated) /m);
    // It shows only what it acts on, and says what it leaves out.
    expect(r.stdout).not.toContain('ConditionalAccessPolicy.require-mfa');
    expect(r.stdout).toMatch(/^\(--only waves: 5 configuration change\(s\) left out; `entra-rollout plan` shows everything\)$/m);
    const writes = await tenant.writes();
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((w) => !w.path.startsWith(`/groups/${target}`))).toEqual([]);
    expect((await groupState(tenant, target)).memberGroups).toEqual([await groupId(tenant, WAVE0)]);
    expect(await caPolicyState(tenant, CA010)).toEqual(before);
    expect(JSON.stringify((await tenant.state()).body.methodConfigurations)).toBe(configBefore);

    // The configuration is still pending.
    const plan = await planJson(tenant);
    expect(plan.resources.find((x) => x.address === 'ConditionalAccessPolicy.require-mfa')?.action).toBe('update');
    expect(waveOf(plan, 'pilot').decision).toBe('done');
  });

  it('apply --only waves that cannot read the report and logs (no AuditLog.Read.All) holds the pilot and exits 1, naming what it could not read', async () => {
    tenant = await startTestTenant();
    const target = await groupId(tenant, TARGET);
    // The apply app without AuditLog.Read.All: both logs answer 403.
    const roles = leastPrivilegedSet(selectCommands('apply'), { hasRollout: true }).filter((r) => r !== 'AuditLog.Read.All');
    const token = ((await tenant.control('POST', '/auth', { roles })) as { accessToken: string }).accessToken;
    await tenant.control('POST', '/reset-log');

    const r = await runCli(['apply', '-c', 'policies', '--only', 'waves', '--auto-approve'], { env: { ...tenant.env, ENTRA_ROLLOUT_TOKEN: token } });
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^error: mfa-enforcement\/pilot held: the registration report, the directory audit log and the sign-in logs could not be read$/m);
    expect(r.stderr).toMatch(/^the sign-in logs: Graph GET \/auditLogs\/signIns.* 403 .*request-id [0-9a-f-]{36}/m);
    expect(r.stdout).not.toMatch(/^promoted /m);
    expect(await tenant.writes()).toEqual([]);
    expect((await groupState(tenant, target)).memberGroups).toEqual([]);
  });

  it('apply --only config writes the configuration and promotes no wave', async () => {
    tenant = await startTestTenant();
    const target = await groupId(tenant, TARGET);
    await tenant.control('POST', '/reset-log');

    const r = await applyCli(tenant, ['--only', 'config']);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('updated ConditionalAccessPolicy.require-mfa');
    expect(r.stdout).not.toMatch(/^promoted /m);
    expect(r.stdout).not.toContain('Waves:'); // not even read
    expect(r.stdout).toContain('0 wave(s) promoted');
    const writes = await tenant.writes();
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((w) => w.path.startsWith('/groups'))).toEqual([]);
    expect((await groupState(tenant, target)).memberGroups).toEqual([]);
    expect((await caPolicyState(tenant, CA010)).state).toBe('enabled');

    // Nothing of the configuration is left; the pilot still waits for an apply of the waves.
    const plan = await planJson(tenant);
    expect(plan.resources.filter((x) => x.action !== 'noop')).toEqual([]);
    expect(waveOf(plan, 'pilot').decision).toBe('promote');
  });
});
