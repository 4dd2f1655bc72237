import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { leastPrivilegedSet, selectCommands } from '../../src/permissions.js';
import { runCli } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

describe('export round trip', () => {
  it.each(['demo', 'seeds'] as const)('%s: export, then plan shows no changes', async (scenario) => {
    tenant = await startTestTenant({ scenario });
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'entra-rollout-export-')), 'adopted');
    const exported = await runCli(['export', '--out', out, '--tenant-id', '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61'], { env: tenant.env });
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['conditional-access.yaml', 'methods.yaml', 'tenant.yaml']);
    const ca = readFileSync(path.join(out, 'conditional-access.yaml'), 'utf8');
    expect(ca).toContain('- Emergency Access'); // ids written back as names
    expect(ca).toContain('CA099 - Legacy VPN exception'); // unmanaged policies are adopted too

    // Export never guesses the break-glass accounts: the enabled policies are refused until a person
    // declares them. Here the documented opt-out (CA099, adopted as it is, excludes nobody).
    const undeclared = await runCli(['validate', '-c', out]);
    expect(undeclared.code).toBe(1);
    expect(undeclared.stdout + undeclared.stderr).toContain('error ER027');
    appendFileSync(path.join(out, 'tenant.yaml'), '  emergencyAccess:\n    none: true\n    reason: export round trip\n');
    expect((await runCli(['validate', '-c', out])).code).toBe(0);
    const plan = await runCli(['plan', '-c', out, '--detailed-exitcode', '--format', 'json'], { env: tenant.env });
    expect(plan.code).toBe(0);
    const parsed = JSON.parse(plan.stdout) as { resources: Array<{ address: string; action: string }> };
    expect(parsed.resources.length).toBeGreaterThanOrEqual(6);
    expect(parsed.resources.filter((r) => r.action !== 'noop')).toEqual([]);
  });

  it('without --tenant-id: reads /organization; without Organization.Read.All says to pass --tenant-id; other Graph errors as they are', async () => {
    tenant = await startTestTenant();
    const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-export-'));
    const ok = await runCli(['export', '--out', path.join(dir, 'a')], { env: tenant.env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'a', 'tenant.yaml'), 'utf8')).toContain('3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61');

    // The least-privileged export app: no Organization.Read.All (nor Directory.Read.All).
    const roles = leastPrivilegedSet(selectCommands('export'));
    expect(roles).not.toContain('Organization.Read.All');
    const token = ((await tenant.control('POST', '/auth', { roles })) as { accessToken: string }).accessToken;
    const denied = await runCli(['export', '--out', path.join(dir, 'b')], { env: { ...tenant.env, ENTRA_ROLLOUT_TOKEN: token } });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^error: Graph GET \/organization.* failed: 403 .*request-id [0-9a-f-]{36}/m);
    expect(denied.stderr).toContain('grant it, or pass --tenant-id');
    const withId = await runCli(['export', '--out', path.join(dir, 'c'), '--tenant-id', '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61'], { env: { ...tenant.env, ENTRA_ROLLOUT_TOKEN: token } });
    expect(withId.code, withId.stderr).toBe(0);

    // A rejected token is not a missing permission: no advice about --tenant-id.
    await tenant.control('POST', '/auth', { roles: null, acceptedTokens: ['another-token'] });
    const rejected = await runCli(['export', '--out', path.join(dir, 'd')], { env: tenant.env });
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/^error: .*401/m);
    expect(rejected.stderr).not.toContain('--tenant-id');
  });

  it('refuses to overwrite existing files', async () => {
    tenant = await startTestTenant();
    const result = await runCli(['export', '--out', 'policies', '--tenant-id', '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61'], { env: tenant.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: refusing to overwrite policies\/tenant\.yaml/);
  });
});
