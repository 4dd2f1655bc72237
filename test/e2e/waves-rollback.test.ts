// waves status and waves rollback through the built CLI on the emulator: promote two waves with the
// emulator's clock and registration controls, roll back to the first, then see the rollback hold.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanFile } from '../../src/plan/types.js';
import type { WavesStatusReport } from '../../src/render/wavesStatus.js';
import { REPO_ROOT, runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { groupId, registerAuthenticator, transitiveUserIds, waveOf } from '../helpers/waves.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

async function nestedGroups(t: TestTenant, id: string): Promise<string[]> {
  const r = await t.graph('GET', `/groups/${id}/members/microsoft.graph.group?$select=id`);
  return (r.body as { value: { id: string }[] }).value.map((g) => g.id).sort();
}

const wave = (plan: PlanFile, name: string) => waveOf(plan, name);

describe('waves status and rollback', () => {
  it('promotes pilot and early, rolls back to pilot, then holds early until resumeAfter acknowledges the rollback', async () => {
    tenant = await startTestTenant();
    const env = tenant.env;
    const policies = mkdtempSync(path.join(tmpdir(), 'entra-rollout-rollback-'));
    cpSync(path.join(REPO_ROOT, 'policies'), policies, { recursive: true });
    const target = await groupId(tenant, 'CA010 - MFA enforced');
    const pilot = await groupId(tenant, 'MFA Wave 0 - IT');
    const early = await groupId(tenant, 'MFA Wave 1 - Early adopters');

    // status before anything: early fails mfaCapable while pilot is promotable, so the status fails
    const first = await runCli(['waves', 'status', '-c', policies, '--format', 'json'], { env });
    expect(first.stderr).not.toMatch(STACK_TRACE);
    const report = JSON.parse(first.stdout) as WavesStatusReport;
    expect(report.rollouts[0]!.waves.map((w) => w.decision)).toEqual(['promote', 'blocked', 'blocked']);
    expect(first.code).toBe(0); // the frontier wave (pilot) has no failing gate

    expect((await runCli(['apply', '-c', policies, '--auto-approve'], { env })).code).toBe(0);
    expect(await nestedGroups(tenant, target)).toEqual([pilot]);
    // early is the frontier now and fails mfaCapable: an expected hold (exit 0, issue 14.7), red only with --fail-on hold
    const held = await runCli(['waves', 'status', '-c', policies], { env });
    expect(held.code).toBe(0);
    expect(held.stdout).toMatch(/^Held \(expected\):\n {2}- mfa-enforcement\/early: held: mfaCapable failed: \d+\/300 users MFA capable/m);
    expect(held.stdout).not.toContain('No failing gates.');
    expect(held.stdout).toMatch(/^Nothing needs a person; 1 wave\(s\) held for expected reasons/m);
    const red = await runCli(['waves', 'status', '-c', policies, '--fail-on', 'hold'], { env });
    expect(red.code).toBe(1);

    // every early adopter registers; three days and a bit later early is promoted
    await registerAuthenticator(tenant, await transitiveUserIds(tenant, early));
    await tenant.control('POST', '/clock/advance', { hours: 73 });
    const promote = await runCli(['apply', '-c', policies, '--only', 'waves', '--auto-approve'], { env });
    expect(promote.stderr).not.toMatch(STACK_TRACE);
    expect(promote.stdout).toContain('promoted mfa-enforcement/early');
    expect(await nestedGroups(tenant, target)).toEqual([pilot, early].sort());

    // rollback needs confirmation without a TTY, then takes out exactly the later waves
    await tenant.control('POST', '/reset-log');
    const refused = await runCli(['waves', 'rollback', '--to', 'pilot', '-c', policies], { env });
    expect(refused.code).toBe(1);
    expect(await tenant.writes()).toEqual([]);
    const rollback = await runCli(['waves', 'rollback', '--to', 'pilot', '-c', policies, '--auto-approve'], { env });
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toContain('rolled back mfa-enforcement/early: 1 removed');
    expect(await nestedGroups(tenant, target)).toEqual([pilot]);
    expect((await tenant.writes({ tookEffect: true })).map((w) => `${w.method} ${w.path}`)).toEqual([`DELETE /groups/${target}/members/${early}/$ref`]);

    // the audit log is the record: early is held by the rollback gate although its other gates pass
    const after = JSON.parse((await runCli(['plan', '-c', policies, '--format', 'json'], { env })).stdout) as PlanFile;
    const rolledBack = wave(after, 'early').gates.find((g) => g.gate === 'rollback')!;
    expect(wave(after, 'early').decision).toBe('hold');
    expect(rolledBack.status).toBe('fail');
    expect(wave(after, 'early').gates.filter((g) => g.status !== 'pass').map((g) => g.gate)).toEqual(['rollback']);

    // acknowledging the rollback in the Rollout lets the wave move again
    const file = path.join(policies, 'rollout.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('      group: MFA Wave 1 - Early adopters\n', `      group: MFA Wave 1 - Early adopters\n      resumeAfter: ${String(rolledBack.value)}\n`));
    const resumed = JSON.parse((await runCli(['plan', '-c', policies, '--format', 'json'], { env })).stdout) as PlanFile;
    expect(wave(resumed, 'early').decision).toBe('promote');

    // nothing later than pilot is widened any more: a second rollback writes nothing
    await tenant.control('POST', '/reset-log');
    const noop = await runCli(['waves', 'rollback', '--to', 'pilot', '-c', policies, '--auto-approve'], { env });
    expect(noop.stdout).toContain('Nothing to roll back');
    expect(await tenant.writes()).toEqual([]);
  });

  it('--to none takes the first wave out too (issue 14.8): every wave, nothing else', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const env = tenant.env;
    const target = await groupId(tenant, 'CA010 - MFA enforced');
    const pilot = await groupId(tenant, 'MFA Wave 0 - IT');
    const applied = await runCli(['apply', '--auto-approve'], { env });
    expect(applied.code, applied.stderr).toBe(0);
    expect(await nestedGroups(tenant, target)).toEqual([pilot]);

    const neither = await runCli(['waves', 'rollback', '--auto-approve'], { env });
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('--to none / --all for every wave');
    await tenant.control('POST', '/reset-log');
    const rollback = await runCli(['waves', 'rollback', '--to', 'none', '--auto-approve'], { env });
    expect(rollback.stderr).not.toMatch(STACK_TRACE);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain('Rollback of mfa-enforcement to no wave takes out: pilot (MFA Wave 0 - IT)');
    expect(await nestedGroups(tenant, target)).toEqual([]);
    expect((await tenant.writes({ tookEffect: true })).map((w) => `${w.method} ${w.path}`)).toEqual([`DELETE /groups/${target}/members/${pilot}/$ref`]);
    const again = await runCli(['waves', 'rollback', '--all', '--auto-approve'], { env });
    expect(again.stdout).toContain('Nothing to roll back: no wave is widened in rollout mfa-enforcement.');
  });
});
