// Issue 15.1 end to end: every method configuration of the v1.0 policy, set to non-default values in
// the emulator (passkey profiles, key restrictions, CBA bindings and rules, SMS sign-in targets by
// group), is exported, planned with zero changes, changed in the YAML, applied (PATCHes with
// @odata.type) and planned again with zero changes; an unknown group in a method target is ER030.
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
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

const CONFIG = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations';
const TENANT_ID = '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61';
type Plan = { resources: Array<{ address: string; action: string; changes: Array<{ path: string }>; write?: { path: string; body: Record<string, unknown> } }> };

describe('AuthenticationMethods: every method configuration', () => {
  it('export → plan is empty; an edit plans field changes, applies, and plans empty again', async () => {
    tenant = await startTestTenant({ scenario: 'demo' });
    const groupId = ((await tenant.graph('GET', `/groups?$filter=${encodeURIComponent("displayName eq 'MFA Wave 0 - IT'")}&$select=id`)).body as { value: Array<{ id: string }> }).value[0]!.id;
    const patch = async (id: string, type: string, body: Record<string, unknown>) => {
      const r = await tenant!.graph('PATCH', `${CONFIG}/${id}`, { '@odata.type': `#microsoft.graph.${type}AuthenticationMethodConfiguration`, ...body });
      expect(r.status, JSON.stringify(r.body)).toBe(204);
    };
    await patch('Sms', 'sms', { includeTargets: [{ id: groupId, targetType: 'group', isRegistrationRequired: false, isUsableForSignIn: true }] });
    await patch('Fido2', 'fido2', {
      keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'] },
      passkeyProfiles: [{ id: '00000000-0000-0000-0000-000000000001', name: 'Default passkey profile', passkeyTypes: 'deviceBound,synced', attestationEnforcement: 'disabled', keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] } }],
    });
    await patch('X509Certificate', 'x509Certificate', {
      certificateUserBindings: [{ x509CertificateField: 'PrincipalName', userProperty: 'onPremisesUserPrincipalName', priority: 1 }],
      authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateMultiFactor', rules: [{ x509CertificateRuleType: 'policyOID', identifier: '1.2.3.4', x509CertificateAuthenticationMode: 'x509CertificateMultiFactor' }] },
    });
    await patch('Email', 'email', { allowExternalIdToUseEmailOtp: 'disabled' });

    const out = path.join(mkdtempSync(path.join(tmpdir(), 'entra-rollout-methods-')), 'adopted');
    const exported = await runCli(['export', '--out', out, '--tenant-id', TENANT_ID], { env: tenant.env });
    expect(exported.code, exported.stderr).toBe(0);
    appendFileSync(path.join(out, 'tenant.yaml'), '  emergencyAccess:\n    none: true\n    reason: methods round trip\n');
    const yaml = readFileSync(path.join(out, 'methods.yaml'), 'utf8');
    for (const key of ['sms:', 'voice:', 'fido2:', 'softwareOath:', 'email:', 'x509Certificate:', 'policyMigrationState: migrationComplete']) expect(yaml).toContain(`\n  ${key}`);
    expect(yaml).toContain('- group: MFA Wave 0 - IT'); // the SMS sign-in target, by name
    expect(yaml).not.toContain(groupId);

    const planJson = async (): Promise<Plan> => {
      const r = await runCli(['plan', '-c', out, '--format', 'json'], { env: tenant!.env });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Plan;
    };
    const first = await planJson();
    const methods = first.resources.filter((r) => r.address.startsWith('AuthenticationMethods.'));
    expect(methods.map((r) => r.address.split('.').pop())).toEqual(['microsoftAuthenticator', 'temporaryAccessPass', 'registrationCampaign', 'sms', 'voice', 'fido2', 'softwareOath', 'email', 'x509Certificate', 'policyMigrationState']);
    expect(first.resources.filter((r) => r.action !== 'noop')).toEqual([]);

    // Edit: FIDO2 key restrictions (one nested field), Voice on with office phones, SMS sign-in to all users.
    writeFileSync(
      path.join(out, 'methods.yaml'),
      yaml
        .replace(/(\n  voice:\n    state:) disabled/, '$1 enabled')
        .replace(/(\n    isOfficePhoneAllowed:) false/, '$1 true')
        .replace(/(\n    keyRestrictions:\n      isEnforced:) true/, '$1 false')
        .replace('- group: MFA Wave 0 - IT', '- group: all_users'),
    );
    const planFile = path.join(out, '..', 'plan.json');
    const planned = await runCli(['plan', '-c', out, '--out', planFile, '--format', 'json'], { env: tenant.env });
    expect(planned.code, planned.stderr).toBe(0);
    const changed = (JSON.parse(planned.stdout) as Plan).resources.filter((r) => r.action !== 'noop');
    expect(changed.map((r) => `${r.address.split('.').pop()}: ${r.changes.map((c) => c.path).join(', ')}`)).toEqual([
      'sms: includeTargets',
      'voice: isOfficePhoneAllowed, state',
      'fido2: keyRestrictions.isEnforced',
    ]);
    const fido2 = changed.find((r) => r.address.endsWith('.fido2'))!;
    expect(fido2.write!.path).toBe(`${CONFIG}/Fido2`);
    expect(fido2.write!.body).toMatchObject({ '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration', keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'] } });

    const applied = await runCli(['apply', planFile, '-c', out, '--auto-approve'], { env: tenant.env });
    expect(applied.code, applied.stderr).toBe(0);
    const voice = (await tenant.graph('GET', `${CONFIG}/Voice`)).body as Record<string, unknown>;
    expect(voice).toMatchObject({ state: 'enabled', isOfficePhoneAllowed: true });
    expect((await planJson()).resources.filter((r) => r.action !== 'noop')).toEqual([]);

    // A method target naming a group the tenant does not have is an error with its line, never dropped.
    writeFileSync(path.join(out, 'methods.yaml'), readFileSync(path.join(out, 'methods.yaml'), 'utf8').replace(/(\n  softwareOath:\n    state: \w+\n    includeTargets:\n      - group:) all_users/, '$1 No Such Group'));
    const missing = await runCli(['plan', '-c', out], { env: tenant.env });
    expect(missing.code).toBe(1);
    expect(missing.stdout + missing.stderr).toMatch(/methods\.yaml:\d+:\d+: error ER030: .*No Such Group/);
  });
});
