// The emulator's method configurations and methods policy PATCH: what Graph documents it refuses
// (an undeclared property of the closed type, an enum value outside the documented ones, a malformed
// target) is a 400 with Graph's error envelope, and nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Client } from './helpers.js';

let c: Client;
beforeAll(async () => {
  c = await start();
});
afterAll(async () => {
  await c.close();
});

const path = (id: string) => `/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/${id}`;
const type = (t: string) => `#microsoft.graph.${t}AuthenticationMethodConfiguration`;

describe('method configuration PATCH validation', () => {
  it.each([
    ['Sms', 'sms', { isOfficePhoneAllowed: true }, "The property 'isOfficePhoneAllowed' does not exist on type 'microsoft.graph.smsAuthenticationMethodConfiguration'"],
    ['Voice', 'voice', { includeTargets: [{ id: 'all_users', targetType: 'group', isUsableForSignIn: true }] }, "The property 'isUsableForSignIn' does not exist on type 'microsoft.graph.authenticationMethodTarget'"],
    ['Email', 'email', { allowExternalIdToUseEmailOtp: 'sometimes' }, "Invalid value 'sometimes' for property 'allowExternalIdToUseEmailOtp'"],
    ['Fido2', 'fido2', { keyRestrictions: { isEnforced: true, enforcementType: 'deny', aaGuids: [] } }, "Invalid value 'deny' for property 'enforcementType'"],
    ['Fido2', 'fido2', { passkeyProfiles: [{ id: 'p', name: 'n', passkeyTypes: 'synced', attestationEnforcement: 'always', keyRestrictions: {} }] }, "Invalid value 'always' for property 'attestationEnforcement'"],
    ['X509Certificate', 'x509Certificate', { authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateTripleFactor', rules: [] } }, "Invalid value 'x509CertificateTripleFactor'"],
    ['SoftwareOath', 'softwareOath', { includeTargets: [{ targetType: 'group' }] }, "A target in 'includeTargets' needs an 'id'"],
    ['SoftwareOath', 'softwareOath', { includeTargets: { id: 'all_users' } }, "Property 'includeTargets' must be a collection"],
    ['Sms', 'sms', { state: 'on' }, "Invalid value 'on' for property 'state'"],
  ])('%s: %j is refused', async (id, t, patch, message) => {
    const before = await c.graph('GET', path(id));
    const r = await c.graph('PATCH', path(id), { '@odata.type': type(t), ...patch });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('BadRequest');
    expect(r.json.error.message).toContain(message);
    expect((await c.graph('GET', path(id))).json).toEqual(before.json);
  });

  it('accepts what each configuration documents and stores it (sms sign-in per target, fido2 passkey profiles, x509 bindings)', async () => {
    const sms = await c.graph('PATCH', path('Sms'), { '@odata.type': type('sms'), includeTargets: [{ id: 'all_users', targetType: 'group', isRegistrationRequired: false, isUsableForSignIn: true }] });
    expect(sms.status).toBe(204);
    expect((await c.graph('GET', path('Sms'))).json.includeTargets).toEqual([{ id: 'all_users', targetType: 'group', isRegistrationRequired: false, isUsableForSignIn: true }]);
    const profile = { id: '00000000-0000-0000-0000-000000000001', name: 'Default passkey profile', passkeyTypes: 'deviceBound,synced', attestationEnforcement: 'disabled', keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] } };
    expect((await c.graph('PATCH', path('Fido2'), { '@odata.type': type('fido2'), passkeyProfiles: [profile] })).status).toBe(204);
    expect((await c.graph('GET', path('Fido2'))).json.passkeyProfiles).toEqual([profile]);
  });

  it('the policy PATCH refuses an unknown property and an undocumented policyMigrationState, and stores a documented one', async () => {
    const bad = await c.graph('PATCH', '/policies/authenticationMethodsPolicy', { systemCredentialPreferences: { state: 'enabled' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain("The property 'systemCredentialPreferences' does not exist on type 'microsoft.graph.authenticationMethodsPolicy'");
    expect((await c.graph('PATCH', '/policies/authenticationMethodsPolicy', { policyMigrationState: 'done' })).status).toBe(400);
    const ok = await c.graph('PATCH', '/policies/authenticationMethodsPolicy', { policyMigrationState: 'migrationInProgress' });
    expect(ok.status).toBe(200);
    expect(ok.json.policyMigrationState).toBe('migrationInProgress');
  });
});
