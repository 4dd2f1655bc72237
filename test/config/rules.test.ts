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

  it('WR106: Authenticator without app/location context', () => {
    const dir = variant('methods.yaml', (t) => t.replace(/displayLocationInformationRequiredState:\n\s+state: enabled/, 'displayLocationInformationRequiredState:\n        state: default'));
    expect(codes(dir)).toEqual(['warning WR106']);
  });

  it('WR107: no emergency-access accounts declared', () => {
    const dir = variant('tenant.yaml', (t) => t.replace(/  # Break-glass[\s\S]*$/, ''));
    // Without break-glass accounts there is nothing to check exclusions against.
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

  it('the config hash ignores comments and key order but not values', () => {
    const base = loadConfig(samples).state!.configHash;
    const reordered = variant('tenant.yaml', (t) => `# a comment\n${t.replace('  cloud: global\n', '').replace('spec:\n', 'spec:\n  cloud: global\n')}`);
    expect(loadConfig(reordered).state!.configHash).toBe(base);
    const changed = variant('rollout.yaml', (t) => t.replace('maxNewUsersPerApply: 5000', 'maxNewUsersPerApply: 4000'));
    expect(loadConfig(changed).state!.configHash).not.toBe(base);
  });
});
