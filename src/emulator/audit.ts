/**
 * Directory audit entries shaped like Graph's: what the portal or an API write leaves behind, so
 * rollout history and abandoned registrations can be read back the way the tool reads a tenant.
 */
import { isoSeconds } from './clock.js';
import type { AuditEntry, GroupRec, Json, Tenant } from './tenant.js';

export interface Initiator {
  app?: { appId: string; displayName: string; servicePrincipalId: string | null; servicePrincipalName: string | null };
  user?: { id: string; displayName: string | null; userPrincipalName: string; ipAddress: string | null };
}

export const TOOL_APP: Initiator = {
  app: { appId: '5b1c4f0e-9a77-4a4e-8c3d-2f7a6b1e9d40', displayName: 'entra-rollout', servicePrincipalId: 'a7d2e3f4-1b2c-4d5e-8f90-123456789abc', servicePrincipalName: 'entra-rollout' },
};
export const STRONG_AUTH_APP: Initiator = {
  app: { appId: '981f26a1-7f43-403b-a875-f8b09b8cd720', displayName: 'Azure MFA StrongAuthenticationService', servicePrincipalId: null, servicePrincipalName: null },
};

export function userInitiator(t: Tenant, index: number): Initiator {
  const u = t.user(index);
  return { user: { id: t.userId(index), displayName: null, userPrincipalName: u.upn, ipAddress: '203.0.113.24' } };
}

export interface Target {
  id: string;
  displayName: string | null;
  type: 'User' | 'Group' | 'Policy' | 'Other';
  userPrincipalName?: string | null;
  modifiedProperties?: { displayName: string; oldValue: string | null; newValue: string | null }[];
}

export function userTarget(t: Tenant, index: number, modifiedProperties: Target['modifiedProperties'] = []): Target {
  const u = t.user(index);
  return { id: t.userId(index), displayName: null, type: 'User', userPrincipalName: u.upn, modifiedProperties };
}

export function groupTarget(g: GroupRec, modifiedProperties: Target['modifiedProperties'] = []): Target {
  return { id: g.id, displayName: g.displayName, type: 'Group', userPrincipalName: null, modifiedProperties };
}

export interface AuditInput {
  atMs?: number;
  /** "Azure MFA" logs "User registered security info" too (beside "Authentication Methods"). */
  service: 'Core Directory' | 'Conditional Access' | 'Authentication Methods' | 'Azure MFA';
  category: string;
  activity: string;
  operationType?: 'Add' | 'Update' | 'Delete' | 'Assign' | 'Unassign';
  initiatedBy: Initiator;
  targets: Target[];
  result?: 'success' | 'failure';
  resultReason?: string;
  additionalDetails?: { key: string; value: string }[];
  id?: string;
}

export function makeAudit(t: Tenant, a: AuditInput): AuditEntry {
  const raw = a.id ?? t.newId();
  const id = a.service === 'Core Directory' ? `Directory_${raw}` : a.service === 'Authentication Methods' ? `SSGM_${raw}` : `IPCGraph_${raw}`;
  return {
    id,
    category: a.category,
    correlationId: t.newId(),
    result: a.result ?? 'success',
    resultReason: a.resultReason ?? '',
    activityDisplayName: a.activity,
    activityDateTime: isoSeconds(a.atMs ?? t.clock.nowMs()),
    loggedByService: a.service,
    operationType: a.operationType ?? 'Update',
    initiatedBy: { app: a.initiatedBy.app ?? null, user: a.initiatedBy.user ?? null },
    targetResources: a.targets.map((x) => ({
      id: x.id,
      displayName: x.displayName,
      type: x.type,
      userPrincipalName: x.userPrincipalName ?? null,
      groupType: x.type === 'Group' ? 'unifiedGroups' : null,
      modifiedProperties: x.modifiedProperties ?? [],
    })),
    additionalDetails: a.additionalDetails ?? [],
  };
}

/** Appends an entry keeping the log ordered by time (entries are usually appended at "now"). */
export function writeAudit(t: Tenant, a: AuditInput): AuditEntry {
  const entry = makeAudit(t, a);
  const log = t.audits;
  let i = log.length;
  while (i > 0 && log[i - 1]!.activityDateTime > entry.activityDateTime) i--;
  log.splice(i, 0, entry);
  return entry;
}

export function memberChangeAudit(t: Tenant, add: boolean, g: GroupRec, member: { userIndex?: number; groupId?: string }, by: Initiator = TOOL_APP): AuditEntry {
  const props = [
    { displayName: 'Group.ObjectID', oldValue: add ? null : JSON.stringify(g.id), newValue: add ? JSON.stringify(g.id) : null },
    { displayName: 'Group.DisplayName', oldValue: add ? null : JSON.stringify(g.displayName), newValue: add ? JSON.stringify(g.displayName) : null },
  ];
  let memberTarget: Target;
  if (member.userIndex !== undefined) memberTarget = userTarget(t, member.userIndex, props);
  else {
    const child = t.groups.get(member.groupId ?? '');
    memberTarget = { id: member.groupId ?? '', displayName: child?.displayName ?? null, type: 'Group', modifiedProperties: props };
  }
  return writeAudit(t, {
    service: 'Core Directory',
    category: 'GroupManagement',
    activity: add ? 'Add member to group' : 'Remove member from group',
    operationType: add ? 'Assign' : 'Unassign',
    initiatedBy: by,
    targets: [memberTarget, groupTarget(g)],
  });
}

export function caPolicyAudit(t: Tenant, op: 'Add' | 'Update' | 'Delete', before: Json | null, after: Json | null, by: Initiator = TOOL_APP): AuditEntry {
  const p = (after ?? before)!;
  const activity = op === 'Add' ? 'Add conditional access policy' : op === 'Update' ? 'Update conditional access policy' : 'Delete conditional access policy';
  return writeAudit(t, {
    service: 'Conditional Access',
    category: 'Policy',
    activity,
    operationType: op,
    initiatedBy: by,
    targets: [
      {
        id: String(p.id),
        displayName: String(p.displayName),
        type: 'Policy',
        modifiedProperties: [{ displayName: 'ConditionalAccessPolicy', oldValue: before ? JSON.stringify(before) : null, newValue: after ? JSON.stringify(after) : null }],
      },
    ],
  });
}

export function methodsPolicyAudit(t: Tenant, target: string, before: Json, after: Json, by: Initiator = TOOL_APP): AuditEntry {
  return writeAudit(t, {
    service: 'Authentication Methods',
    category: 'Policy',
    activity: 'Authentication Methods Policy Update',
    initiatedBy: by,
    targets: [{ id: target, displayName: target, type: 'Policy', modifiedProperties: [{ displayName: 'PolicyDetail', oldValue: JSON.stringify(before), newValue: JSON.stringify(after) }] }],
  });
}

const METHOD_LABEL: Record<string, string> = {
  microsoftAuthenticator: 'Authenticator App with Notification and Code',
  phone: 'Phone',
  temporaryAccessPass: 'Temporary Access Pass',
  fido2: 'FIDO2 Security Key',
  softwareOath: 'Software OATH token',
  email: 'Email',
  windowsHelloForBusiness: 'Windows Hello for Business',
};

export function adminMethodAudit(t: Tenant, index: number, kind: string, deleted: boolean, by: Initiator = TOOL_APP): AuditEntry {
  const label = METHOD_LABEL[kind] ?? kind;
  return writeAudit(t, {
    service: 'Authentication Methods',
    category: 'UserManagement',
    activity: deleted ? 'Admin deleted security info' : 'Admin registered security info',
    operationType: deleted ? 'Delete' : 'Add',
    initiatedBy: by,
    targets: [userTarget(t, index)],
    resultReason: deleted ? `Admin deleted ${label} for user` : `Admin registered ${label} for user`,
  });
}

/**
 * The entries a self-service Authenticator registration leaves, seconds apart. `complete: false`
 * stops after "started" (QR scanned, verification never finished). `completedBy` is the service that
 * logs the final "User registered security info": "Authentication Methods", or "Azure MFA", which
 * logs it on some tenants (issue 13.10).
 */
export function authenticatorRegistrationAudits(
  t: Tenant,
  index: number,
  atMs: number,
  methodId: string,
  device: string,
  complete: boolean,
  completedBy: 'Authentication Methods' | 'Azure MFA' = 'Authentication Methods',
): void {
  const by = userInitiator(t, index);
  writeAudit(t, {
    atMs,
    service: 'Core Directory',
    category: 'UserManagement',
    activity: 'Update user',
    initiatedBy: STRONG_AUTH_APP,
    targets: [
      userTarget(t, index, [
        {
          displayName: 'StrongAuthenticationPhoneAppDetail',
          oldValue: '[]',
          newValue: JSON.stringify([{ DeviceName: device, DeviceTag: 'SoftwareTokenActivated', PhoneAppVersion: '6.8.12', Id: methodId }]),
        },
      ]),
    ],
  });
  writeAudit(t, {
    atMs: atMs + 2000,
    service: 'Authentication Methods',
    category: 'UserManagement',
    activity: 'User started security info registration',
    initiatedBy: by,
    targets: [userTarget(t, index)],
    resultReason: 'User started the registration for Authenticator App with Notification and Code',
  });
  if (!complete) return;
  writeAudit(t, {
    atMs: atMs + 9000,
    service: 'Core Directory',
    category: 'UserManagement',
    activity: 'Update user',
    initiatedBy: by,
    targets: [userTarget(t, index, [{ displayName: 'StrongAuthenticationMethod', oldValue: '[]', newValue: '[{"MethodType":6,"Default":true},{"MethodType":7,"Default":false}]' }])],
  });
  writeAudit(t, {
    atMs: atMs + 10_000,
    service: completedBy,
    category: 'UserManagement',
    activity: 'User registered security info',
    initiatedBy: by,
    targets: [userTarget(t, index)],
    resultReason: 'User registered Authenticator App with Notification and Code',
  });
}

/** A simpler "User registered security info" for a non-Authenticator method. */
export function userRegisteredAudit(t: Tenant, index: number, atMs: number, kind: string): void {
  writeAudit(t, {
    atMs,
    service: 'Authentication Methods',
    category: 'UserManagement',
    activity: 'User registered security info',
    initiatedBy: userInitiator(t, index),
    targets: [userTarget(t, index)],
    resultReason: `User registered ${METHOD_LABEL[kind] ?? kind}`,
  });
}
