import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/buildPlan.js';
import type { PlanFile } from '../../src/plan/types.js';
import type { LiveState } from '../../src/tenant/types.js';
import { IDS, matchingLive, sampleDesired } from './fixtures.js';

const now = new Date('2026-11-23T12:00:00Z');
const plan = (live: LiveState): PlanFile => buildPlan({ desired: sampleDesired(), live, now, toolVersion: 'test' });
const byAddress = (p: PlanFile, address: string) => {
  const r = p.resources.find((x) => x.address === address);
  if (!r) throw new Error(`no resource ${address}`);
  return r;
};

describe('no perpetual diff', () => {
  it('a tenant that matches the YAML, as Graph returns it, plans noop everywhere', () => {
    const p = plan(matchingLive());
    expect(p.resources.map((r) => `${r.address} ${r.action}`)).toEqual([
      'AuthenticationMethods.methods.microsoftAuthenticator noop',
      'AuthenticationMethods.methods.temporaryAccessPass noop',
      'AuthenticationMethods.methods.registrationCampaign noop',
      'ConditionalAccessPolicy.require-mfa noop',
      'ConditionalAccessPolicy.admins-require-mfa noop',
      'ConditionalAccessPolicy.block-legacy-auth noop',
    ]);
    expect(p.resources.every((r) => r.changes.length === 0 && r.write === undefined)).toBe(true);
    expect(p.diagnostics).toEqual([]);
  });

  it('treats missing and null arrays, absent feature settings targets and missing clientAppTypes as Graph defaults', () => {
    const live = matchingLive();
    const auth = live.methodConfigurations.microsoftauthenticator!;
    auth.excludeTargets = null;
    const fs = auth.featureSettings as Record<string, Record<string, unknown>>;
    delete fs.displayAppInformationRequiredState!.includeTarget;
    delete fs.displayAppInformationRequiredState!.excludeTarget;
    const ca = live.conditionalAccessPolicies[0]!;
    (ca.conditions as Record<string, unknown>).clientAppTypes = [];
    delete (ca.conditions as Record<string, unknown>).userRiskLevels;
    ca.grantControls = { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: null, termsOfUse: null };
    expect(plan(live).resources.every((r) => r.action === 'noop')).toBe(true);
  });

  it('compares id lists as sets (order does not matter)', () => {
    const live = matchingLive();
    const users = (live.conditionalAccessPolicies[1]!.conditions as { users: { includeRoles: string[] } }).users;
    users.includeRoles.reverse();
    expect(byAddress(plan(live), 'ConditionalAccessPolicy.admins-require-mfa').action).toBe('noop');
  });

  it('compares method targets by id (order does not matter), and reports a changed target once', () => {
    const desired = sampleDesired();
    desired.authenticationMethods!.spec.registrationCampaign!.includeTargets = [
      { group: 'MFA Wave 0 - IT', targetedAuthenticationMethod: 'microsoftAuthenticator' },
      { group: 'MFA Wave 1 - Early adopters', targetedAuthenticationMethod: 'microsoftAuthenticator' },
    ];
    const live = matchingLive();
    const campaign = (live.authenticationMethodsPolicy.registrationEnforcement as { authenticationMethodsRegistrationCampaign: { includeTargets: unknown[] } }).authenticationMethodsRegistrationCampaign;
    campaign.includeTargets = [
      { id: IDS.wave1, targetType: 'group', targetedAuthenticationMethod: 'microsoftAuthenticator' },
      { id: IDS.wave0, targetType: 'group', targetedAuthenticationMethod: 'microsoftAuthenticator' },
    ];
    const address = 'AuthenticationMethods.methods.registrationCampaign';
    expect(byAddress(buildPlan({ desired, live, now, toolVersion: 'test' }), address).action).toBe('noop');
    campaign.includeTargets.pop();
    const r = byAddress(buildPlan({ desired, live, now, toolVersion: 'test' }), address);
    expect(r.changes.map((c) => [c.path, c.added, c.removed])).toEqual([
      ['includeTargets', [{ id: 'MFA Wave 0 - IT', targetType: 'group', targetedAuthenticationMethod: 'microsoftAuthenticator' }], []],
    ]);
  });

  it('ignores method settings the YAML does not declare', () => {
    const live = matchingLive();
    const fs = live.methodConfigurations.microsoftauthenticator!.featureSettings as Record<string, { state: string }>;
    fs.companionAppAllowedState!.state = 'disabled';
    expect(byAddress(plan(live), 'AuthenticationMethods.methods.microsoftAuthenticator').action).toBe('noop');
  });
});

describe('changes', () => {
  it('shows a field change by name, with what a list adds and removes', () => {
    const live = matchingLive();
    const users = (live.conditionalAccessPolicies[0]!.conditions as { users: { excludeGroups: string[] } }).users;
    users.excludeGroups = [IDS.allStaff];
    const r = byAddress(plan(live), 'ConditionalAccessPolicy.require-mfa');
    expect(r.action).toBe('update');
    expect(r.changes).toEqual([
      { path: 'conditions.users.excludeGroups', before: ['All Staff'], after: ['Emergency Access'], added: ['Emergency Access'], removed: ['All Staff'] },
    ]);
    expect(r.write).toMatchObject({ method: 'PATCH', path: `/identity/conditionalAccess/policies/${IDS.caRequireMfa}` });
    expect((r.write!.body.conditions as { users: { excludeGroups: string[] } }).users.excludeGroups).toEqual([IDS.emergencyGroup]);
  });

  it('an update PATCH clears a condition the YAML no longer has', () => {
    const live = matchingLive();
    (live.conditionalAccessPolicies[0]!.conditions as Record<string, unknown>).locations = { includeLocations: ['All'], excludeLocations: ['AllTrusted'] };
    const r = byAddress(plan(live), 'ConditionalAccessPolicy.require-mfa');
    expect(r.changes.map((c) => c.path)).toEqual(['conditions.locations']);
    expect((r.write!.body.conditions as Record<string, unknown>).locations).toBeNull();
  });

  it('plans a create for a declared policy missing from the tenant, with ids in the body', () => {
    const live = matchingLive();
    live.conditionalAccessPolicies = live.conditionalAccessPolicies.filter((p) => p.id !== IDS.caLegacy);
    const r = byAddress(plan(live), 'ConditionalAccessPolicy.block-legacy-auth');
    expect(r.action).toBe('create');
    expect(r.graphId).toBeUndefined();
    expect(r.write?.method).toBe('POST');
    expect(r.write?.body).toMatchObject({ displayName: 'CA020 - Block legacy authentication', state: 'enabledForReportingButNotEnforced', conditions: { users: { includeGroups: [IDS.allStaff] } } });
    expect(r.changes.find((c) => c.path === 'conditions')?.after).toMatchObject({ users: { includeGroups: ['All Staff'] } });
  });

  it('updates a method setting and keeps undeclared feature settings in the PATCH body', () => {
    const live = matchingLive();
    const auth = live.methodConfigurations.microsoftauthenticator!;
    (auth.featureSettings as Record<string, { state: string }>).displayLocationInformationRequiredState!.state = 'default';
    const r = byAddress(plan(live), 'AuthenticationMethods.methods.microsoftAuthenticator');
    expect(r.changes).toEqual([{ path: 'featureSettings.displayLocationInformationRequiredState.state', before: 'default', after: 'enabled' }]);
    expect(r.write?.body['@odata.type']).toBe('#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration');
    expect(r.write?.path).toBe('/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/MicrosoftAuthenticator');
  });

  it('fingerprints change when the live object changes, and with modifiedDateTime', () => {
    const a = plan(matchingLive());
    const live = matchingLive();
    live.conditionalAccessPolicies[2]!.modifiedDateTime = '2026-11-01T00:00:00Z';
    const b = plan(live);
    expect(byAddress(b, 'ConditionalAccessPolicy.block-legacy-auth').fingerprint).not.toBe(byAddress(a, 'ConditionalAccessPolicy.block-legacy-auth').fingerprint);
    expect(byAddress(b, 'ConditionalAccessPolicy.require-mfa').fingerprint).toBe(byAddress(a, 'ConditionalAccessPolicy.require-mfa').fingerprint);
  });

  it('never touches a live policy the YAML does not declare', () => {
    const live = matchingLive();
    live.conditionalAccessPolicies.push({ ...live.conditionalAccessPolicies[0]!, id: IDS.caUnmanaged, displayName: 'CA099 - Legacy VPN exception' });
    expect(plan(live).resources.map((r) => r.graphId)).not.toContain(IDS.caUnmanaged);
  });
});

describe('safety against the live tenant', () => {
  it('warns about an unmanaged policy that does not exclude the emergency accounts', () => {
    const live = matchingLive();
    const unmanaged = structuredClone(live.conditionalAccessPolicies[0]!);
    unmanaged.id = IDS.caUnmanaged;
    unmanaged.displayName = 'CA099 - Legacy VPN exception';
    (unmanaged.conditions as { users: Record<string, string[]> }).users.excludeUsers = [IDS.bg1];
    live.conditionalAccessPolicies.push(unmanaged);
    expect(plan(live).diagnostics).toEqual([
      { severity: 'warning', code: 'WR133', message: 'enabled policy "CA099 - Legacy VPN exception" (not managed here) does not exclude the emergency-access user breakglass2@contoso.onmicrosoft.com' },
    ]);
  });

  it('ignores a disabled unmanaged policy', () => {
    const live = matchingLive();
    const unmanaged = structuredClone(live.conditionalAccessPolicies[0]!);
    Object.assign(unmanaged, { id: IDS.caUnmanaged, displayName: 'CA098', state: 'disabled' });
    (unmanaged.conditions as { users: Record<string, string[]> }).users.excludeUsers = [];
    live.conditionalAccessPolicies.push(unmanaged);
    expect(plan(live).diagnostics).toEqual([]);
  });

  it('errors when an enabled MFA policy would apply while no MFA method is enabled', () => {
    const desired = sampleDesired();
    desired.authenticationMethods!.spec.microsoftAuthenticator!.state = 'disabled';
    const p = buildPlan({ desired, live: matchingLive(), now, toolVersion: 'test' });
    expect(p.diagnostics.filter((d) => d.code === 'ER034').map((d) => d.message)).toEqual([
      'policy "CA010 - Require MFA for rollout waves" requires MFA but no MFA method (Authenticator, FIDO2, SMS, voice, OATH, certificate) is enabled in the methods policy: its users could not sign in',
      'policy "CA001 - Require MFA for administrators" requires MFA but no MFA method (Authenticator, FIDO2, SMS, voice, OATH, certificate) is enabled in the methods policy: its users could not sign in',
    ]);
  });

  it('errors on two live policies with the declared display name, and plans nothing for it', () => {
    const live = matchingLive();
    live.conditionalAccessPolicies.push({ ...live.conditionalAccessPolicies[0]!, id: IDS.caUnmanaged });
    const p = plan(live);
    expect(p.diagnostics.map((d) => d.code)).toEqual(['ER032']);
    expect(p.resources.map((r) => r.address)).not.toContain('ConditionalAccessPolicy.require-mfa');
  });
});
