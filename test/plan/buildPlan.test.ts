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
    (ca as Record<string, unknown>).grantControls = { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: null, termsOfUse: null };
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

// Graph keeps what a PATCH leaves out, nested properties too: "Existing properties that are not
// included in the request body will maintain their previous values" (api-reference/v1.0/api/
// conditionalaccesspolicy-update.md). Every removed value must be sent empty, at any depth.
describe('CA update bodies clear removed values at any depth (conditionalaccesspolicy-update)', () => {
  const MFA_STRENGTH = '00000000-0000-0000-0000-000000000002'; // built-in "Multifactor authentication"
  const requireMfa = (desired = sampleDesired()) => desired.conditionalAccessPolicies.find((d) => d.name === 'require-mfa')!;
  const liveRequireMfa = (live: LiveState) => live.conditionalAccessPolicies.find((p) => p.id === IDS.caRequireMfa)!;
  const patchOf = (desired: ReturnType<typeof sampleDesired>, live: LiveState) => {
    const r = byAddress(buildPlan({ desired, live, now, toolVersion: 'test' }), 'ConditionalAccessPolicy.require-mfa');
    expect(r.action).toBe('update');
    expect(r.write?.method).toBe('PATCH');
    return r.write!.body as Record<string, any>;
  };

  it('switching builtInControls [mfa] to an authenticationStrength sends builtInControls: [] (Graph refuses both with 1108)', () => {
    const desired = sampleDesired();
    requireMfa(desired).spec.grantControls = { operator: 'OR', authenticationStrength: { id: MFA_STRENGTH } };
    const body = patchOf(desired, matchingLive());
    expect(body.grantControls).toEqual({ operator: 'OR', authenticationStrength: { id: MFA_STRENGTH }, builtInControls: [] });
  });

  it('switching an authenticationStrength back to mfa sends authenticationStrength: null', () => {
    const live = matchingLive();
    liveRequireMfa(live).grantControls = { operator: 'OR', builtInControls: [], customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: { id: MFA_STRENGTH, displayName: 'Multifactor authentication', policyType: 'builtIn' } };
    const body = patchOf(sampleDesired(), live);
    expect(body.grantControls).toEqual({ operator: 'OR', builtInControls: ['mfa'], authenticationStrength: null });
  });

  it('a removed sub-list in conditions.applications is sent as [], a removed filter as null, the rest of the object kept', () => {
    const live = matchingLive();
    const apps = (liveRequireMfa(live).conditions as { applications: Record<string, unknown> }).applications;
    apps.excludeApplications = ['00000002-0000-0ff1-ce00-000000000000'];
    apps.includeUserActions = [];
    apps.applicationFilter = { mode: 'exclude', rule: 'CustomSecurityAttribute.Tier -eq "0"' };
    const body = patchOf(sampleDesired(), live);
    expect(body.conditions.applications).toEqual({ includeApplications: ['All'], excludeApplications: [], applicationFilter: null });
  });

  it('removed lists in platforms, clientApplications and the users guests object are cleared inside the kept objects', () => {
    const desired = sampleDesired();
    const spec = requireMfa(desired).spec;
    spec.conditions.platforms = { includePlatforms: ['all'] };
    spec.conditions.clientApplications = { includeServicePrincipals: ['ServicePrincipalsInMyTenant'] };
    const live = matchingLive();
    const conditions = liveRequireMfa(live).conditions as Record<string, any>;
    conditions.platforms = { includePlatforms: ['all'], excludePlatforms: ['iOS'] };
    conditions.clientApplications = { includeServicePrincipals: ['ServicePrincipalsInMyTenant'], excludeServicePrincipals: ['5b1c9a4e-0000-4000-8000-000000000001'], servicePrincipalFilter: null };
    conditions.users.excludeGuestsOrExternalUsers = { guestOrExternalUserTypes: 'internalGuest', externalTenants: null };
    const body = patchOf(desired, live);
    expect(body.conditions.platforms).toEqual({ includePlatforms: ['all'], excludePlatforms: [] });
    expect(body.conditions.clientApplications).toEqual({ includeServicePrincipals: ['ServicePrincipalsInMyTenant'], excludeServicePrincipals: [] });
    expect(body.conditions.users.excludeGuestsOrExternalUsers).toBeNull();
  });

  it('a removed session control is sent as null while the kept one stays; no sessionControls at all clears the whole object', () => {
    const desired = sampleDesired();
    requireMfa(desired).spec.sessionControls = { persistentBrowser: { isEnabled: true, mode: 'never' } };
    const live = matchingLive();
    liveRequireMfa(live).sessionControls = {
      disableResilienceDefaults: null,
      applicationEnforcedRestrictions: null,
      cloudAppSecurity: null,
      persistentBrowser: { isEnabled: true, mode: 'never' },
      signInFrequency: { isEnabled: true, type: 'hours', value: 4, authenticationType: 'primaryAndSecondaryAuthentication', frequencyInterval: 'timeBased' },
    };
    const r = byAddress(buildPlan({ desired, live, now, toolVersion: 'test' }), 'ConditionalAccessPolicy.require-mfa');
    expect(r.changes.map((c) => c.path)).toEqual(['sessionControls.signInFrequency']);
    expect((r.write!.body as Record<string, any>).sessionControls).toEqual({ persistentBrowser: { isEnabled: true, mode: 'never' }, signInFrequency: null });
    const none = patchOf(sampleDesired(), live);
    expect(none.sessionControls).toBeNull();
  });

  it('a sign-in frequency written without Graph defaults, and a disabled session control, are no change', () => {
    const desired = sampleDesired();
    requireMfa(desired).spec.sessionControls = { signInFrequency: { isEnabled: true, type: 'hours', value: 4 } };
    const live = matchingLive();
    liveRequireMfa(live).sessionControls = {
      persistentBrowser: { isEnabled: false, mode: 'always' },
      signInFrequency: { isEnabled: true, type: 'hours', value: 4, authenticationType: 'primaryAndSecondaryAuthentication', frequencyInterval: 'timeBased' },
    };
    expect(byAddress(buildPlan({ desired, live, now, toolVersion: 'test' }), 'ConditionalAccessPolicy.require-mfa').action).toBe('noop');
  });

  it('guest exclusions: flags compare as sets, and the external tenants carry the derived @odata.type Graph needs', () => {
    const desired = sampleDesired();
    requireMfa(desired).spec.conditions.users.excludeGuestsOrExternalUsers = {
      guestOrExternalUserTypes: 'serviceProvider,internalGuest',
      externalTenants: { membershipKind: 'enumerated', members: ['bd005e2a-876d-4bf0-92a1-ae9ff4276d54'] },
    };
    const live = matchingLive();
    const users = (liveRequireMfa(live).conditions as Record<string, any>).users;
    users.excludeGuestsOrExternalUsers = {
      guestOrExternalUserTypes: 'internalGuest,serviceProvider',
      externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessEnumeratedExternalTenants', membershipKind: 'enumerated', members: ['bd005e2a-876d-4bf0-92a1-ae9ff4276d54'] },
    };
    expect(byAddress(buildPlan({ desired, live, now, toolVersion: 'test' }), 'ConditionalAccessPolicy.require-mfa').action).toBe('noop');
    users.excludeGuestsOrExternalUsers = null;
    const body = patchOf(desired, live);
    expect(body.conditions.users.excludeGuestsOrExternalUsers).toEqual({
      guestOrExternalUserTypes: 'internalGuest,serviceProvider',
      externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessEnumeratedExternalTenants', membershipKind: 'enumerated', members: ['bd005e2a-876d-4bf0-92a1-ae9ff4276d54'] },
    });
  });
});

describe('live CA properties the tool does not know', () => {
  it('are reported as WR140 naming the policy and the path, never dropped silently; nulls and Graph annotations are not', () => {
    const live = matchingLive();
    const policy = live.conditionalAccessPolicies.find((p) => p.id === IDS.caRequireMfa)!;
    (policy.conditions as Record<string, any>).agentIdRiskLevels = 'high';
    (policy.conditions as Record<string, any>).users.includeAgents = ['x'];
    (policy.conditions as Record<string, any>).someFutureCondition = null;
    policy['grantControls@odata.context'] = 'https://graph.microsoft.com/v1.0/$metadata#…';
    (policy.grantControls as Record<string, any>).authenticationStrength = null;
    const p = plan(live);
    expect(p.diagnostics.filter((d) => d.code === 'WR140').map((d) => [d.severity, d.message])).toEqual([
      ['warning', 'live policy "CA010 - Require MFA for rollout waves" has conditions.users.includeAgents, which this tool does not know: it is not compared, and an update leaves it as it is'],
      ['warning', 'live policy "CA010 - Require MFA for rollout waves" has conditions.agentIdRiskLevels, which this tool does not know: it is not compared, and an update leaves it as it is'],
    ]);
  });
});
