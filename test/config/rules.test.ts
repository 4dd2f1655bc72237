// Warnings and rule behaviour that the broken corpus (errors only) does not cover.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

const samples = path.resolve('policies');

/** A copy of the sample policies with `edit(fileText)` applied to one file. */
function variant(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-rules-'));
  cpSync(samples, dir, { recursive: true });
  const target = path.join(dir, file);
  writeFileSync(target, edit(readFileSync(target, 'utf8')));
  return dir;
}

function codes(dir: string): string[] {
  return loadConfig(dir).diagnostics.map((d) => `${d.severity} ${d.code}`);
}

describe('semantic warnings', () => {
  it('the sample has none', () => {
    expect(codes(samples)).toEqual([]);
  });

  it('WR101: Authenticator disabled while a rollout enforces MFA', () => {
    const dir = variant('methods.yaml', (t) => t.replace('  microsoftAuthenticator:\n    state: enabled', '  microsoftAuthenticator:\n    state: disabled'));
    expect(codes(dir)).toContain('warning WR101');
  });

  it('WR102: software OATH enabled', () => {
    const dir = variant('methods.yaml', (t) => t.replace('isSoftwareOathEnabled: false', 'isSoftwareOathEnabled: true'));
    expect(codes(dir)).toEqual(['warning WR102']);
  });

  it('WR103: TAP usable more than once', () => {
    const dir = variant('methods.yaml', (t) => t.replace('isUsableOnce: true', 'isUsableOnce: false'));
    expect(codes(dir)).toEqual(['warning WR103']);
  });

  it('WR104: a CA policy that includes All users', () => {
    const dir = variant('conditional-access.yaml', (t) => t.replace('includeGroups: [All Staff]', 'includeUsers: [All]'));
    expect(codes(dir)).toEqual(['warning WR104']);
  });

  it('WR105: target group not covered by the Authenticator include targets', () => {
    const dir = variant('methods.yaml', (t) => t.replace('      - group: all_users\n        authenticationMode: any', '      - group: Sales\n        authenticationMode: any'));
    expect(codes(dir)).toEqual(['warning WR105']);
  });

  it('WR105 is satisfied when every wave group is included', () => {
    const waves = ['MFA Wave 0 - IT', 'MFA Wave 1 - Early adopters', 'All Staff'].map((g) => `      - group: ${g}\n`).join('');
    const dir = variant('methods.yaml', (t) => t.replace('      - group: all_users\n        authenticationMode: any\n', waves));
    expect(codes(dir)).toEqual([]);
  });

  it('WR150/WR151: SMS sign-in on a disabled SMS method, office phones allowed while Voice is disabled', () => {
    const phones = (sms: string, voice: string) =>
      variant('methods.yaml', (t) => `${t.trimEnd()}\n  sms:\n    state: ${sms}\n    includeTargets: [{ group: all_users, isUsableForSignIn: true }]\n  voice:\n    state: ${voice}\n    isOfficePhoneAllowed: true\n`);
    const off = loadConfig(phones('disabled', 'disabled')).diagnostics;
    expect(off.map((d) => `${d.severity} ${d.code}`)).toEqual(['warning WR150', 'warning WR151']);
    expect(off[0]!.message).toContain('sms.includeTargets[0] (all_users) enables SMS sign-in, but SMS is disabled');
    expect(off[1]!.message).toContain('office phones cannot be called');
    expect(codes(phones('enabled', 'enabled'))).toEqual([]);
  });

  it('the schema knows every method configuration: documented enums and property names only', () => {
    const withMethods = (yaml: string) => variant('methods.yaml', (t) => `${t.trimEnd()}\n${yaml}`);
    const ok = withMethods('  email:\n    state: enabled\n    allowExternalIdToUseEmailOtp: disabled\n  fido2:\n    state: enabled\n    keyRestrictions: { isEnforced: true, enforcementType: allow, aaGuids: [cb69481e-8ff7-4039-93ec-0a2729a154a8] }\n  policyMigrationState: migrationComplete\n');
    expect(codes(ok)).toEqual([]);
    for (const bad of ['  email:\n    state: enabled\n    allowExternalIdToUseEmailOtp: sometimes\n', '  sms:\n    state: enabled\n    isOfficePhoneAllowed: true\n', '  fido2:\n    state: enabled\n    keyRestrictions: { enforcementType: deny }\n', '  x509Certificate:\n    state: enabled\n    authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: x509CertificateTripleFactor }\n', '  policyMigrationState: done\n']) {
      const found = loadConfig(withMethods(bad)).diagnostics;
      expect(found.filter((d) => d.severity === 'error').length, bad).toBeGreaterThan(0);
    }
  });

  it('WR106: Authenticator without app/location context', () => {
    const dir = variant('methods.yaml', (t) => t.replace(/displayLocationInformationRequiredState:\n\s+state: enabled/, 'displayLocationInformationRequiredState:\n        state: default'));
    expect(codes(dir)).toEqual(['warning WR106']);
  });

  it('WR107: no emergency-access accounts declared while no CA policy is enabled or report-only', () => {
    const dir = variant('tenant.yaml', (t) => t.replace(/  # Break-glass[\s\S]*$/, ''));
    for (const state of ['enabled', 'enabledForReportingButNotEnforced']) {
      const ca = path.join(dir, 'conditional-access.yaml');
      writeFileSync(ca, readFileSync(ca, 'utf8').replaceAll(`state: ${state}\n`, 'state: disabled\n'));
    }
    expect(codes(dir)).toEqual(['warning WR107']);
  });

  it('WR108: the rollout widens a policy that does not require MFA', () => {
    const dir = variant('conditional-access.yaml', (t) => t.replace('builtInControls: [mfa]', 'builtInControls: [compliantDevice]'));
    expect(codes(dir)).toEqual(['warning WR108']);
  });

  it('warnings alone keep the configuration usable', () => {
    const dir = variant('methods.yaml', (t) => t.replace('isUsableOnce: true', 'isUsableOnce: false'));
    expect(loadConfig(dir).state).toBeDefined();
  });
});

describe('rule details', () => {
  it('matches emergency exclusions case-insensitively', () => {
    const dir = variant('conditional-access.yaml', (t) => t.replaceAll('excludeGroups: [Emergency Access]', 'excludeGroups: [emergency access]'));
    expect(codes(dir)).toEqual([]);
  });

  it('a disabled policy needs no emergency exclusion', () => {
    const dir = variant('conditional-access.yaml', (t) =>
      t.replace('state: enabledForReportingButNotEnforced', 'state: disabled').replace(/(name: block-legacy-auth[\s\S]*?)      excludeGroups: \[Emergency Access\]\n/, '$1'),
    );
    expect(codes(dir)).toEqual([]);
  });

  it('reports an error for each missing exclusion, naming them', () => {
    const dir = variant('conditional-access.yaml', (t) => t.replace(/(name: block-legacy-auth[\s\S]*?)      excludeUsers: .*\n      excludeGroups: .*\n/, '$1'));
    const result = loadConfig(dir);
    const messages = result.diagnostics.map((d) => d.message);
    expect(messages).toEqual([
      'ConditionalAccessPolicy block-legacy-auth: this report-only policy does not exclude the emergency-access user breakglass1@contoso.onmicrosoft.com, user breakglass2@contoso.onmicrosoft.com, group Emergency Access: a mistake in it could lock everyone out',
    ]);
    expect(result.state).toBeUndefined();
  });

  it('ER017 leaves another spelling to plan: an exclusion by object id is not an error offline', () => {
    const id = '1b6a3e7e-0000-4000-8000-000000000001';
    const dir = variant('conditional-access.yaml', (t) => t.replaceAll('excludeGroups: [Emergency Access]', `excludeGroups: [${id}]`));
    expect(codes(dir)).toEqual([]);
  });

  it('ER017 still reports what is certainly missing: nothing else in that list could be it', () => {
    // The users list still names breakglass1 only: breakglass2 cannot be hiding behind another spelling.
    const dir = variant('conditional-access.yaml', (t) => t.replace('excludeUsers: [breakglass1@contoso.onmicrosoft.com, breakglass2@contoso.onmicrosoft.com]', 'excludeUsers: [breakglass1@contoso.onmicrosoft.com]'));
    expect(loadConfig(dir).diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      'ER017 ConditionalAccessPolicy require-mfa: this enabled policy does not exclude the emergency-access user breakglass2@contoso.onmicrosoft.com: a mistake in it could lock everyone out',
    ]);
  });

  it('ER027: an enabled or report-only CA policy while the Tenant declares no emergency-access accounts', () => {
    const dir = variant('tenant.yaml', (t) => t.replace(/  # Break-glass[\s\S]*$/, ''));
    const result = loadConfig(dir);
    expect(result.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['error ER027']);
    expect(result.diagnostics[0]!.message).toContain('3 CA policies are enabled or report-only (require-mfa, admins-require-mfa, block-legacy-auth)');
    expect(result.diagnostics[0]!.file).toMatch(/tenant\.yaml$/);
    expect(result.state).toBeUndefined();
  });

  it('ER027: an empty emergencyAccess mapping declares nothing', () => {
    const dir = variant('tenant.yaml', (t) => t.replace(/  emergencyAccess:[\s\S]*$/, '  emergencyAccess: {}\n'));
    expect(codes(dir)).toEqual(['error ER027']);
  });

  it('emergencyAccess.none with a reason is the opt-out: a warning that names the reason', () => {
    const dir = variant('tenant.yaml', (t) => t.replace(/  emergencyAccess:[\s\S]*$/, '  emergencyAccess:\n    none: true\n    reason: lab tenant, recovered through Microsoft support\n'));
    const result = loadConfig(dir);
    // The sample policies list exclusions the Tenant no longer declares: spelled refs are fine, nothing to check.
    expect(result.diagnostics.map((d) => `${d.severity} ${d.code} ${d.message}`)).toEqual([
      'warning WR107 Tenant contoso: emergencyAccess.none is set: no CA policy is checked for break-glass exclusions (reason: lab tenant, recovered through Microsoft support)',
    ]);
    expect(result.state).toBeDefined();
  });

  it('emergencyAccess.none needs a reason and excludes users and groups', () => {
    const noReason = variant('tenant.yaml', (t) => t.replace(/  emergencyAccess:[\s\S]*$/, '  emergencyAccess:\n    none: true\n'));
    expect(loadConfig(noReason).diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(['ER007 Tenant: spec.emergencyAccess is missing the property "reason" (needed with "none")']);
    const both = variant('tenant.yaml', (t) => t.replace('  emergencyAccess:\n', '  emergencyAccess:\n    none: true\n    reason: x\n'));
    expect(codes(both)).toEqual(['error ER029']);
    const notFalse = variant('tenant.yaml', (t) => t.replace('  emergencyAccess:\n', '  emergencyAccess:\n    none: false\n'));
    expect(codes(notFalse)).toContain('error ER009');
  });

  it('ER028: a policy that blocks All users without the emergency exclusions (instead of ER017)', () => {
    const dir = variant('conditional-access.yaml', (t) =>
      t.replace(/(name: block-legacy-auth[\s\S]*?)state: enabledForReportingButNotEnforced\n([\s\S]*?)      includeGroups: \[All Staff\]\n      excludeUsers: .*\n      excludeGroups: .*\n/, '$1state: enabled\n$2      includeUsers: [All]\n'),
    );
    expect(loadConfig(dir).diagnostics.map((d) => `${d.severity} ${d.code} ${d.message}`)).toEqual([
      'error ER028 ConditionalAccessPolicy block-legacy-auth: this enabled policy blocks All users and does not exclude the emergency-access user breakglass1@contoso.onmicrosoft.com, user breakglass2@contoso.onmicrosoft.com, group Emergency Access: it would lock every account out',
      'warning WR104 ConditionalAccessPolicy block-legacy-auth: includes All users: prefer a group you can widen in waves, and check the exclusions twice',
    ]);
  });

  it('ER028 under the opt-out: a policy that blocks All users and excludes nobody', () => {
    const optOut = (t: string) => t.replace(/  emergencyAccess:[\s\S]*$/, '  emergencyAccess:\n    none: true\n    reason: lab tenant\n');
    const dir = variant('tenant.yaml', optOut);
    const ca = path.join(dir, 'conditional-access.yaml');
    const text = readFileSync(ca, 'utf8').replace(/(name: block-legacy-auth[\s\S]*?)      includeGroups: \[All Staff\]\n      excludeUsers: .*\n      excludeGroups: .*\n/, '$1      includeUsers: [All]\n');
    writeFileSync(ca, text);
    expect(codes(dir)).toEqual(['error ER028', 'warning WR104', 'warning WR107']);
    // Excluding someone (a role here) is enough once the tenant has declared that it has no break-glass account.
    writeFileSync(ca, text.replace('      includeUsers: [All]\n', '      includeUsers: [All]\n      excludeRoles: [62e90394-69f5-4237-9190-012177145e10]\n'));
    expect(codes(dir)).toEqual(['warning WR104', 'warning WR107']);
  });

  it('the config hash ignores comments and key order but not values', () => {
    const base = loadConfig(samples).state!.configHash;
    const reordered = variant('tenant.yaml', (t) => `# a comment\n${t.replace('  cloud: global\n', '').replace('spec:\n', 'spec:\n  cloud: global\n')}`);
    expect(loadConfig(reordered).state!.configHash).toBe(base);
    const changed = variant('rollout.yaml', (t) => t.replace('maxNewUsersPerApply: 5000', 'maxNewUsersPerApply: 4000'));
    expect(loadConfig(changed).state!.configHash).not.toBe(base);
  });
});
