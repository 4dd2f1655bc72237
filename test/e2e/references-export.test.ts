// Issue 15 acceptance (strengths/locations/names half): `export` of the coverage tenant (two custom
// strengths, three named locations, CA policies using roles, apps, strengths and locations), then
// `plan` on the exported folder: zero changes; the exported YAML holds no GUID where a unique name
// exists (a GUID stays only with a comment saying why, or as the tenant id).
import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COVERAGE } from '../../src/emulator/scenarioCoverage.js';
import { runCli } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

const TENANT_ID = '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61';
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

describe('export of strengths, locations, roles and applications', () => {
  it('coverage: export writes names, and a plan of the exported folder changes nothing', async () => {
    tenant = await startTestTenant({ scenario: 'coverage' });
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'entra-rollout-export-refs-')), 'adopted');
    const exported = await runCli(['export', '--out', out, '--tenant-id', TENANT_ID], { env: tenant.env });
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['authentication-strengths.yaml', 'conditional-access.yaml', 'methods.yaml', 'named-locations.yaml', 'tenant.yaml']);

    const strengths = readFileSync(path.join(out, 'authentication-strengths.yaml'), 'utf8');
    expect(strengths.match(/^kind: AuthenticationStrength$/gm)).toHaveLength(2); // the custom ones only
    expect(strengths).toContain(COVERAGE.strengths.fido2Only);
    const locations = readFileSync(path.join(out, 'named-locations.yaml'), 'utf8');
    expect(locations.match(/^kind: NamedLocation$/gm)).toHaveLength(3);

    const ca = readFileSync(path.join(out, 'conditional-access.yaml'), 'utf8');
    for (const name of ['Global Administrator', 'Security Administrator', 'Office 365 Exchange Online', COVERAGE.apps.hr, COVERAGE.locations.hq, COVERAGE.locations.blockedCountries, COVERAGE.strengths.fido2Only, 'Multifactor authentication']) {
      expect(ca, name).toContain(name);
    }
    // The GUID grep: every GUID left is the tenant id or carries a comment saying why (the legacy
    // portal's appId: two service principals share its name; the two "Finance" groups).
    const files = readdirSync(out).map((f) => [f, readFileSync(path.join(out, f), 'utf8')] as const);
    const bare = files.flatMap(([f, text]) => text.split('\n').filter((line) => GUID.test(line) && !line.includes(TENANT_ID) && !/ #\s*\S/.test(line)).map((line) => `${f}: ${line}`));
    expect(bare).toEqual([]);
    expect(ca).toMatch(new RegExp(`${GUID.source} # application "${COVERAGE.apps.legacy}": 2 service principals share this name`));

    appendFileSync(path.join(out, 'tenant.yaml'), '  emergencyAccess:\n    none: true\n    reason: export round trip\n');
    const plan = await runCli(['plan', '-c', out, '--detailed-exitcode', '--format', 'json'], { env: tenant.env });
    expect(plan.code, plan.stderr).toBe(0);
    const parsed = JSON.parse(plan.stdout) as { resources: Array<{ address: string; action: string; kind: string }>; diagnostics: Array<{ code: string; severity: string }> };
    expect(parsed.resources.filter((r) => r.action !== 'noop')).toEqual([]);
    expect(parsed.resources.filter((r) => r.kind === 'AuthenticationStrength')).toHaveLength(2);
    expect(parsed.resources.filter((r) => r.kind === 'NamedLocation')).toHaveLength(3);
    expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // CA034 blocks security-info registration outside trusted locations while TAP is enabled.
    expect(parsed.diagnostics.map((d) => d.code)).toContain('WR154');
  });
});
