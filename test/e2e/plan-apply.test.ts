// plan → apply → plan on the emulator, through the built CLI over real HTTP.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanFile } from '../../src/plan/types.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});
const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-e2e-'));

describe('plan and apply against the emulator', () => {
  it('plans creates and updates for the demo tenant, and names changes by group name', async () => {
    tenant = await startTestTenant();
    const out = path.join(tmp(), 'p.json');
    const result = await runCli(['plan', '--out', out, '--format', 'json', '--detailed-exitcode'], { env: tenant.env });
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.code).toBe(2);
    const plan = JSON.parse(readFileSync(out, 'utf8')) as PlanFile;
    expect(JSON.parse(result.stdout)).toEqual(plan);
    const actions = Object.fromEntries(plan.resources.map((r) => [r.address, r.action]));
    expect(actions['ConditionalAccessPolicy.block-legacy-auth']).toBe('create');
    expect(actions['ConditionalAccessPolicy.require-mfa']).toBe('update');
    expect(actions['ConditionalAccessPolicy.admins-require-mfa']).toBe('noop');
    const created = plan.resources.find((r) => r.address === 'ConditionalAccessPolicy.block-legacy-auth')!;
    expect(JSON.stringify(created.changes)).toContain('All Staff');
    expect(plan.diagnostics.map((d) => d.code)).toContain('WR133'); // the unmanaged CA099 lacks the emergency exclusions
  });

  it('refuses a stale plan before any write, then applies idempotently', async () => {
    tenant = await startTestTenant();
    const dir = tmp();
    const planPath = path.join(dir, 'p.json');
    expect((await runCli(['plan', '--out', planPath], { env: tenant.env })).code).toBe(0);
    const plan = JSON.parse(readFileSync(planPath, 'utf8')) as PlanFile;
    const ca = plan.resources.find((r) => r.address === 'ConditionalAccessPolicy.require-mfa')!;

    // Someone edits the policy in the portal between plan and apply.
    const edited = await tenant.graph('PATCH', `/identity/conditionalAccess/policies/${ca.graphId}`, { state: 'disabled' });
    expect(edited.status).toBe(204);
    const stateBefore = await tenant.state();
    await tenant.control('POST', '/reset-log');
    const stale = await runCli(['apply', planPath], { env: tenant.env });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^error: plan is stale: ConditionalAccessPolicy\.require-mfa \(CA010 - Require MFA for rollout waves\) changed in the tenant/m);
    expect(await tenant.writes()).toEqual([]);
    expect((await tenant.state()).hash).toBe(stateBefore.hash);

    // A fresh plan applies; afterwards nothing is left to do and a second apply writes nothing.
    const applied = await runCli(['apply', '--auto-approve'], { env: tenant.env });
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('created ConditionalAccessPolicy.block-legacy-auth');
    const again = await runCli(['plan', '--detailed-exitcode'], { env: tenant.env });
    expect(again.code).toBe(0);
    await tenant.control('POST', '/reset-log');
    const second = await runCli(['apply', '--auto-approve'], { env: tenant.env });
    expect(second.code).toBe(0);
    expect(await tenant.writes()).toEqual([]);
  });

  it('refuses to apply without confirmation in a non-interactive shell', async () => {
    tenant = await startTestTenant();
    await tenant.control('POST', '/reset-log');
    const result = await runCli(['apply'], { env: tenant.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('refusing to apply without confirmation in a non-interactive shell');
    expect(await tenant.writes()).toEqual([]);
  });

  it('reaches the same tenant state under injected 429s and 503s as without faults', async () => {
    const clean = await startTestTenant({ seed: 7 });
    try {
      expect((await runCli(['apply', '--auto-approve'], { env: clean.env })).code).toBe(0);
      tenant = await startTestTenant({ faults: '429:0.1,503:0.03', seed: 7 });
      const faulty = await runCli(['apply', '--auto-approve'], { env: tenant.env });
      expect(faulty.stderr).toBe('');
      expect(faulty.code).toBe(0);
      const summary = (await tenant.control('GET', '/requests')) as { faults: number };
      expect(summary.faults).toBeGreaterThan(0);
      expect(await tenant.comparableState()).toBe(await clean.comparableState());
    } finally {
      await clean.close();
    }
  });

  it('an unresolved group is an error naming file and line, and nothing is planned', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const result = await runCli(['plan', '-c', 'test/fixtures/plan/unknown-group'], { env: tenant.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^test\/fixtures\/plan\/unknown-group\/rollout\.yaml:\d+:\d+: error ER030: Rollout mfa-enforcement: group "MFA Wave 9 - Nobody" does not exist in the tenant$/m);
    expect(result.stdout).toBe('');
  });
});
