// Issue 14.1 and 14.2 through the built CLI on the emulator's `seeds` tenant: `waves users` names the
// not-ready users of a wave with the reason and its evidence (the gate's own verdict), and the bulk
// commands act on exactly that selection (--wave W --reason R…, or --from-file of its CSV).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { SEEDS_USERS } from '../../src/emulator/index.js';
import type { WavesStatusReport } from '../../src/render/wavesStatus.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { advanceClock, applyCli, seedPilotSignInFailure } from '../helpers/waves.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});
const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-wave-users-'));

async function userId(t: TestTenant, upn: string): Promise<string> {
  return ((await t.graph('GET', `/users/${upn}?$select=id`)).body as { id: string }).id;
}
function csvRows(text: string): string[][] {
  return parse(text) as string[][];
}

describe('waves users (seeds tenant)', { timeout: 120_000 }, () => {
  it('lists exactly the seeded unverified Authenticator for --reason, and reset-methods resets exactly that user', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const listed = await runCli(['waves', 'users', '--wave', 'early', '--reason', 'unverifiedAuthenticator', '--format', 'csv'], { env: tenant.env });
    expect(listed.stderr).not.toMatch(STACK_TRACE);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = csvRows(listed.stdout);
    expect(rows[0]).toEqual(['userPrincipalName', 'displayName', 'rollout', 'wave', 'status', 'reason', 'evidence', 'lastSignIn', 'id']);
    expect(rows.slice(1).map((r) => r[0])).toEqual([SEEDS_USERS.unverifiedAuthenticator]);
    const adele = rows[1]!;
    expect(adele.slice(1, 6)).toEqual(['Adele Vance', 'mfa-enforcement', 'early', 'notReady', 'unverifiedAuthenticator']);
    expect(adele[6]).toMatch(/^Authenticator registration started \S+Z, never completed$/);
    expect(adele[8]).toBe(await userId(tenant, SEEDS_USERS.unverifiedAuthenticator));

    // Dry run first: nothing written, the one user named.
    const dir = tmp();
    const base = ['users', 'reset-methods', '--wave', 'early', '--reason', 'unverifiedAuthenticator', '--methods', 'authenticator'];
    await tenant.control('POST', '/reset-log');
    const dry = await runCli([...base, '--journal', path.join(dir, 'dry.j')], { env: tenant.env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('selected 1 user(s) of wave early not ready for unverifiedAuthenticator');
    expect((await tenant.writes()).filter((w) => w.path !== '/$batch')).toEqual([]);

    const reset = await runCli([...base, '--yes', '--journal', path.join(dir, 'reset.j')], { env: tenant.env });
    expect(reset.stderr).not.toMatch(STACK_TRACE);
    expect(reset.code, reset.stderr).toBe(0);
    const writes = (await tenant.control('GET', '/requests')) as { writes: Array<{ method: string; path: string; outcome: string }> };
    const applied = writes.writes.filter((w) => w.path !== '/$batch' && w.outcome === 'applied');
    const id = adele[8]!;
    expect(applied.length).toBeGreaterThan(0);
    for (const w of applied) {
      expect(w.method).toBe('DELETE');
      expect(decodeURIComponent(w.path).toLowerCase()).toMatch(new RegExp(`^/users/(${id}|${SEEDS_USERS.unverifiedAuthenticator.replace(/\./g, '\\.')})/authentication/microsoftauthenticatormethods/`));
    }
  });

  it('lists every not-ready user of the gate with evidence, disabled ones apart; --all adds the ready ones with their proof', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const status = JSON.parse((await runCli(['waves', 'status', '--format', 'json'], { env: tenant.env })).stdout) as WavesStatusReport;
    const early = status.rollouts[0]!.waves.find((w) => w.wave === 'early')!;

    const json = await runCli(['waves', 'users', '--wave', 'early', '--format', 'json'], { env: tenant.env });
    expect(json.code, json.stderr).toBe(0);
    const users = (JSON.parse(json.stdout) as { users: Array<{ userPrincipalName: string; ready: boolean; reason?: string; proof?: string; evidence: string }> }).users;
    const counted = users.filter((u) => u.reason !== 'disabled');
    // The same users as the gate counts, reason by reason.
    expect(counted).toHaveLength(early.notReady.count);
    const byReason: Record<string, number> = {};
    for (const u of counted) byReason[u.reason!] = (byReason[u.reason!] ?? 0) + 1;
    expect(byReason).toEqual(early.notReady.byReason);
    expect(users.filter((u) => u.reason === 'disabled').map((u) => u.userPrincipalName)).toEqual([SEEDS_USERS.disabledEarly]);
    expect(users.every((u) => u.evidence.length > 0)).toBe(true);
    expect(users.find((u) => u.userPrincipalName === SEEDS_USERS.nothing)).toMatchObject({ reason: 'noMethod', evidence: expect.stringContaining('isMfaRegistered false') });

    const all = await runCli(['waves', 'users', '--wave', 'early', '--all', '--format', 'json'], { env: tenant.env });
    const everyone = (JSON.parse(all.stdout) as { users: Array<{ userPrincipalName: string; ready: boolean; proof?: string; evidence: string; lastSignIn?: string }> }).users;
    expect(everyone.filter((u) => u.ready)).toHaveLength(early.mfaCapable);
    // Grady's successful MFA sign-in proves him, and the evidence names it.
    expect(everyone.find((u) => u.userPrincipalName === SEEDS_USERS.nestedOnly)).toMatchObject({ ready: true, proof: 'mfaSignIn', evidence: expect.stringContaining('successful MFA sign-in'), lastSignIn: expect.stringMatching(/Z$/) });

    const text = await runCli(['waves', 'users', '--wave', 'early', '--reason', 'noMethod,unverifiedAuthenticator'], { env: tenant.env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^mfa-enforcement\/early: \d+ not ready$/m);
    expect(text.stdout).toContain(`${SEEDS_USERS.unverifiedAuthenticator} (Adele Vance)  unverifiedAuthenticator`);
    expect(text.stdout).not.toContain(SEEDS_USERS.disabledEarly);

    const bad = await runCli(['waves', 'users', '--reason', 'sleepy'], { env: tenant.env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown reason "sleepy" in --reason \(known: noMethod, /);
  });

  it('revoke-sessions --from-file takes the CSV that waves users wrote; --wave without a reason is refused', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const dir = tmp();
    const csv = path.join(dir, 'users.csv');
    const listed = await runCli(['waves', 'users', '--wave', 'early', '--reason', 'noMethod', '--format', 'csv'], { env: tenant.env });
    writeFileSync(csv, listed.stdout);
    const upns = csvRows(listed.stdout).slice(1).map((r) => r[0]!);
    expect(upns).toContain(SEEDS_USERS.nothing);
    await tenant.control('POST', '/reset-log');
    const run = await runCli(['users', 'revoke-sessions', '--from-file', csv, '--yes', '--journal', path.join(dir, 'r.j')], { env: tenant.env });
    expect(run.code, run.stderr).toBe(0);
    const posts = ((await tenant.control('GET', '/requests')) as { writes: Array<{ method: string; path: string; outcome: string }> }).writes.filter((w) => w.path.endsWith('/revokeSignInSessions'));
    expect(posts).toHaveLength(upns.length);

    const noReason = await runCli(['users', 'revoke-sessions', '--wave', 'early'], { env: tenant.env });
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toContain('--wave needs --reason R… or --not-ready');
  });

  it('names the enforced users the sign-in health gate counts as failing', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const applied = await applyCli(tenant);
    expect(applied.code, applied.stderr).toBe(0);
    await advanceClock(tenant, { hours: 1 });
    await seedPilotSignInFailure(tenant);
    const status = JSON.parse((await runCli(['waves', 'status', '--format', 'json'], { env: tenant.env })).stdout) as WavesStatusReport;
    expect(status.problems[0]).toContain('signInHealth failed: 1/3 enforced users');
    const json = await runCli(['waves', 'users', '--wave', 'early', '--format', 'json'], { env: tenant.env });
    expect(json.code, json.stderr).toBe(0);
    const failures = (JSON.parse(json.stdout) as { signInFailures: Array<{ userPrincipalName: string; lastErrorCode: number }> }).signInFailures;
    // Exactly the one user the gate counts: Alex's challenge was followed by a success.
    expect(failures).toEqual([expect.objectContaining({ userPrincipalName: SEEDS_USERS.admin, lastErrorCode: 500121 })]);
    const text = await runCli(['waves', 'users', '--wave', 'early'], { env: tenant.env });
    expect(text.stdout).toMatch(new RegExp(`^Sign-in health: 1 enforced user\\(s\\) .*\\n {2}${SEEDS_USERS.admin.replace(/\./g, '\\.')} \\(Isaiah Langer\\) {2}500121 `, 'm'));
  });
});
