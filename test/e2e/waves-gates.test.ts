// Issue 5, acceptance 2-4: the readiness gates on the emulator, through the built CLI.
// - an abandoned Authenticator registration is `unverifiedAuthenticator`, not ready (seeds tenant);
// - MFA interrupts among enforced users hold the next wave (signInHealth), even from a saved plan;
// - readiness data the report has not caught up with makes freshness inconclusive and holds;
// - a widened wave whose audit event is gone makes the next soak inconclusive until widenedAt is declared.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SEEDS_USERS } from '../../src/emulator/index.js';
import type { PlanFile } from '../../src/plan/types.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import {
  advanceClock,
  applyCli,
  gateOf,
  gateStatuses,
  groupId,
  groupState,
  membersByReport,
  planJson,
  registerAuthenticator,
  transitiveUserIds,
  waveOf,
} from '../helpers/waves.js';

const TARGET = 'CA010 - MFA enforced';
const WAVE0 = 'MFA Wave 0 - IT';
const WAVE1 = 'MFA Wave 1 - Early adopters';
const ALL_PASS = { mfaCapable: 'pass', soak: 'pass', signInHealth: 'pass', freshness: 'pass', maxNewUsersPerApply: 'pass' };

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

/**
 * Demo tenant where the pilot is widened by an apply, enough early adopters registered to pass
 * 95 %, and the clock moved past the 72 h soak: the early wave is due for promotion.
 */
async function earlyWaveDue(t: TestTenant): Promise<{ pilotUsers: string[]; earlyUsers: string[] }> {
  const applied = await applyCli(t);
  expect(applied.code, applied.stderr).toBe(0);
  expect(applied.stdout).toMatch(/^promoted mfa-enforcement\/pilot: 1 written/m);
  const early = await membersByReport(t, WAVE1);
  const needed = Math.ceil(0.95 * early.members.length) - early.capable.length;
  await registerAuthenticator(t, early.notCapable.slice(0, needed));
  await advanceClock(t, { hours: 72, minutes: 5 });
  const due = waveOf(await planJson(t), 'early');
  expect(gateStatuses(due)).toEqual(ALL_PASS);
  expect(due.decision).toBe('promote');
  return { pilotUsers: await transitiveUserIds(t, await groupId(t, WAVE0)), earlyUsers: early.members };
}

describe('waves: readiness of an abandoned Authenticator registration (seeds tenant)', () => {
  it('reports the user unverifiedAuthenticator and not ready although her methods list an Authenticator', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const adele = SEEDS_USERS.unverifiedAuthenticator;

    // What Graph shows for her: an Authenticator in the methods list, registered in the report.
    const methods = await tenant.graph('GET', `/users/${adele}/authentication/methods`);
    expect(methods.status).toBe(200);
    const types = (methods.body as { value: Array<Record<string, unknown>> }).value.map((m) => m['@odata.type']);
    expect(types).toContain('#microsoft.graph.microsoftAuthenticatorAuthenticationMethod');
    const row = (await tenant.graph('GET', `/reports/authenticationMethods/userRegistrationDetails/${adele}`)).body as Record<string, unknown>;
    expect(row).toMatchObject({ isMfaRegistered: true, methodsRegistered: expect.arrayContaining(['microsoftAuthenticatorPush']) });
    const adeleId = String(row.id);

    // A wave of her alone, before the early adopters (whose group also contains her).
    const created = await tenant.graph('POST', '/groups', { displayName: 'MFA Wave 1a - Unverified', mailEnabled: false, mailNickname: 'wave1a', securityEnabled: true });
    expect(created.status).toBe(201);
    const wave = String((created.body as { id: string }).id);
    const added = await tenant.graph('POST', `/groups/${wave}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${adeleId}` });
    expect(added.status).toBe(204);
    expect(await transitiveUserIds(tenant, await groupId(tenant, WAVE1))).toContain(adeleId);

    const plan = await planJson(tenant, 'test/fixtures/waves/seeds-unverified');
    const unverified = waveOf(plan, 'unverified');
    expect(unverified).toMatchObject({ members: 1, mfaCapable: 0, notReady: { count: 1, byReason: { unverifiedAuthenticator: 1 } } });
    expect(gateOf(unverified, 'mfaCapable')).toMatchObject({ status: 'fail', value: 0 });
    expect(gateOf(unverified, 'mfaCapable').message).toContain('not ready: unverifiedAuthenticator 1');
    // Counted once, in the first wave that contains her: the early adopters have no such user left.
    const early = waveOf(plan, 'early');
    expect(early.notReady.byReason.unverifiedAuthenticator).toBeUndefined();
    // (and the seeded disabled early adopter is listed, not counted)
    expect(early.disabled).toBe(1);
    expect(early.members).toBe((await transitiveUserIds(tenant, await groupId(tenant, WAVE1))).length - 1 - 1);

    // Once she finishes the registration (verification included), she is ready.
    await registerAuthenticator(tenant, [adeleId]);
    const after = waveOf(await planJson(tenant, 'test/fixtures/waves/seeds-unverified'), 'unverified');
    expect(after).toMatchObject({ members: 1, mfaCapable: 1, notReady: { count: 0, byReason: {} } });
  });
});

describe('waves: sign-in health and freshness hold the next wave (demo tenant)', () => {
  it('MFA interrupts among enforced users above maxPercent fail signInHealth and hold the wave, also for a plan saved before them', async () => {
    tenant = await startTestTenant();
    const { pilotUsers, earlyUsers } = await earlyWaveDue(tenant);
    expect(pilotUsers.length).toBe(40);

    // Interrupts for users not enforced yet do not count against the enforced population.
    const notEnforced = earlyUsers.filter((u) => !pilotUsers.includes(u)).slice(0, 3);
    for (const userId of notEnforced) await tenant.control('POST', '/signins', { userId, errorCode: 50074, count: 2 });
    const planFile = path.join(mkdtempSync(path.join(tmpdir(), 'entra-rollout-waves-')), 'plan.json');
    const saved = await runCli(['plan', '--out', planFile], { env: tenant.env });
    expect(saved.code, saved.stderr).toBe(0);
    expect(waveOf(JSON.parse(readFileSync(planFile, 'utf8')) as PlanFile, 'early').decision).toBe('promote');

    // Then two of the 40 enforced users (5 % > 2 %) hit "MFA required" interrupts.
    await tenant.control('POST', '/signins', { userId: pilotUsers[0], errorCode: 50074, count: 3, minutesAgo: 30 });
    await tenant.control('POST', '/signins', { userId: pilotUsers[1], errorCode: 50076, minutesAgo: 90 });
    const held = waveOf(await planJson(tenant), 'early');
    expect(gateOf(held, 'signInHealth')).toMatchObject({ status: 'fail', value: 5, threshold: 2 });
    expect(gateOf(held, 'signInHealth').message).toContain('2/40 enforced users');
    expect(gateStatuses(held)).toEqual({ ...ALL_PASS, signInHealth: 'fail' });
    expect(held.decision).toBe('hold');

    // The plan saved before the interrupts still says promote: apply re-checks the gates and refuses.
    const target = await groupId(tenant, TARGET);
    const memberGroupsBefore = (await groupState(tenant, target)).memberGroups;
    await tenant.control('POST', '/reset-log');
    const apply = await runCli(['apply', planFile], { env: tenant.env });
    expect(apply.stderr).not.toMatch(STACK_TRACE);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/^not promoted: mfa-enforcement\/early: the gates no longer pass at apply time: signInHealth fail: 2\/40 enforced users/m);
    expect(apply.stdout).not.toMatch(/^promoted /m);
    expect(await tenant.writes()).toEqual([]);
    expect((await groupState(tenant, target)).memberGroups).toEqual(memberGroupsBefore);

    // Once the interrupts are older than the 24 h window, the gate passes again.
    await advanceClock(tenant, { hours: 24 });
    const later = waveOf(await planJson(tenant), 'early');
    expect(gateOf(later, 'signInHealth')).toMatchObject({ status: 'pass', value: 0 });
    expect(later.decision).toBe('promote');
  });

  it('registrations the report has not caught up with for more than maxAgeHours make freshness inconclusive and hold', async () => {
    tenant = await startTestTenant();
    const { earlyUsers } = await earlyWaveDue(tenant);

    // The report stops refreshing; a user registers a phone (the audit log records it at once).
    await tenant.control('POST', '/report', { refresh: 'paused' });
    const someone = (await membersByReport(tenant, WAVE1)).capable.find((u) => earlyUsers.includes(u))!;
    await tenant.control('POST', `/users/${someone}/register`, { methods: ['mobilePhone'] });

    // Within the 24 h the data is still fresh enough ...
    await advanceClock(tenant, { hours: 23 });
    const recent = waveOf(await planJson(tenant), 'early');
    expect(gateOf(recent, 'freshness').status).toBe('pass');
    expect(gateOf(recent, 'freshness').value).toBeGreaterThanOrEqual(23);
    expect(recent.decision).toBe('promote');

    // ... past it, the report is known to be behind by more than maxAgeHours: inconclusive, hold.
    await advanceClock(tenant, { hours: 2 });
    const stale = waveOf(await planJson(tenant), 'early');
    const freshness = gateOf(stale, 'freshness');
    expect(freshness.status).toBe('inconclusive');
    expect(freshness.threshold).toBe(24);
    expect(freshness.value).toBeGreaterThanOrEqual(25);
    expect(freshness.value).toBeLessThan(26);
    expect(freshness.message).toMatch(/readiness data is [\d.]+ h old, older than 24 h/);
    expect(gateStatuses(stale)).toEqual({ ...ALL_PASS, freshness: 'inconclusive' });
    expect(stale.decision).toBe('hold');
    const apply = await applyCli(tenant);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).not.toMatch(/^promoted /m);

    // The report catches up: fresh again, and the wave is promoted.
    await tenant.control('POST', '/report', { refresh: 'live' });
    const fresh = waveOf(await planJson(tenant), 'early');
    expect(gateOf(fresh, 'freshness')).toMatchObject({ status: 'pass', value: 0 });
    expect(fresh.decision).toBe('promote');
  });
});

describe('waves: widening time from the audit log, or declared', () => {
  it('a widened wave without its audit event makes the next soak inconclusive; widenedAt in the Rollout resolves it', async () => {
    tenant = await startTestTenant();
    const applied = await applyCli(tenant);
    expect(applied.code, applied.stderr).toBe(0);
    const target = await groupId(tenant, TARGET);
    expect((await groupState(tenant, target)).memberGroups).toEqual([await groupId(tenant, WAVE0)]);

    // With the event in the log, it wins over a declared time: minutes of soak, not 96 h.
    const withEvent = waveOf(await planJson(tenant, 'test/fixtures/waves/widened-at'), 'early');
    expect(gateOf(withEvent, 'soak')).toMatchObject({ status: 'fail', threshold: 72 });
    expect(gateOf(withEvent, 'soak').message).toContain('(audit log)');

    // The event leaves the log (older than 30 days in a real tenant).
    const removed = (await tenant.control('POST', '/audits/remove', { activityDisplayName: 'Add member to group', targetId: target })) as { removed: number };
    expect(removed.removed).toBeGreaterThanOrEqual(1);
    const afterRemoval = await planJson(tenant);
    expect(waveOf(afterRemoval, 'pilot').decision).toBe('done');
    const unknown = waveOf(afterRemoval, 'early');
    const soak = gateOf(unknown, 'soak');
    expect(soak).toMatchObject({ status: 'inconclusive', value: null, threshold: 72 });
    expect(soak.message).toContain('previous wave pilot is widened but when is unknown');
    expect(soak.message).toContain('declare widenedAt on wave pilot');
    expect(unknown.decision).toBe('hold');

    // Declared in the Rollout (96 h before the emulator's clock start): the soak is measured from it.
    const declared = waveOf(await planJson(tenant, 'test/fixtures/waves/widened-at'), 'early');
    const declaredSoak = gateOf(declared, 'soak');
    expect(declaredSoak.status).toBe('pass');
    expect(declaredSoak.value).toBeGreaterThanOrEqual(96);
    expect(declaredSoak.value).toBeLessThan(97);
    expect(declaredSoak.message).toContain('since wave pilot was widened (declared widenedAt)');
  });
});
