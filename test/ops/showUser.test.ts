import { describe, expect, it } from 'vitest';
import { buildUserReport, explainSignInError, type UserShowInput } from '../../src/ops/showUser.js';
import type { AuditEvent } from '../../src/waves/index.js';

const USER = 'u-1';
const AUTH = (id: string, created: string) => ({ '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', id, displayName: `phone ${id}`, createdDateTime: created });

function stamp(at: string, deviceId: string): AuditEvent {
  return {
    id: `a-${at}`,
    activityDateTime: at,
    activityDisplayName: 'Update user',
    loggedByService: 'Core Directory',
    result: 'success',
    targetResources: [{ id: USER, type: 'User', modifiedProperties: [{ displayName: 'StrongAuthenticationPhoneAppDetail', oldValue: '[]', newValue: JSON.stringify([{ Id: deviceId }]) }] }],
    initiatedBy: { app: { displayName: 'Azure MFA StrongAuthenticationService' } },
  };
}

function input(over: Partial<UserShowInput> = {}): UserShowInput {
  return {
    now: '2026-11-20T09:00:00Z',
    user: { id: USER, userPrincipalName: 'u@contoso.test', accountEnabled: true },
    registration: { id: USER, isMfaCapable: false, isMfaRegistered: true, methodsRegistered: ['microsoftAuthenticatorPush'], lastUpdatedDateTime: '2026-11-01T00:00:00Z' },
    methods: [],
    audits: [],
    auditsFrom: '2026-10-21T09:00:00Z',
    signIns: [],
    signInsFrom: '2026-11-13T09:00:00Z',
    rollouts: [],
    unavailable: {},
    ...over,
  };
}

describe('buildUserReport', () => {
  it('flags the Authenticator the audit log stamped and never completed, not the older working one', () => {
    const report = buildUserReport(
      input({
        methods: [AUTH('old', '2026-06-01T00:00:00Z'), AUTH('new', '2026-11-18T10:00:10Z')],
        audits: [stamp('2026-11-18T10:00:00Z', 'NEW')],
      }),
    );
    expect(report.verdict).toMatchObject({ ready: false, reason: 'unverifiedAuthenticator' });
    expect(report.methods.map((m) => [m.id, m.usable])).toEqual([
      ['old', null],
      ['new', false],
    ]);
    expect(report.audit.abandonedAuthenticatorAt).toBe('2026-11-18T10:00:00Z');
  });

  it('marks a method disabled by the methods policy, and a TAP by its state only', () => {
    const report = buildUserReport(
      input({
        registration: { id: USER, isMfaCapable: false, isMfaRegistered: true, methodsRegistered: ['officePhone'] },
        methods: [
          { '@odata.type': '#microsoft.graph.phoneAuthenticationMethod', id: 'p', phoneNumber: '+1 4255550100', phoneType: 'office' },
          { '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod', id: 't', temporaryAccessPass: 'SECRET-PASS', isUsable: false, methodUsabilityReason: 'Expired', lifetimeInMinutes: 60 },
        ],
        methodConfigurations: { voice: { id: 'Voice', state: 'disabled' }, temporaryaccesspass: { id: 'TemporaryAccessPass', state: 'enabled', includeTargets: [{ id: 'all_users' }] } },
        memberOf: new Set(),
      }),
    );
    expect(report.verdict).toMatchObject({ ready: false, reason: 'registeredNotCapable' });
    expect(report.methods[0]).toMatchObject({ usable: false, note: 'Voice is disabled in the authentication methods policy' });
    expect(report.methods[1]).toMatchObject({ type: 'temporaryAccessPass', usable: false, mfaMethod: false });
    expect(JSON.stringify(report)).not.toContain('SECRET-PASS');
  });

  // Issues 13.3/13.10/14.3: `users show` weighs the same evidence as the gates, through the same code.
  it('shows a successful MFA sign-in as the proof of readiness', () => {
    const report = buildUserReport(
      input({
        signIns: [{ createdDateTime: '2026-11-19T08:00:00Z', userId: USER, status: { errorCode: 0 }, appliedConditionalAccessPolicies: [{ id: 'p', displayName: 'CA010', result: 'success', enforcedGrantControls: ['Mfa'] }] }],
      }),
    );
    expect(report.verdict).toMatchObject({ ready: true, proof: 'mfaSignIn' });
    expect(report.verdict.explanation).toContain('successful MFA sign-in at 2026-11-19T08:00:00Z');
  });

  it('says "unknown: audit history too short" instead of blaming a policy that allows the method', () => {
    const report = buildUserReport(
      input({
        registration: { id: USER, isMfaCapable: false, isMfaRegistered: true, methodsRegistered: ['microsoftAuthenticatorPush'], lastUpdatedDateTime: '2026-08-01T00:00:00Z' },
        methodConfigurations: { microsoftauthenticator: { id: 'MicrosoftAuthenticator', state: 'enabled', includeTargets: [{ id: 'all_users' }], excludeTargets: [] } },
      }),
    );
    expect(report.verdict).toMatchObject({ ready: false, reason: 'unknown' });
    expect(report.verdict.explanation).toMatch(/^unknown: audit history too short/);
    expect(report.verdict.explanation).not.toContain('does not allow');
  });

  it('names the policy setting behind registeredNotCapable', () => {
    const report = buildUserReport(
      input({
        registration: { id: USER, isMfaCapable: false, isMfaRegistered: true, methodsRegistered: ['officePhone'], lastUpdatedDateTime: '2026-11-01T00:00:00Z' },
        methodConfigurations: { voice: { id: 'Voice', state: 'disabled' } },
      }),
    );
    expect(report.verdict).toMatchObject({ ready: false, reason: 'registeredNotCapable' });
    expect(report.verdict.explanation).toContain('officePhone: Voice.state is disabled');
  });

  // Issue 14.9 changed this: successful sign-ins are listed too (they used to be hidden).
  it('explains the MFA error codes and lists successful and failed sign-ins, with method and CA result', () => {
    expect(explainSignInError(50079)).toEqual({ meaning: 'must register for MFA (security info registration required)', mfa: true });
    expect(explainSignInError(53004).mfa).toBe(true);
    expect(explainSignInError(50126)).toEqual({ meaning: 'wrong username or password', mfa: false });
    expect(explainSignInError(99999).meaning).toMatch(/AADSTS99999/);
    const report = buildUserReport(
      input({
        signIns: [
          { createdDateTime: '2026-11-19T01:00:00Z', status: { errorCode: 0 }, mfaDetail: { authMethod: 'Mobile app notification' }, appliedConditionalAccessPolicies: [{ id: 'p1', displayName: 'Admins MFA', result: 'success' }, { id: 'p2', displayName: 'Other', result: 'notApplied' }] },
          { createdDateTime: '2026-11-19T02:00:00Z', status: { errorCode: 50126 } },
          { createdDateTime: '2026-11-19T03:00:00Z', status: { errorCode: 53003 }, conditionalAccessStatus: 'failure' },
        ],
      }),
    );
    expect(report.signIns).toMatchObject({ total: 3, failed: 2, mfaRelated: 1 });
    expect(report.signIns.recent.map((s) => s.errorCode)).toEqual([53003, 50126, 0]);
    expect(report.signIns.recent[2]).toMatchObject({ method: 'Mobile app notification', conditionalAccess: [{ displayName: 'Admins MFA', result: 'success' }] });
  });
});

// Issue 14.9: every CA policy that applies to the user, and why; exclusions win.
describe('users show: CA policies that apply', () => {
  const policy = (displayName: string, users: Record<string, unknown>): Record<string, unknown> => ({ id: displayName, displayName, state: 'enabled', conditions: { users } });
  it('all users, by id, by group (nesting followed), guests; excluded ones left out; roles as maybe for an admin whose roles were not read', () => {
    const report = buildUserReport(
      input({
        user: { id: USER, userPrincipalName: 'u@contoso.test', accountEnabled: true, userType: 'Guest' },
        registration: { id: USER, isMfaCapable: true, isMfaRegistered: true, methodsRegistered: [], isAdmin: true },
        memberOf: new Set(['g-in', 'g-out']),
        caPolicies: [
          policy('all', { includeUsers: ['All'] }),
          policy('byId', { includeUsers: [USER] }),
          policy('group', { includeGroups: ['G-IN'] }),
          policy('guests', { includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'internalGuest' } }),
          policy('roles', { includeRoles: ['62e90394-69f5-4237-9190-012177145e10'] }),
          policy('excludedGroup', { includeUsers: ['All'], excludeGroups: ['g-out'] }),
          policy('excludedUser', { includeUsers: ['All'], excludeUsers: [USER] }),
          policy('otherGroup', { includeGroups: ['g-other'] }),
        ],
      }),
    );
    expect(Object.fromEntries((report.caPolicies ?? []).map((p) => [p.displayName, `${p.applies}: ${p.why}`]))).toEqual({
      all: 'yes: includes all users',
      byId: 'yes: includes the user by id',
      group: 'yes: includes group g-in, which holds the user (nesting followed)',
      guests: 'yes: includes guests or external users, and the user is a guest',
      roles: "maybe: includes directory roles (62e90394-69f5-4237-9190-012177145e10) and the user holds an admin role; the user's roles could not be read",
    });
    expect(buildUserReport(input()).caPolicies).toBeNull();
  });

  // CA's includeRoles/excludeRoles hold role template ids (conditionalAccessUsers); a directoryRole
  // carries its template as roleTemplateId, its id being the activated role's object id.
  const GA = '62e90394-69f5-4237-9190-012177145e10';
  const SECURITY_ADMIN = '194ae4cb-b126-40b2-bd5b-6091b380977d';
  const globalAdmin = { id: 'role-object-1', displayName: 'Global Administrator', roleTemplateId: GA };
  const rolePolicies = [
    policy('admins', { includeRoles: [SECURITY_ADMIN, GA.toUpperCase()] }),
    policy('securityOnly', { includeRoles: [SECURITY_ADMIN] }),
    policy('allButAdmins', { includeUsers: ['All'], excludeRoles: [GA] }),
  ];
  const admin = { id: USER, isMfaCapable: true, isMfaRegistered: true, methodsRegistered: [], isAdmin: true };
  it('roles read: a role policy applies (yes, the role named) or not, by template id; an excluded role leaves the policy out', () => {
    const report = buildUserReport(input({ registration: admin, memberOf: new Set(), directoryRoles: [globalAdmin], caPolicies: rolePolicies }));
    expect(Object.fromEntries((report.caPolicies ?? []).map((p) => [p.displayName, `${p.applies}: ${p.why}`]))).toEqual({
      admins: `yes: includes the directory role Global Administrator (${GA}), which the user holds`,
    });
    expect(report.directoryRoles).toEqual([{ displayName: 'Global Administrator', roleTemplateId: GA }]);
    // A user with no role: no role policy applies, and "all but admins" does.
    const plain = buildUserReport(input({ registration: admin, memberOf: new Set(), directoryRoles: [], caPolicies: rolePolicies }));
    expect((plain.caPolicies ?? []).map((p) => `${p.displayName}: ${p.applies}`)).toEqual(['allButAdmins: yes']);
    expect(plain.directoryRoles).toEqual([]);
  });
  it('roles not read (refused): role policies stay maybe for an admin and directoryRoles is null', () => {
    const report = buildUserReport(input({ registration: admin, memberOf: new Set(), caPolicies: rolePolicies, unavailable: { roles: '403 Authorization_RequestDenied' } }));
    expect((report.caPolicies ?? []).map((p) => `${p.displayName}: ${p.applies}`)).toEqual(['admins: maybe', 'securityOnly: maybe', 'allButAdmins: maybe']);
    expect(report.directoryRoles).toBeNull();
  });
  it("the rollout's policy: included or excluded through a held role, named", () => {
    const rollout = (users: { includeRoles?: string[]; excludeRoles?: string[]; includeGroups?: string[] }) => ({
      name: 'r',
      strategy: 'nestedGroups' as const,
      policyName: 'p',
      livePolicy: { id: 'pol', state: 'enabled', includeUsers: [], excludeUsers: [], includeGroups: users.includeGroups ?? [], excludeGroups: [], includeRoles: users.includeRoles ?? [], excludeRoles: users.excludeRoles ?? [] },
      waves: [],
    });
    const included = buildUserReport(input({ memberOf: new Set(), directoryRoles: [globalAdmin], rollouts: [rollout({ includeRoles: [GA] })] })).rollouts[0]!;
    expect(included).toMatchObject({ policyApplies: 'enforced', reason: 'enforced via the directory role Global Administrator, which the policy includes' });
    const excluded = buildUserReport(input({ memberOf: new Set(['g']), directoryRoles: [globalAdmin], rollouts: [rollout({ includeGroups: ['g'], excludeRoles: [GA] })] })).rollouts[0]!;
    expect(excluded).toMatchObject({ policyApplies: 'no', reason: 'the user holds an excluded directory role (Global Administrator)' });
    const unread = buildUserReport(input({ memberOf: new Set(), unavailable: { roles: 'denied' }, rollouts: [rollout({ includeRoles: [GA] })] })).rollouts[0]!;
    expect(unread.policyApplies).toBe('unknown');
    expect(unread.reason).toContain("the user's roles could not be read: denied");
  });
});
