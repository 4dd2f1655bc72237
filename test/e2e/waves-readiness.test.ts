// Issues 13.3, 13.10, 14.3, 14.4 through the built CLI on the emulator's `seeds` tenant:
// - disabled accounts are listed beside the share and left out of the denominator;
// - an Authenticator registration whose completion only the "Azure MFA" service logged is ready;
// - the sign-in health gate ignores an MFA challenge followed by a success and counts a failed MFA
//   (500121), so one of three enforced users fails it.
import { afterEach, describe, expect, it } from 'vitest';
import { SEEDS_USERS } from '../../src/emulator/index.js';
import type { WaveStatus } from '../../src/waves/index.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { advanceClock, applyCli, seedPilotSignInFailure, gateOf, groupId, planJson, transitiveUserIds, waveOf } from '../helpers/waves.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

async function userId(t: TestTenant, upn: string): Promise<string> {
  const r = await t.graph('GET', `/users/${upn}?$select=id`);
  return String((r.body as { id: string }).id);
}

describe('waves status: disabled accounts, audit services and sign-in health (seeds tenant)', () => {
  it('lists disabled members beside the share, counts an "Azure MFA" completion as ready, and fails health only on an MFA failure', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const early = await transitiveUserIds(tenant, await groupId(tenant, 'MFA Wave 1 - Early adopters'));
    const lee = await userId(tenant, SEEDS_USERS.disabledEarly);
    const johanna = await userId(tenant, SEEDS_USERS.azureMfaCompleted);
    expect(early).toEqual(expect.arrayContaining([lee, johanna]));

    const plan = await planJson(tenant);
    const w = waveOf(plan, 'early') as WaveStatus;
    // Lee is disabled: listed, not counted (members excludes her, the plan keeps the count).
    expect(w.disabled).toBe(1);
    expect(w.disabledUsers).toEqual([SEEDS_USERS.disabledEarly]);
    expect(w.members).toBe(early.length - 1);
    // Adele's abandoned registration is the only unverified one: Johanna's completion is in the
    // "Azure MFA" service's log, which the audit query now reads too.
    expect(w.notReady.byReason.unverifiedAuthenticator).toBe(1);
    expect(w.notReady.byReason.disabled).toBeUndefined();
    // Grady's successful MFA sign-in (after a 50074 challenge) proves him.
    expect(w.readyBy?.mfaSignIn).toBeGreaterThanOrEqual(1);

    const status = await runCli(['waves', 'status', '-c', 'policies'], { env: tenant.env });
    expect(status.stderr).not.toMatch(STACK_TRACE);
    expect(status.stdout).toMatch(/^\s+early\s.*\d+\.\d%, 1 disabled/m);
    expect(status.stdout).toContain('Disabled accounts (listed, not counted):');
    expect(status.stdout).toContain(`early: 1 (${SEEDS_USERS.disabledEarly})`);

    // Promote the pilot (3 users), then an hour later: Alex meets an MFA challenge and completes it
    // 40 s later, Isaiah's MFA fails (500121) and nothing follows.
    const applied = await applyCli(tenant);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^promoted mfa-enforcement\/pilot/m);
    await advanceClock(tenant, { hours: 1 });
    await seedPilotSignInFailure(tenant);
    const after = await runCli(['waves', 'status', '-c', 'policies', '--format', 'json'], { env: tenant.env });
    expect(after.stderr).not.toMatch(STACK_TRACE);
    const report = JSON.parse(after.stdout) as { rollouts: { waves: WaveStatus[] }[]; problems: string[] };
    const next = report.rollouts[0]!.waves.find((x) => x.wave === 'early')!;
    expect(gateOf(next, 'signInHealth')).toMatchObject({ status: 'fail', value: 33.3, threshold: 2 });
    expect(gateOf(next, 'signInHealth').message).toContain('1/3 enforced users');
    expect(gateOf(next, 'signInHealth').message).toContain('500121 AuthenticationFailedDuringStrongAuthRequest');
    expect(after.code).toBe(1);
    const text = await runCli(['waves', 'status', '-c', 'policies'], { env: tenant.env });
    expect(text.stdout).toContain('signInHealth failed: 1/3 enforced users (33.3%)');
  });
});
