// Issue 14.5 and 14.7 through the built CLI on the emulator's `seeds` tenant: `waves status` exits 0
// while waves are only held (readiness below threshold), and 1 when a widened wave regresses.
import { afterEach, describe, expect, it } from 'vitest';
import { SEEDS_USERS } from '../../src/emulator/index.js';
import type { WavesStatusReport } from '../../src/render/wavesStatus.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { advanceClock, applyCli } from '../helpers/waves.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

describe('waves status exit codes (seeds tenant)', { timeout: 120_000 }, () => {
  it('a held-but-healthy rollout exits 0; a widened wave whose readiness regresses is listed under "Needs attention" and exits 1', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const applied = await applyCli(tenant);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^promoted mfa-enforcement\/pilot/m);
    // Past the soak and the sign-in window: early is held by readiness only.
    await advanceClock(tenant, { days: 4 });
    const held = await runCli(['waves', 'status', '--format', 'json'], { env: tenant.env });
    expect(held.stderr).not.toMatch(STACK_TRACE);
    const report = JSON.parse(held.stdout) as WavesStatusReport;
    expect(report.rollouts[0]!.waves.map((w) => w.decision)).toEqual(['done', 'hold', 'blocked']);
    expect(report.problems).toEqual([]);
    expect(report.holds).toEqual([expect.stringMatching(/^mfa-enforcement\/early: held: mfaCapable failed: /)]);
    expect(held.code).toBe(0);

    // Isaiah (pilot, enforced) loses every strong method: the pilot, already widened, falls below 100 %.
    const methods = (await tenant.graph('GET', `/users/${SEEDS_USERS.admin}/authentication/methods`)).body as { value: Array<{ id: string; '@odata.type': string }> };
    const collections: Record<string, string> = { '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod': 'microsoftAuthenticatorMethods', '#microsoft.graph.fido2AuthenticationMethod': 'fido2Methods' };
    for (const m of methods.value) {
      const c = collections[m['@odata.type']];
      if (c) expect((await tenant.graph('DELETE', `/users/${SEEDS_USERS.admin}/authentication/${c}/${m.id}`)).status).toBe(204);
    }
    await advanceClock(tenant, { hours: 1 });
    const regressed = await runCli(['waves', 'status'], { env: tenant.env });
    expect(regressed.stderr).not.toMatch(STACK_TRACE);
    expect(regressed.stdout).toMatch(/^Needs attention:\n {2}- mfa-enforcement\/pilot: widened, but readiness regressed: 2\/3 users MFA capable/m);
    expect(regressed.stdout).not.toContain('No failing gates.');
    expect(regressed.code).toBe(1);
  });
});
