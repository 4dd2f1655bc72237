// The planner for AuthenticationStrength and NamedLocation documents, CA references to them, and the
// issue 15 cross-checks (ER055 strength vs methods policy, WR154 TAP onboarding). Pure: in-memory state.
import { describe, expect, it } from 'vitest';
import type { AuthenticationStrengthSpec, DesiredState, NamedLocationSpec, PolicyDocument, SourceRef } from '../../src/config/types.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { refKey } from '../../src/plan/directory.js';
import { pendingId } from '../../src/plan/references.js';
import type { PlanFile } from '../../src/plan/types.js';
import type { LiveState } from '../../src/tenant/types.js';
import { matchingLive, sampleDesired } from './fixtures.js';

const now = new Date('2026-11-23T12:00:00Z');
const source: SourceRef = { file: 'refs.yaml', line: 3, column: 1 };
const strengthDoc = (name: string, spec: AuthenticationStrengthSpec): PolicyDocument<'AuthenticationStrength'> => ({ kind: 'AuthenticationStrength', name, spec, source, locate: () => source });
const locationDoc = (name: string, spec: NamedLocationSpec): PolicyDocument<'NamedLocation'> => ({ kind: 'NamedLocation', name, spec, source, locate: () => source });
const STRENGTH_ID = '5e9d6b0b-0000-4000-8000-000000000001';
const LOCATION_ID = '6fae7c1c-0000-4000-8000-000000000001';
const liveStrength = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id: STRENGTH_ID, displayName: 'Keys only', description: 'FIDO2', policyType: 'custom', requirementsSatisfied: 'mfa', allowedCombinations: ['fido2', 'password, sms'], modifiedDateTime: '2026-11-01T00:00:00Z', ...extra });
const BUILT_IN_MFA: Record<string, unknown> = { id: '00000000-0000-0000-0000-000000000002', displayName: 'Multifactor authentication', policyType: 'builtIn', allowedCombinations: ['fido2', 'password,sms'] };

function setup(strengths: AuthenticationStrengthSpec[] = [], locations: NamedLocationSpec[] = []): { desired: DesiredState; live: LiveState } {
  const desired = sampleDesired();
  desired.rollouts = [];
  desired.authenticationStrengths = strengths.map((s, i) => strengthDoc(`s${i}`, s));
  desired.namedLocations = locations.map((l, i) => locationDoc(`l${i}`, l));
  return { desired, live: { ...matchingLive(), authenticationStrengths: [BUILT_IN_MFA], namedLocations: [] } };
}
const plan = (desired: DesiredState, live: LiveState): PlanFile => buildPlan({ desired, live, now, toolVersion: 'test' });
const summary = (p: PlanFile) => p.resources.filter((r) => !r.address.startsWith('AuthenticationMethods.') || r.action !== 'noop').map((r) => `${r.action} ${r.address}`);

describe('AuthenticationStrength', () => {
  it('creates a declared strength before the CA policies (POST /policies/authenticationStrengthPolicies)', () => {
    const { desired, live } = setup([{ displayName: 'Keys only', allowedCombinations: ['fido2'] }]);
    const p = plan(desired, live);
    expect(summary(p)[0]).toBe('create AuthenticationStrength.s0');
    const r = p.resources.find((x) => x.address === 'AuthenticationStrength.s0')!;
    expect(r.write).toEqual({ method: 'POST', path: '/policies/authenticationStrengthPolicies', graphId: null, body: { allowedCombinations: ['fido2'], displayName: 'Keys only' } });
  });

  it('matches by displayName: same combinations in another order or spacing are no change; an undeclared description is not managed', () => {
    const { desired, live } = setup([{ displayName: 'keys ONLY', allowedCombinations: ['sms,password', 'fido2'] }]);
    live.authenticationStrengths!.push(liveStrength({ displayName: 'keys ONLY' }));
    const p = plan(desired, live);
    expect(p.resources.filter((r) => r.address.startsWith('AuthenticationStrength'))).toMatchObject([{ action: 'noop', graphId: STRENGTH_ID }]);
  });

  it('changes allowedCombinations only through the updateAllowedCombinations action, and displayName/description through PATCH', () => {
    const { desired, live } = setup([{ displayName: 'Keys only', description: 'Security keys', allowedCombinations: ['fido2', 'deviceBasedPush'] }]);
    live.authenticationStrengths!.push(liveStrength());
    const p = plan(desired, live);
    const patch = p.resources.find((r) => r.address === 'AuthenticationStrength.s0')!;
    expect(patch.write).toEqual({ method: 'PATCH', path: `/policies/authenticationStrengthPolicies/${STRENGTH_ID}`, graphId: STRENGTH_ID, body: { description: 'Security keys', displayName: 'Keys only' } });
    const combos = p.resources.find((r) => r.address === 'AuthenticationStrength.s0.allowedCombinations')!;
    expect(combos.kind).toBe('AuthenticationStrengthCombinations');
    expect(combos.write).toEqual({ method: 'POST', path: `/policies/authenticationStrengthPolicies/${STRENGTH_ID}/updateAllowedCombinations`, graphId: STRENGTH_ID, body: { allowedCombinations: ['fido2', 'deviceBasedPush'] } });
    expect(combos.changes[0]).toMatchObject({ path: 'allowedCombinations', added: ['deviceBasedPush'], removed: ['password,sms'] });
  });

  it('deletes only a strength declared ensure: absent, after the CA policies; an undeclared live strength is left alone', () => {
    const { desired, live } = setup([{ displayName: 'Keys only', allowedCombinations: ['fido2'], ensure: 'absent' }]);
    live.authenticationStrengths!.push(liveStrength(), liveStrength({ id: '5e9d6b0b-0000-4000-8000-000000000002', displayName: 'Not mine' }));
    const p = plan(desired, live);
    const last = p.resources[p.resources.length - 1]!;
    expect(last).toMatchObject({ address: 'AuthenticationStrength.s0', action: 'delete', write: { method: 'DELETE', path: `/policies/authenticationStrengthPolicies/${STRENGTH_ID}`, graphId: STRENGTH_ID } });
    expect(p.resources.findIndex((r) => r.kind === 'ConditionalAccessPolicy')).toBeLessThan(p.resources.length - 1);
    expect(JSON.stringify(p.resources)).not.toContain('Not mine');
  });

  it('ER056: deleting a strength a CA policy still uses after the plan (Graph refuses the delete)', () => {
    const { desired, live } = setup([{ displayName: 'Keys only', allowedCombinations: ['fido2'], ensure: 'absent' }]);
    live.authenticationStrengths!.push(liveStrength());
    const unmanaged = structuredClone(live.conditionalAccessPolicies[0]!);
    Object.assign(unmanaged, { id: '3d8c5a9a-0000-4000-8000-0000000000aa', displayName: 'CA900 - Not managed here', grantControls: { operator: 'OR', authenticationStrength: { id: STRENGTH_ID } } });
    live.conditionalAccessPolicies.push(unmanaged);
    const found = plan(desired, live).diagnostics.filter((d) => d.code === 'ER056');
    expect(found.map((d) => d.message)).toEqual([expect.stringContaining('"CA900 - Not managed here" still uses it')]);
    live.conditionalAccessPolicies.pop();
    expect(plan(desired, live).diagnostics.map((d) => d.code)).not.toContain('ER056');
  });

  it('refuses to declare a built-in strength (ER053)', () => {
    const { desired, live } = setup([{ displayName: 'Multifactor authentication', allowedCombinations: ['fido2'] }]);
    expect(plan(desired, live).diagnostics.map((d) => d.code)).toContain('ER053');
  });
});

describe('NamedLocation', () => {
  it('creates an IP location with the derived types Graph requires (ipNamedLocation, iPv4/iPv6CidrRange)', () => {
    const { desired, live } = setup([], [{ displayName: 'HQ', isTrusted: true, ipRanges: [{ cidrAddress: '203.0.113.0/24' }, { cidrAddress: '2001:db8::/48' }] }]);
    const r = plan(desired, live).resources.find((x) => x.address === 'NamedLocation.l0')!;
    expect(r.action).toBe('create');
    expect(r.write!.body).toEqual({
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      displayName: 'HQ',
      ipRanges: [
        { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '203.0.113.0/24' },
        { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '2001:db8::/48' },
      ],
      isTrusted: true,
    });
  });

  it("a country location as Graph echoes it (defaults filled) is no change; a changed list is an update with the whole typed body", () => {
    const spec: NamedLocationSpec = { displayName: 'Blocked', countriesAndRegions: ['KP', 'IR'] };
    const { desired, live } = setup([], [spec]);
    live.namedLocations!.push({ '@odata.type': '#microsoft.graph.countryNamedLocation', id: LOCATION_ID, displayName: 'Blocked', countriesAndRegions: ['IR', 'KP'], includeUnknownCountriesAndRegions: false, countryLookupMethod: 'clientIpAddress' });
    expect(plan(desired, live).resources.find((x) => x.address === 'NamedLocation.l0')!.action).toBe('noop');
    spec.countriesAndRegions = ['KP', 'IR', 'RU'];
    const r = plan(desired, live).resources.find((x) => x.address === 'NamedLocation.l0')!;
    expect(r).toMatchObject({ action: 'update', write: { method: 'PATCH', path: `/identity/conditionalAccess/namedLocations/${LOCATION_ID}`, body: { '@odata.type': '#microsoft.graph.countryNamedLocation' } } });
  });

  it('cannot turn a country location into an IP one (ER053)', () => {
    const { desired, live } = setup([], [{ displayName: 'Blocked', ipRanges: [{ cidrAddress: '10.0.0.0/8' }] }]);
    live.namedLocations!.push({ '@odata.type': '#microsoft.graph.countryNamedLocation', id: LOCATION_ID, displayName: 'Blocked', countriesAndRegions: ['IR'] });
    expect(plan(desired, live).diagnostics.map((d) => d.code)).toContain('ER053');
  });
});

describe('CA references by name', () => {
  it('a CA policy naming a strength the plan creates refers to its pending id; names of roles, apps and locations become ids', () => {
    const { desired, live } = setup([{ displayName: 'Keys only', allowedCombinations: ['fido2'] }]);
    const spec = desired.conditionalAccessPolicies[0]!.spec;
    spec.grantControls = { operator: 'OR', authenticationStrength: { displayName: 'Keys only' } };
    spec.conditions.users.includeRoles = ['Global Administrator'];
    spec.conditions.applications = { includeApplications: ['Office365', 'Contoso HR'] };
    spec.conditions.locations = { includeLocations: ['All'], excludeLocations: ['HQ'] };
    const dir = live.directory;
    const pending = pendingId('AuthenticationStrength.s0');
    dir.refs.set(refKey('strength', 'Keys only'), pending);
    dir.refs.set(refKey('role', 'Global Administrator'), '62e90394-69f5-4237-9190-012177145e10');
    dir.refs.set(refKey('application', 'Contoso HR'), '7a0b8c2d-0000-4000-8000-000000000001');
    dir.refs.set(refKey('location', 'HQ'), LOCATION_ID);
    const p = plan(desired, live);
    const body = p.resources.find((r) => r.address === `ConditionalAccessPolicy.${desired.conditionalAccessPolicies[0]!.name}`)!.write!.body as { grantControls: unknown; conditions: { users: { includeRoles: string[] }; applications: unknown; locations: unknown } };
    expect(body.grantControls).toMatchObject({ authenticationStrength: { id: pending }, builtInControls: [] });
    expect(body.conditions.users.includeRoles).toEqual(['62e90394-69f5-4237-9190-012177145e10']);
    expect(body.conditions.applications).toMatchObject({ includeApplications: ['Office365', '7a0b8c2d-0000-4000-8000-000000000001'] });
    expect(body.conditions.locations).toEqual({ includeLocations: ['All'], excludeLocations: [LOCATION_ID] });
  });
});

describe('cross-checks', () => {
  const requireStrength = (desired: DesiredState, id: string) => {
    desired.conditionalAccessPolicies[0]!.spec.grantControls = { operator: 'OR', authenticationStrength: { id } };
  };

  it('ER055: a strength whose every combination needs a method the methods policy disables', () => {
    const { desired, live } = setup();
    live.authenticationStrengths!.push(liveStrength({ allowedCombinations: ['fido2'] }));
    live.methodConfigurations.fido2 = { id: 'Fido2', state: 'disabled' };
    requireStrength(desired, STRENGTH_ID);
    const found = plan(desired, live).diagnostics.filter((d) => d.code === 'ER055');
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain('(fido2)');
    expect(found[0]!.severity).toBe('error');
  });

  it('no ER055 when one combination stays usable, or when the method is enabled', () => {
    const { desired, live } = setup();
    live.authenticationStrengths!.push(liveStrength({ allowedCombinations: ['fido2', 'password,microsoftAuthenticatorPush'] }));
    live.methodConfigurations.fido2 = { id: 'Fido2', state: 'disabled' };
    requireStrength(desired, STRENGTH_ID);
    expect(plan(desired, live).diagnostics.map((d) => d.code)).not.toContain('ER055');
    live.authenticationStrengths![1] = liveStrength({ allowedCombinations: ['fido2'] });
    live.methodConfigurations.fido2 = { id: 'Fido2', state: 'enabled' };
    expect(plan(desired, live).diagnostics.map((d) => d.code)).not.toContain('ER055');
  });

  it('ER055 judges the strength as the plan leaves it (a declared change of combinations counts)', () => {
    const { desired, live } = setup([{ displayName: 'Keys only', allowedCombinations: ['fido2'] }]);
    live.authenticationStrengths!.push(liveStrength({ allowedCombinations: ['password,microsoftAuthenticatorPush'] }));
    live.methodConfigurations.fido2 = { id: 'Fido2', state: 'disabled' };
    requireStrength(desired, STRENGTH_ID);
    expect(plan(desired, live).diagnostics.map((d) => d.code)).toContain('ER055');
  });

  const registrationBlock = (desired: DesiredState) => {
    const spec = desired.conditionalAccessPolicies[0]!.spec;
    spec.conditions.applications = { includeUserActions: ['urn:user:registersecurityinfo'] };
    spec.conditions.locations = { includeLocations: ['All'], excludeLocations: ['AllTrusted'] };
    spec.grantControls = { operator: 'OR', builtInControls: ['block'] };
  };

  it('WR154: blocking "Register security information" outside trusted locations while TAP is enabled', () => {
    const { desired, live } = setup();
    registrationBlock(desired);
    const found = plan(desired, live).diagnostics.filter((d) => d.code === 'WR154');
    expect(found).toHaveLength(1);
    expect(found[0]!.severity).toBe('warning');
  });

  it('no WR154 once the TAP is disabled (declared), nor for a block limited to named locations', () => {
    const { desired, live } = setup();
    registrationBlock(desired);
    desired.authenticationMethods!.spec.temporaryAccessPass!.state = 'disabled';
    expect(plan(desired, live).diagnostics.map((d) => d.code)).not.toContain('WR154');
    const again = setup();
    registrationBlock(again.desired);
    again.desired.conditionalAccessPolicies[0]!.spec.conditions.locations = { includeLocations: [LOCATION_ID] };
    expect(plan(again.desired, again.live).diagnostics.map((d) => d.code)).not.toContain('WR154');
  });
});
