import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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

    expect((await runCli(['validate', '-c', out])).code).toBe(0);
    const plan = await runCli(['plan', '-c', out, '--detailed-exitcode', '--format', 'json'], { env: tenant.env });
    expect(plan.code).toBe(0);
    const parsed = JSON.parse(plan.stdout) as { resources: Array<{ address: string; action: string }> };
    expect(parsed.resources.length).toBeGreaterThanOrEqual(6);
    expect(parsed.resources.filter((r) => r.action !== 'noop')).toEqual([]);
  });

  it('refuses to overwrite existing files', async () => {
    tenant = await startTestTenant();
    const result = await runCli(['export', '--out', 'policies', '--tenant-id', '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61'], { env: tenant.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: refusing to overwrite policies\/tenant\.yaml/);
  });
});
