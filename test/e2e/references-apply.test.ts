// Issue 15 point 3: apply order (methods, then strengths and locations, then CA policies; deletes
// after the CA policies) and idempotence, through the built CLI against the emulator. The acceptance
// plan also enables FIDO2 (the strength's first combination) in the same apply.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const FIDO2 = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2';

const STRENGTH = `apiVersion: entra-rollout/v1
kind: AuthenticationStrength
metadata: { name: keys-or-passwordless }
spec:
  displayName: Keys or passwordless
  description: FIDO2 keys or passwordless Authenticator
  allowedCombinations: [fido2, deviceBasedPush]
---
apiVersion: entra-rollout/v1
kind: NamedLocation
metadata: { name: hq }
spec:
  displayName: Contoso HQ
  isTrusted: true
  ipRanges: [{ cidrAddress: 203.0.113.0/24 }]
`;

/** The sample policies without the rollout (no wave promotion here), require-mfa switched to a strength and a location. */
function policyFolder(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'entra-rollout-refs-')), 'policies');
  cpSync('policies', dir, { recursive: true });
  rmSync(path.join(dir, 'rollout.yaml'));
  const ca = path.join(dir, 'conditional-access.yaml');
  const text = readFileSync(ca, 'utf8');
  const switched = text.replace(
    /(name: require-mfa[\s\S]*?)clientAppTypes: \[all\]\n  grantControls:\n    operator: OR\n    builtInControls: \[mfa\]/,
    '$1clientAppTypes: [all]\n    locations: { includeLocations: [All], excludeLocations: [Contoso HQ] }\n  grantControls:\n    operator: OR\n    authenticationStrength: { displayName: Keys or passwordless }',
  );
  expect(switched).not.toBe(text);
  writeFileSync(ca, switched);
  writeFileSync(path.join(dir, 'strengths.yaml'), STRENGTH);
  // FIDO2 security keys enabled by the same plan (the tenant starts with them disabled).
  const methods = path.join(dir, 'methods.yaml');
  writeFileSync(methods, `${readFileSync(methods, 'utf8').trimEnd()}\n  fido2:\n    state: enabled\n`);
  return dir;
}

describe('strengths and locations: apply order and idempotence', () => {
  it('a CA policy moved from mfa to a new custom strength and location: creates first, then the CA update; a second plan has no changes', async () => {
    tenant = await startTestTenant();
    const fido2Off = await tenant.graph('PATCH', FIDO2, { '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration', state: 'disabled' });
    expect(fido2Off.status).toBe(204);
    const dir = policyFolder();
    const planPath = path.join(path.dirname(dir), 'p.json');
    const planned = await runCli(['plan', '-c', dir, '--out', planPath, '--format', 'json'], { env: tenant.env });
    expect(planned.stderr).not.toMatch(STACK_TRACE);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(planPath, 'utf8')) as PlanFile;
    const order = plan.resources.filter((r) => r.action !== 'noop').map((r) => `${r.action} ${r.address}`);
    const at = (address: string) => order.findIndex((o) => o.endsWith(` ${address}`));
    expect(at('AuthenticationStrength.keys-or-passwordless')).toBeGreaterThanOrEqual(0);
    expect(at('NamedLocation.hq')).toBeGreaterThanOrEqual(0);
    expect(at('AuthenticationStrength.keys-or-passwordless')).toBeLessThan(at('ConditionalAccessPolicy.require-mfa'));
    expect(at('NamedLocation.hq')).toBeLessThan(at('ConditionalAccessPolicy.require-mfa'));
    const methodWrites = plan.resources.filter((r) => r.action !== 'noop' && ['MicrosoftAuthenticator', 'TemporaryAccessPass', 'RegistrationCampaign', 'Fido2'].includes(r.kind)).map((r) => at(r.address));
    expect(methodWrites).toContain(at('AuthenticationMethods.methods.fido2'));
    for (const i of methodWrites) expect(i).toBeLessThan(at('AuthenticationStrength.keys-or-passwordless'));
    const caWrite = plan.resources.find((r) => r.address === 'ConditionalAccessPolicy.require-mfa')!.write!;
    // The reviewed body names the strength that apply creates first, and clears the mfa control (Graph refuses both, 1108).
    expect(caWrite.body.grantControls).toEqual({ authenticationStrength: { id: '<id of AuthenticationStrength.keys-or-passwordless once created>' }, builtInControls: [], operator: 'OR' });

    await tenant.control('POST', '/reset-log');
    const applied = await runCli(['apply', planPath, '-c', dir, '--auto-approve'], { env: tenant.env });
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const writes = (await tenant.writes({ tookEffect: true })).map((w) => `${w.method} ${w.path.replace(/[0-9a-f-]{36}/g, '{id}')} ${w.status}`);
    const fido2On = writes.indexOf(`PATCH ${FIDO2} 204`);
    const strengthCreate = writes.indexOf('POST /policies/authenticationStrengthPolicies 201');
    expect(fido2On, writes.join('\n')).toBeGreaterThanOrEqual(0);
    expect(fido2On).toBeLessThan(strengthCreate);
    const locationCreate = writes.indexOf('POST /identity/conditionalAccess/namedLocations 201');
    const caUpdate = writes.indexOf('PATCH /identity/conditionalAccess/policies/{id} 204');
    expect(strengthCreate, writes.join('\n')).toBeGreaterThanOrEqual(0);
    expect(locationCreate).toBeGreaterThanOrEqual(0);
    expect(caUpdate).toBeGreaterThan(Math.max(strengthCreate, locationCreate));

    const strengths = (await tenant.graph('GET', '/policies/authenticationStrengthPolicies')).body as { value: Array<{ id: string; displayName: string }> };
    const created = strengths.value.find((s) => s.displayName === 'Keys or passwordless')!;
    const policies = (await tenant.graph('GET', '/identity/conditionalAccess/policies')).body as { value: Array<{ displayName: string; grantControls: { authenticationStrength: { id: string } | null; builtInControls: string[] } }> };
    const ca010 = policies.value.find((p) => p.displayName.startsWith('CA010'))!;
    expect(ca010.grantControls.authenticationStrength?.id).toBe(created.id);
    expect(ca010.grantControls.builtInControls).toEqual([]);
    expect(((await tenant.graph('GET', FIDO2)).body as { state: string }).state).toBe('enabled');

    const again = await runCli(['plan', '-c', dir, '--detailed-exitcode'], { env: tenant.env });
    expect(again.stdout + again.stderr).not.toMatch(/will be (created|updated|deleted)/);
    expect(again.code, again.stdout).toBe(0);

    // Back to mfa, and the strength marked absent: the CA update goes first, the delete after it.
    writeFileSync(path.join(dir, 'conditional-access.yaml'), readFileSync(path.join(dir, 'conditional-access.yaml'), 'utf8').replace('authenticationStrength: { displayName: Keys or passwordless }', 'builtInControls: [mfa]'));
    writeFileSync(path.join(dir, 'strengths.yaml'), STRENGTH.replace('allowedCombinations: [fido2, deviceBasedPush]', 'allowedCombinations: [fido2, deviceBasedPush]\n  ensure: absent'));
    // Through a saved plan: a plan file carries the DELETE write as reviewed.
    const removalPlan = path.join(path.dirname(dir), 'removal.json');
    expect((await runCli(['plan', '-c', dir, '--out', removalPlan], { env: tenant.env })).code).toBe(0);
    await tenant.control('POST', '/reset-log');
    const removed = await runCli(['apply', removalPlan, '-c', dir, '--auto-approve'], { env: tenant.env });
    expect(removed.stderr).toBe('');
    expect(removed.code).toBe(0);
    const later = (await tenant.writes({ tookEffect: true })).map((w) => `${w.method} ${w.path.replace(/[0-9a-f-]{36}/g, '{id}')} ${w.status}`);
    expect(later).toEqual(['PATCH /identity/conditionalAccess/policies/{id} 204', 'DELETE /policies/authenticationStrengthPolicies/{id} 204']);
    expect((await runCli(['plan', '-c', dir, '--detailed-exitcode'], { env: tenant.env })).code).toBe(0);
  });
});

describe('names that do not resolve', () => {
  it('ER030 names the file, line and candidates for an unknown strength, role or location; ER031 an ambiguous application name', async () => {
    tenant = await startTestTenant({ scenario: 'coverage' });
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'entra-rollout-refs-')), 'policies');
    cpSync('policies', dir, { recursive: true });
    rmSync(path.join(dir, 'rollout.yaml'));
    writeFileSync(
      path.join(dir, 'names.yaml'),
      `apiVersion: entra-rollout/v1
kind: ConditionalAccessPolicy
metadata: { name: names }
spec:
  displayName: CA050 - Names
  state: disabled
  conditions:
    users:
      includeRoles: [Global Administrator, Global Admin]
    applications:
      includeApplications: [Contoso HR, Contoso Legacy Portal]
    locations: { includeLocations: [Contoso H.Q.] }
    clientAppTypes: [all]
  grantControls:
    operator: OR
    authenticationStrength: { displayName: Phishing-resistant FIDO 2 }
`,
    );
    const r = await runCli(['plan', '-c', dir], { env: tenant.env });
    expect(r.code).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).not.toMatch(STACK_TRACE);
    const file = path.join(dir, 'names.yaml').replace(/^.*?(policies\/names\.yaml)$/, '$1');
    expect(out).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:9:.*ER030.*directory role "Global Admin" does not exist.*"Global Administrator"`));
    expect(out).toMatch(/:12:.*ER030.*named location "Contoso H\.Q\." does not exist.*"Contoso HQ"/);
    expect(out).toMatch(/:16:.*ER030.*authentication strength "Phishing-resistant FIDO 2" does not exist.*"Phishing-resistant FIDO2"/);
    expect(out).toMatch(/:11:.*ER031.*application name "Contoso Legacy Portal" is ambiguous: 2 have it/);
    expect(out).not.toMatch(/"Global Administrator" does not exist|"Contoso HR"/);
  });
});
