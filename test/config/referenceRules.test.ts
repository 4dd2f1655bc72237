// Offline rules and schemas of the AuthenticationStrength and NamedLocation kinds (issue 15).
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

/** The sample policies plus `extra` as refs.yaml, with `edit` applied to conditional-access.yaml. */
function folder(extra: string, edit: (ca: string) => string = (t) => t): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-refrules-'));
  cpSync(path.resolve('policies'), dir, { recursive: true });
  writeFileSync(path.join(dir, 'refs.yaml'), extra);
  const ca = path.join(dir, 'conditional-access.yaml');
  writeFileSync(ca, edit(readFileSync(ca, 'utf8')));
  return dir;
}
const doc = (kind: string, name: string, spec: string) => `apiVersion: entra-rollout/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec}\n`;
const codes = (dir: string) => loadConfig(dir).diagnostics.map((d) => `${d.severity} ${d.code}`);
const toStrength = (ca: string) => ca.replace('    builtInControls: [mfa]', '    authenticationStrength: { displayName: Keys only }');

describe('AuthenticationStrength and NamedLocation documents', () => {
  it('valid documents load into the desired state', () => {
    const dir = folder(
      [
        doc('AuthenticationStrength', 'keys', '  displayName: Keys only\n  allowedCombinations: [fido2, "password, sms"]'),
        doc('NamedLocation', 'hq', '  displayName: HQ\n  isTrusted: true\n  ipRanges: [{ cidrAddress: 203.0.113.0/24 }, { cidrAddress: "2001:db8::/48" }]'),
        doc('NamedLocation', 'blocked', '  displayName: Blocked\n  countriesAndRegions: [KP]\n  countryLookupMethod: authenticatorAppGps'),
      ].join('---\n'),
      toStrength,
    );
    const result = loadConfig(dir);
    expect(result.diagnostics).toEqual([]);
    expect(result.state!.authenticationStrengths!.map((d) => d.name)).toEqual(['keys']);
    expect(result.state!.namedLocations!.map((d) => d.name).sort()).toEqual(['blocked', 'hq']);
  });

  it('schema: unknown method modes, an IP location with country settings, and a strength reference with neither id nor displayName are refused', () => {
    expect(codes(folder(doc('AuthenticationStrength', 'bad', '  displayName: Bad\n  allowedCombinations: [password,carrierPigeon]'))).some((c) => c.startsWith('error'))).toBe(true);
    expect(codes(folder(doc('NamedLocation', 'mixed', '  displayName: Mixed\n  ipRanges: [{ cidrAddress: 10.0.0.0/8 }]\n  countriesAndRegions: [US]'))).some((c) => c.startsWith('error'))).toBe(true);
    expect(codes(folder(doc('NamedLocation', 'ok', '  displayName: OK\n  countriesAndRegions: [US]'), (ca) => ca.replace('    builtInControls: [mfa]', '    authenticationStrength: {}'))).some((c) => c.startsWith('error'))).toBe(true);
  });

  it('ER050: two documents of a kind with one displayName', () => {
    const dir = folder([doc('NamedLocation', 'a', '  displayName: HQ\n  countriesAndRegions: [US]'), doc('NamedLocation', 'b', '  displayName: hq\n  countriesAndRegions: [CA]')].join('---\n'));
    expect(codes(dir)).toContain('error ER050');
  });

  it('ER051: a CA policy names a strength or location the folder deletes (ensure: absent)', () => {
    const strength = folder(doc('AuthenticationStrength', 'keys', '  displayName: Keys only\n  allowedCombinations: [fido2]\n  ensure: absent'), toStrength);
    expect(codes(strength)).toContain('error ER051');
    const location = folder(doc('NamedLocation', 'hq', '  displayName: HQ\n  countriesAndRegions: [US]\n  ensure: absent'), (ca) => ca.replace('    clientAppTypes: [all]\n  grantControls', '    clientAppTypes: [all]\n    locations: { includeLocations: [All], excludeLocations: [HQ] }\n  grantControls'));
    expect(codes(location)).toContain('error ER051');
  });

  it('ER052: the mfa control together with an authentication strength (Graph refuses the pair, 1108)', () => {
    const dir = folder(doc('NamedLocation', 'ok', '  displayName: OK\n  countriesAndRegions: [US]'), (ca) => ca.replace('    builtInControls: [mfa]', '    builtInControls: [mfa]\n    authenticationStrength: { displayName: Phishing resistant MFA }'));
    expect(codes(dir)).toContain('error ER052');
  });
});
