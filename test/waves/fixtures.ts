// In-memory builders for the wave controller's inputs. Times are relative to a fixed clock.
import type { RolloutSpec } from '../../src/config/types.js';
import type { AuditEvent, ReadinessInput, RegistrationRow, RolloutObservation, SignInEvent, WaveObservation } from '../../src/waves/types.js';

export const T0 = Date.parse('2026-03-10T12:00:00Z');
export const H = 3_600_000;
export const D = 24 * H;
export const iso = (ms: number): string => new Date(ms).toISOString();
export const at = (hoursFromT0: number): string => iso(T0 + hoursFromT0 * H);
export const NOW = new Date(T0);

export const TARGET_GROUP = 'tg-0000';
export const POLICY_ID = 'pol-0000';
export const STRONG_AUTH_APP = { appId: '981f26a1-7f43-403b-a875-f8b09b8cd720', displayName: 'Azure MFA StrongAuthenticationService' };

export function ids(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
}

export function capableRow(id: string, updated = at(-48)): RegistrationRow {
  return { id, isMfaCapable: true, isMfaRegistered: true, methodsRegistered: ['microsoftAuthenticatorPush'], lastUpdatedDateTime: updated, userType: 'member' };
}
export function noMethodRow(id: string): RegistrationRow {
  return { id, isMfaCapable: false, isMfaRegistered: false, methodsRegistered: [], lastUpdatedDateTime: at(-48), userType: 'member' };
}
export function notCapableRow(id: string, methods: string[] = ['softwareOneTimePasscode']): RegistrationRow {
  return { id, isMfaCapable: false, isMfaRegistered: true, methodsRegistered: methods, lastUpdatedDateTime: at(-48), userType: 'member' };
}

let seq = 0;
function eventId(): string {
  seq += 1;
  return `ev-${seq}`;
}

function userTarget(userId: string, modifiedProperties: AuditEvent['targetResources'][number]['modifiedProperties'] = []) {
  return { id: userId, type: 'User', userPrincipalName: `${userId}@contoso.test`, modifiedProperties };
}

export function startedAuthenticator(userId: string, when: string): AuditEvent {
  return {
    id: eventId(),
    activityDateTime: when,
    activityDisplayName: 'User started security info registration',
    loggedByService: 'Authentication Methods',
    result: 'success',
    resultReason: 'User started the registration for Authenticator App with Notification and Code',
    targetResources: [userTarget(userId)],
    initiatedBy: { user: { id: userId } },
  };
}

export function registeredSecurityInfo(
  userId: string,
  when: string,
  reason = 'User registered Authenticator App with Notification and Code',
  service: 'Authentication Methods' | 'Azure MFA' = 'Authentication Methods',
): AuditEvent {
  return {
    id: eventId(),
    activityDateTime: when,
    activityDisplayName: 'User registered security info',
    loggedByService: service,
    result: 'success',
    resultReason: reason,
    targetResources: [userTarget(userId)],
    initiatedBy: { user: { id: userId } },
  };
}

/** The first entry of an Authenticator registration: the device stamped by the MFA service. */
export function phoneAppStamped(userId: string, when: string, methodId = 'm-1'): AuditEvent {
  return {
    id: eventId(),
    activityDateTime: when,
    activityDisplayName: 'Update user',
    loggedByService: 'Core Directory',
    result: 'success',
    targetResources: [
      userTarget(userId, [
        {
          displayName: 'StrongAuthenticationPhoneAppDetail',
          oldValue: '[]',
          newValue: JSON.stringify([{ DeviceName: 'Pixel', DeviceTag: 'SoftwareTokenActivated', PhoneAppVersion: '6.8.12', Id: methodId }]),
        },
      ]),
    ],
    initiatedBy: { app: STRONG_AUTH_APP },
  };
}

/** "Add member to group"; `placement` says where the container group is named. */
export function addMember(containerId: string, memberId: string, memberType: 'User' | 'Group', when: string, placement: 'both' | 'properties' | 'targets' = 'both'): AuditEvent {
  const props =
    placement === 'targets'
      ? []
      : [
          { displayName: 'Group.ObjectID', oldValue: null, newValue: JSON.stringify(containerId) },
          { displayName: 'Group.DisplayName', oldValue: null, newValue: JSON.stringify('CA010 - MFA enforced') },
        ];
  const targets = [{ id: memberId, type: memberType, modifiedProperties: props }];
  if (placement !== 'properties') targets.push({ id: containerId, type: 'Group', modifiedProperties: [] });
  return {
    id: eventId(),
    activityDateTime: when,
    activityDisplayName: 'Add member to group',
    loggedByService: 'Core Directory',
    result: 'success',
    targetResources: targets,
    initiatedBy: { app: { appId: 'tool', displayName: 'entra-rollout' } },
  };
}

export function caPolicyUpdate(policyId: string, oldInclude: string[] | null, newInclude: string[], when: string, encode: (s: string) => string = (s) => s): AuditEvent {
  const policy = (include: string[]) => JSON.stringify({ id: policyId, displayName: 'CA010', state: 'enabled', conditions: { users: { includeGroups: include, excludeGroups: ['ea'] } } });
  return {
    id: eventId(),
    activityDateTime: when,
    activityDisplayName: oldInclude ? 'Update conditional access policy' : 'Add conditional access policy',
    loggedByService: 'Conditional Access',
    result: 'success',
    targetResources: [
      {
        id: policyId,
        type: 'Policy',
        displayName: 'CA010',
        modifiedProperties: [{ displayName: 'ConditionalAccessPolicy', oldValue: oldInclude ? encode(policy(oldInclude)) : null, newValue: encode(policy(newInclude)) }],
      },
    ],
    initiatedBy: { user: { id: 'admin' } },
  };
}

export function signIn(userId: string, errorCode: number, when: string): SignInEvent {
  return { userId, createdDateTime: when, status: { errorCode } };
}

/** A successful sign-in whose CA policy enforced MFA and was satisfied (v1.0 has no authenticationRequirement). */
export function mfaSignIn(userId: string, when: string, result = 'success'): SignInEvent {
  return { userId, createdDateTime: when, status: { errorCode: 0 }, appliedConditionalAccessPolicies: [{ id: POLICY_ID, displayName: 'CA010', result, enforcedGrantControls: ['Mfa'] }] };
}

/** The live methods policy's configurations the way the reader passes them (lower-cased ids). */
export function methodConfigs(over: Record<string, Record<string, unknown>> = {}): Record<string, Record<string, unknown>> {
  const all = [{ targetType: 'group', id: 'all_users' }];
  return {
    microsoftauthenticator: { id: 'MicrosoftAuthenticator', state: 'enabled', isSoftwareOathEnabled: false, includeTargets: all, excludeTargets: [] },
    sms: { id: 'Sms', state: 'enabled', includeTargets: all, excludeTargets: [] },
    voice: { id: 'Voice', state: 'disabled', includeTargets: all, excludeTargets: [] },
    softwareoath: { id: 'SoftwareOath', state: 'enabled', includeTargets: all, excludeTargets: [] },
    fido2: { id: 'Fido2', state: 'enabled', includeTargets: all, excludeTargets: [] },
    ...over,
  };
}

export function tenant(over: Partial<ReadinessInput> & { rows?: RegistrationRow[] } = {}): ReadinessInput {
  const { rows = [], ...rest } = over;
  return {
    registrations: new Map(rows.map((r) => [r.id, r])),
    reportFetchedAt: at(-1),
    disabledUserIds: new Set(),
    audits: [],
    signIns: [],
    signInsFrom: at(-48),
    ...rest,
  };
}

export interface WaveFixture {
  name: string;
  groupId: string;
  members: string[];
  widened?: boolean;
}

export function rollout(spec: Omit<RolloutSpec, 'policy' | 'waves'> & { waves: RolloutSpec['waves'] }, waves: WaveFixture[], enforced: Iterable<string> = []): RolloutObservation {
  const observations: WaveObservation[] = waves.map((w) => ({
    name: w.name,
    group: `Group ${w.name}`,
    groupId: w.groupId,
    memberIds: w.members,
    widened: w.widened ?? false,
  }));
  return {
    name: 'mfa-enforcement',
    spec: { policy: 'require-mfa', targetGroup: 'CA010 - MFA enforced', ...spec },
    targetGroupId: TARGET_GROUP,
    policyId: POLICY_ID,
    waves: observations,
    enforcedUserIds: new Set(enforced),
  };
}
