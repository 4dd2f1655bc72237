// The other method configurations of the v1.0 methods policy (sms, voice, fido2, softwareOath, email,
// x509Certificate) and the policy-level policyMigrationState: only what is declared is managed, a field
// diff, the PATCH Graph documents (with @odata.type), and no perpetual diff on Graph's defaults.
import { describe, expect, it } from 'vitest';
import { projectToSchema, specSchema } from '../../src/config/schemas.js';
import type { GenericMethodSpecs } from '../../src/config/types.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { genericMethod, liveGenericMethod, mergeDeep, projectDeep } from '../../src/plan/methodConfigs.js';
import { checkWriteSafety } from '../../src/plan/safety.js';
import type { PlanFile } from '../../src/plan/types.js';
import type { LiveState } from '../../src/tenant/types.js';
import { IDS, matchingLive, sampleDesired } from './fixtures.js';

const now = new Date('2026-11-23T12:00:00Z');
type Json = Record<string, unknown>;

/** Graph's v1.0 examples of each configuration (Learn "Get …AuthenticationMethodConfiguration"), trimmed. */
function liveConfigs(): Record<string, Json> {
  const allUsers = (extra: Json = {}) => [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false, ...extra }];
  return {
    sms: { '@odata.type': '#microsoft.graph.smsAuthenticationMethodConfiguration', id: 'Sms', state: 'enabled', excludeTargets: [], includeTargets: allUsers({ isUsableForSignIn: false }) },
    voice: { '@odata.type': '#microsoft.graph.voiceAuthenticationMethodConfiguration', id: 'Voice', state: 'disabled', isOfficePhoneAllowed: false, excludeTargets: [], includeTargets: allUsers() },
    fido2: {
      '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration',
      id: 'Fido2',
      state: 'enabled',
      isSelfServiceRegistrationAllowed: true,
      isAttestationEnforced: false,
      keyRestrictions: { isEnforced: false, enforcementType: 'block', aaGuids: [] },
      excludeTargets: [],
      includeTargets: allUsers(),
    },
    softwareoath: { '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethodConfiguration', id: 'SoftwareOath', state: 'disabled', excludeTargets: [], includeTargets: allUsers() },
    email: { '@odata.type': '#microsoft.graph.emailAuthenticationMethodConfiguration', id: 'Email', state: 'enabled', allowExternalIdToUseEmailOtp: 'default', excludeTargets: [], includeTargets: allUsers() },
    x509certificate: {
      '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
      id: 'X509Certificate',
      state: 'disabled',
      certificateUserBindings: [{ x509CertificateField: 'PrincipalName', userProperty: 'onPremisesUserPrincipalName', priority: 1 }],
      authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor', rules: [] },
      excludeTargets: [],
      includeTargets: allUsers(),
    },
  };
}

function liveWithAll(): LiveState {
  const live = matchingLive();
  Object.assign(live.methodConfigurations, liveConfigs());
  return live;
}

function planWith(spec: GenericMethodSpecs & { policyMigrationState?: 'preMigration' | 'migrationInProgress' | 'migrationComplete' }, live: LiveState = liveWithAll()): PlanFile {
  const desired = sampleDesired();
  Object.assign(desired.authenticationMethods!.spec, spec);
  return buildPlan({ desired, live, now, toolVersion: 'test' });
}

const resource = (p: PlanFile, key: string) => p.resources.find((r) => r.address === `AuthenticationMethods.methods.${key}`);

describe('other method configurations', () => {
  it('an undeclared method is not managed (no resource); a declared one matching Graph is noop, defaults and all', () => {
    expect(planWith({}).resources.map((r) => r.address)).not.toContain('AuthenticationMethods.methods.sms');
    const p = planWith({
      sms: { state: 'enabled', includeTargets: [{ group: 'all_users', isUsableForSignIn: false }] },
      voice: { state: 'disabled', includeTargets: [{ group: 'all_users' }] },
      fido2: { state: 'enabled', keyRestrictions: { isEnforced: false } },
      softwareOath: { state: 'disabled' },
      email: { state: 'enabled', allowExternalIdToUseEmailOtp: 'default', excludeTargets: [] },
      x509Certificate: { state: 'disabled', authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor' } },
      policyMigrationState: 'migrationComplete',
    });
    const ours = p.resources.filter((r) => r.address.startsWith('AuthenticationMethods.') && !/microsoftAuthenticator|temporaryAccessPass|registrationCampaign/.test(r.address));
    expect(ours.map((r) => `${r.address.split('.').pop()} ${r.action}`)).toEqual(['sms noop', 'voice noop', 'fido2 noop', 'softwareOath noop', 'email noop', 'x509Certificate noop', 'policyMigrationState noop']);
  });

  it('field-level changes, by group name, and the PATCH body Graph documents (@odata.type, complex values merged over live)', () => {
    const p = planWith({
      sms: { state: 'enabled', includeTargets: [{ group: 'MFA Wave 0 - IT', isUsableForSignIn: true }] },
      fido2: { state: 'enabled', keyRestrictions: { isEnforced: true, aaGuids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'] } },
      voice: { state: 'enabled', isOfficePhoneAllowed: true },
    });
    const sms = resource(p, 'sms')!;
    expect(sms.action).toBe('update');
    expect(sms.changes.map((c) => c.path)).toEqual(['includeTargets']);
    expect(sms.changes[0]!.added).toEqual([{ id: 'MFA Wave 0 - IT', targetType: 'group', isRegistrationRequired: false, isUsableForSignIn: true }]);
    expect(sms.write).toEqual({
      method: 'PATCH',
      path: '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms',
      graphId: 'Sms',
      body: { '@odata.type': '#microsoft.graph.smsAuthenticationMethodConfiguration', includeTargets: [{ id: IDS.wave0, isRegistrationRequired: false, isUsableForSignIn: true, targetType: 'group' }], state: 'enabled' },
    });
    const fido2 = resource(p, 'fido2')!;
    expect(fido2.changes.map((c) => c.path)).toEqual(['keyRestrictions.aaGuids', 'keyRestrictions.isEnforced']);
    // enforcementType is not declared: kept as it is live, never cleared.
    expect(fido2.write!.body.keyRestrictions).toEqual({ aaGuids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'], enforcementType: 'block', isEnforced: true });
    const voice = resource(p, 'voice')!;
    expect(voice.changes.map((c) => `${c.path}: ${String(c.before)} → ${String(c.after)}`)).toEqual(['isOfficePhoneAllowed: false → true', 'state: disabled → enabled']);
  });

  it('aaGuids and passkey profiles are sets (order does not matter)', () => {
    const live = liveWithAll();
    (live.methodConfigurations.fido2!.keyRestrictions as Json).aaGuids = ['b', 'a'];
    live.methodConfigurations.fido2!.passkeyProfiles = [
      { id: 'p2', name: 'Synced', passkeyTypes: 'synced', attestationEnforcement: 'disabled', keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] } },
      { id: 'p1', name: 'Default', passkeyTypes: 'deviceBound,synced', attestationEnforcement: 'disabled', keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] } },
    ];
    const profiles = [...(live.methodConfigurations.fido2!.passkeyProfiles as Json[])].reverse() as NonNullable<GenericMethodSpecs['fido2']>['passkeyProfiles'];
    const p = planWith({ fido2: { state: 'enabled', keyRestrictions: { aaGuids: ['a', 'b'] }, passkeyProfiles: profiles } }, live);
    expect(resource(p, 'fido2')!.action).toBe('noop');
  });

  it('policyMigrationState is a PATCH of the policy itself', () => {
    const r = resource(planWith({ policyMigrationState: 'migrationInProgress' }), 'policyMigrationState')!;
    expect(r.changes).toEqual([{ path: 'policyMigrationState', before: 'migrationComplete', after: 'migrationInProgress' }]);
    expect(r.write).toEqual({ method: 'PATCH', path: '/policies/authenticationMethodsPolicy', graphId: 'authenticationMethodsPolicy', body: { policyMigrationState: 'migrationInProgress' } });
  });

  it('a method the tenant does not have yet (absent from the GET) is planned from Graph defaults', () => {
    const live = matchingLive();
    const r = resource(planWith({ email: { state: 'enabled', allowExternalIdToUseEmailOtp: 'disabled' } }, live), 'email')!;
    expect(r.changes.map((c) => c.path)).toEqual(['allowExternalIdToUseEmailOtp', 'state']);
  });

  it('turning off the last MFA method through a method configuration is ER034, at plan time and in apply\'s check of the bodies', () => {
    const live = liveWithAll();
    live.methodConfigurations.fido2!.state = 'disabled'; // SMS is now the only MFA method besides the Authenticator
    const desired = sampleDesired();
    desired.authenticationMethods!.spec.microsoftAuthenticator!.state = 'disabled';
    expect(buildPlan({ desired, live, now, toolVersion: 'test' }).diagnostics.map((d) => d.code)).not.toContain('ER034');
    desired.authenticationMethods!.spec.sms = { state: 'disabled' };
    const p = buildPlan({ desired, live, now, toolVersion: 'test' });
    expect(p.diagnostics.map((d) => d.code)).toContain('ER034');
    // apply's guard on the bodies: the method writes laid over the live configurations.
    const writes = p.resources.filter((r) => r.write).map((r) => ({ kind: r.kind, displayName: r.displayName, write: r.write }));
    const caBodies = live.conditionalAccessPolicies.map((c) => ({ kind: 'ConditionalAccessPolicy' as const, displayName: String(c.displayName), write: { method: 'PATCH' as const, path: '', graphId: String(c.id), body: c } }));
    const emergency = { userIds: [IDS.bg1, IDS.bg2], groupIds: [IDS.emergencyGroup] };
    expect(checkWriteSafety([...writes, ...caBodies], emergency, { methodConfigurations: live.methodConfigurations }).map((d) => d.code)).toContain('ER034');
    const smsOnly = writes.filter((w) => w.kind !== 'Sms');
    expect(checkWriteSafety([...smsOnly, ...caBodies], emergency, { methodConfigurations: live.methodConfigurations }).map((d) => d.code)).not.toContain('ER034');
  });
});

describe('methodConfigs helpers', () => {
  it('export projects live values onto the schema, list items too: a property Graph adds later is not written', () => {
    const fido2 = specSchema('AuthenticationMethods').properties!.fido2!;
    const profiles = [{ id: 'p1', name: 'Default', passkeyTypes: 'synced', attestationEnforcement: 'disabled', keyRestrictions: { isEnforced: false, futureFlag: 1 }, newerProperty: true }];
    expect(projectToSchema(profiles, fido2.properties!.passkeyProfiles)).toEqual([{ id: 'p1', name: 'Default', passkeyTypes: 'synced', attestationEnforcement: 'disabled', keyRestrictions: { isEnforced: false } }]);
  });

  it('projectDeep keeps only declared keys, nested; mergeDeep lays a partial object over live and replaces lists', () => {
    expect(projectDeep({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { b: { c: 9 }, e: [] })).toEqual({ b: { c: 2 }, e: [1] });
    expect(mergeDeep({ c: 2, d: [1, 2] }, { d: [3] })).toEqual({ c: 2, d: [3] });
  });

  it('live defaults: missing target flags and properties read as Graph documents them', () => {
    const live = liveGenericMethod(genericMethod('sms'), { state: 'enabled', includeTargets: [{ id: 'all_users' }] });
    expect(live.includeTargets).toEqual([{ id: 'all_users', targetType: 'group', isRegistrationRequired: false, isUsableForSignIn: true }]);
    expect(liveGenericMethod(genericMethod('voice'), {}).isOfficePhoneAllowed).toBe(false);
  });
});
