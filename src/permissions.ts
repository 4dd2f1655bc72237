/**
 * The Microsoft Graph permissions each command needs: one table, used by `doctor` and rendered
 * into docs/permissions.md (a test keeps the two in step). Names are Graph application permissions
 * as Microsoft Learn lists them for each API; `anyOf` starts with the least privileged one, which
 * is the one to grant. Pure: no I/O.
 */
import { UserError } from './errors.js';
import type { GrantedPermissions } from './graph/tokenClaims.js';

export interface PermissionNeed {
  /** Any one of these satisfies the need; the first is the least privileged (grant that one). */
  anyOf: readonly string[];
  /** What the command reads or writes with it. */
  why: string;
  /** Needed only when the policy folder declares a Rollout. */
  when?: 'rollout';
  /** Not required: the command has a way around it (said here). Missing ones are warnings. */
  optional?: string;
}

export interface CommandPermissions {
  command: string;
  summary: string;
  access: 'none' | 'read' | 'write';
  needs: readonly PermissionNeed[];
  /** The registration report and sign-in logs need Entra ID P1 or P2. */
  premium?: 'always' | 'rollout';
  /** Not built yet in this version. */
  planned?: boolean;
}

// Each need once; commands compose them.
const READ_METHODS_POLICY: PermissionNeed = {
  anyOf: ['Policy.Read.AuthenticationMethod', 'Policy.ReadWrite.AuthenticationMethod', 'Policy.Read.All'],
  why: 'read the authentication methods policy (Authenticator, TAP, registration campaign)',
};
const READ_CA: PermissionNeed = { anyOf: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess'], why: 'list Conditional Access policies' };
const READ_GROUPS: PermissionNeed = {
  anyOf: ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  why: 'resolve group names and read (transitive) members (also of the emergency-access groups, which users write commands never act on)',
};
const READ_USERS: PermissionNeed = {
  anyOf: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  why: 'resolve users by UPN or object id',
};
const READ_REGISTRATIONS: PermissionNeed = {
  anyOf: ['AuditLog.Read.All', 'UserAuthenticationMethod.Read.All'],
  why: 'read the registration report (/reports/authenticationMethods/userRegistrationDetails)',
};
const READ_AUDITS: PermissionNeed = { anyOf: ['AuditLog.Read.All'], why: 'read the directory audit log (registrations, wave history)' };
const READ_AUDITS_DIRECTORY: PermissionNeed = {
  anyOf: ['Directory.Read.All', 'Directory.ReadWrite.All'],
  why: 'read the directory audit log: Microsoft Learn lists it together with AuditLog.Read.All for /auditLogs/directoryAudits',
};
const READ_SIGNINS: PermissionNeed = { anyOf: ['AuditLog.Read.All'], why: 'read sign-in logs (MFA failures of enforced users)' };
const READ_USER_METHODS: PermissionNeed = {
  anyOf: ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
  why: "read a user's registered authentication methods",
};
const WRITE_METHODS_POLICY: PermissionNeed = { anyOf: ['Policy.ReadWrite.AuthenticationMethod'], why: 'update the authentication methods policy and method configurations' };
const WRITE_CA: PermissionNeed = { anyOf: ['Policy.ReadWrite.ConditionalAccess'], why: 'create and update Conditional Access policies' };
const WRITE_CA_POLICY_READ: PermissionNeed = { anyOf: ['Policy.Read.All'], why: 'required with Policy.ReadWrite.ConditionalAccess to write CA policies' };
const WRITE_CA_APPS: PermissionNeed = { anyOf: ['Application.Read.All'], why: 'required to write CA policies that name applications' };
const WRITE_MEMBERS: PermissionNeed = {
  anyOf: ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  // Microsoft Learn "Add members" (group-post-members): GroupMember.ReadWrite.All covers both the
  // one-at-a-time POST members/$ref and the PATCH with members@odata.bind (its example 2).
  why: 'add and remove wave groups/users in the rollout target group (members/$ref and members@odata.bind)',
};
const WRITE_USER_METHODS: PermissionNeed = { anyOf: ['UserAuthenticationMethod.ReadWrite.All'], why: "add, change and delete users' authentication methods" };
const WRITE_TAP: PermissionNeed = {
  anyOf: ['UserAuthenticationMethod.ReadWrite.All', 'UserAuthMethod-TAP.ReadWrite.All'],
  why: 'create Temporary Access Passes',
};
// Microsoft Learn "user: revokeSignInSessions", Permissions: least privileged User.RevokeSessions.All,
// higher User.ReadWrite.All and Directory.ReadWrite.All (both accepted).
const REVOKE_SESSIONS: PermissionNeed = {
  anyOf: ['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  why: 'revoke sign-in sessions (POST /users/{id}/revokeSignInSessions)',
};
// Microsoft Learn (beta) "Get authentication method states", "Permissions to read per-user MFA state" /
// "Permissions acting on others": Application Policy.Read.All, higher Policy.ReadWrite.AuthenticationMethod.
// Not a user-methods permission: UserAuthenticationMethod.* does not grant it.
const READ_PER_USER_MFA: PermissionNeed = {
  anyOf: ['Policy.Read.All', 'Policy.ReadWrite.AuthenticationMethod'],
  why: "read a user's per-user (legacy) MFA state (beta GET /users/{id}/authentication/requirements)",
};
// Microsoft Learn "List a user's memberships (direct and transitive)" takes User.Read.All (READ_USERS),
// but the directory roles in the answer carry their roleTemplateId (what CA's includeRoles names) only
// for an app that may read roles ("List directoryRoles": RoleManagement.Read.Directory, higher
// Directory.Read.All, RoleManagement.ReadWrite.Directory, Directory.ReadWrite.All); otherwise Graph
// returns them with limited information and users show cannot tell whether a role policy applies.
const READ_ROLES: PermissionNeed = {
  anyOf: ['RoleManagement.Read.Directory', 'Directory.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All'],
  why: 'read which directory roles a user holds (GET /users/{id}/transitiveMemberOf/microsoft.graph.directoryRole), for the CA policies that include or exclude roles',
};
const READ_ORGANIZATION: PermissionNeed = {
  anyOf: ['Organization.Read.All', 'Directory.Read.All', 'Organization.ReadWrite.All', 'Directory.ReadWrite.All'],
  why: 'read the tenant id from /organization',
  optional: 'not needed with --tenant-id',
};

// Microsoft Learn "List authenticationStrengthPolicies" and "List namedLocations": Policy.Read.All.
const READ_STRENGTHS_LOCATIONS: PermissionNeed = {
  anyOf: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess'],
  why: 'list authentication strengths and named locations (CA policies name them)',
};
// "List directoryRoleTemplates": RoleManagement.Read.Directory, higher Directory.Read.All and the ReadWrite ones.
const READ_ROLE_TEMPLATES: PermissionNeed = {
  anyOf: ['RoleManagement.Read.Directory', 'Directory.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All'],
  why: 'name the directory roles CA policies include or exclude (/directoryRoleTemplates)',
};
// "List servicePrincipals": Application.Read.All, higher Application.ReadWrite.All and Directory.*.
const READ_SERVICE_PRINCIPALS: PermissionNeed = {
  anyOf: ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  why: 'name the applications CA policies target (service principals by appId or display name)',
  optional: 'needed only when a CA policy names an application by display name (export keeps appIds without it)',
};
// "Create authenticationStrengthPolicy" / "Create namedLocation" and their update/delete pages.
const WRITE_STRENGTHS_LOCATIONS: PermissionNeed = {
  anyOf: ['Policy.ReadWrite.ConditionalAccess'],
  why: 'create, update and delete authentication strengths (also updateAllowedCombinations) and named locations',
};

const rollout = (need: PermissionNeed): PermissionNeed => ({ ...need, when: 'rollout' });
const PLAN_READS = [READ_METHODS_POLICY, READ_CA, READ_GROUPS, READ_USERS, READ_STRENGTHS_LOCATIONS, READ_ROLE_TEMPLATES, READ_SERVICE_PRINCIPALS];
const READINESS_READS = [READ_REGISTRATIONS, READ_AUDITS, READ_AUDITS_DIRECTORY, READ_SIGNINS];

export const COMMAND_PERMISSIONS: readonly CommandPermissions[] = [
  { command: 'validate', summary: 'offline: reads only the policy folder', access: 'none', needs: [] },
  {
    command: 'plan',
    summary: 'reads settings, CA policies, groups and users; with a Rollout also readiness data',
    access: 'read',
    needs: [...PLAN_READS, ...READINESS_READS.map(rollout)],
    premium: 'rollout',
  },
  {
    command: 'apply',
    summary: 'what plan reads, then writes methods settings, CA policies and (waves) group membership',
    access: 'write',
    needs: [...PLAN_READS, ...READINESS_READS.map(rollout), WRITE_METHODS_POLICY, WRITE_CA, WRITE_CA_POLICY_READ, WRITE_CA_APPS, WRITE_STRENGTHS_LOCATIONS, rollout(WRITE_MEMBERS)],
    premium: 'rollout',
  },
  {
    command: 'waves status',
    summary: 'per-wave readiness, gates and decision',
    access: 'read',
    needs: [...PLAN_READS, ...READINESS_READS],
    premium: 'always',
  },
  {
    command: 'waves rollback',
    summary: 'takes later waves out of the target group (or the policy includeGroups) again',
    access: 'write',
    needs: [...PLAN_READS, ...READINESS_READS, WRITE_MEMBERS, rollout(WRITE_CA)],
    premium: 'always',
  },
  {
    command: 'export',
    summary: 'reads settings and CA policies and names their groups and users',
    access: 'read',
    needs: [READ_METHODS_POLICY, READ_CA, READ_GROUPS, READ_USERS, READ_STRENGTHS_LOCATIONS, READ_ROLE_TEMPLATES, READ_SERVICE_PRINCIPALS, READ_ORGANIZATION],
  },
  {
    command: 'users show',
    summary: "a user's methods, registration state, audit trail, sign-in failures, waves and CA scope",
    access: 'read',
    needs: [READ_USERS, READ_USER_METHODS, READ_REGISTRATIONS, READ_METHODS_POLICY, READ_CA, READ_GROUPS, READ_ROLES, READ_AUDITS, READ_AUDITS_DIRECTORY, READ_SIGNINS],
    premium: 'always',
  },
  { command: 'users issue-tap', summary: 'issues Temporary Access Passes (with --wave: to its not-ready users)', access: 'write', needs: [READ_USERS, READ_METHODS_POLICY, READ_GROUPS, WRITE_TAP, ...READINESS_READS.map(rollout)], premium: 'rollout' },
  {
    command: 'users reset-methods',
    summary: "deletes users' registered methods (reads each user's per-user MFA state first; --revoke-sessions also revokes)",
    access: 'write',
    needs: [READ_USERS, READ_GROUPS, READ_PER_USER_MFA, WRITE_USER_METHODS, { ...REVOKE_SESSIONS, optional: 'only with --revoke-sessions' }],
  },
  { command: 'users revoke-sessions', summary: "revokes users' sign-in sessions", access: 'write', needs: [READ_USERS, READ_GROUPS, REVOKE_SESSIONS] },
  {
    command: 'users set-default-method',
    summary: "sets a user's preferred MFA method (Graph beta signInPreferences)",
    access: 'write',
    needs: [READ_USERS, READ_GROUPS, { ...WRITE_USER_METHODS, why: "read and update the user's signInPreferences (beta; UserAuthenticationMethod.ReadWrite.All per Learn \"Update authentication method states\")" }],
  },
  {
    command: 'users import-phones',
    summary: 'pre-provisions phone methods (and SMS sign-in); checks office numbers and SMS sign-in against the methods policy',
    access: 'write',
    needs: [READ_USERS, READ_GROUPS, WRITE_USER_METHODS, { ...READ_METHODS_POLICY, optional: 'without it the Voice/SMS cross-check (WR152, WR153) is skipped with a note' }],
  },
];

/** A delegated token with this scope acts with everything the signed-in user's roles allow. */
export const ACT_AS_USER_SCOPE = 'Directory.AccessAsUser.All';

/**
 * The commands `--command NAME` selects: an exact name ("waves status", also "waves-status"), or a
 * group ("waves", "users"). No name: all of them.
 */
export function selectCommands(name?: string): CommandPermissions[] {
  if (name === undefined || name.trim() === '') return [...COMMAND_PERMISSIONS];
  const wanted = name.trim().toLowerCase().replace(/\s+/g, ' ');
  const exact = COMMAND_PERMISSIONS.filter((c) => c.command === wanted || c.command.replace(' ', '-') === wanted);
  if (exact.length > 0) return exact;
  const group = COMMAND_PERMISSIONS.filter((c) => c.command.startsWith(`${wanted} `));
  if (group.length > 0) return group;
  throw new UserError(`unknown command "${name}" for --command: expected one of ${COMMAND_PERMISSIONS.map((c) => c.command).join(', ')} (or waves, users)`);
}

export interface NeedCheck {
  need: PermissionNeed;
  /** The granted permission that satisfies it, or undefined. */
  grantedBy?: string;
  /** True when the need does not apply (a rollout-only need without a Rollout). */
  skipped: boolean;
}

export interface CommandCheck {
  command: string;
  access: CommandPermissions['access'];
  planned: boolean;
  needs: NeedCheck[];
  /** Least-privileged names of the required permissions that are not granted. */
  missing: string[];
  /** The same for optional needs. */
  missingOptional: string[];
  premiumNeeded: boolean;
  ok: boolean;
}

export interface CheckContext {
  /** Permissions in the token (`roles` or `scp`). */
  granted: readonly string[];
  delegated: boolean;
  /** Whether the policy folder declares a Rollout; undefined = unknown (rollout needs count). */
  hasRollout: boolean | undefined;
}

/** Compares what a token grants with what each command needs. */
export function checkCommandPermissions(commands: readonly CommandPermissions[], ctx: CheckContext): CommandCheck[] {
  const granted = new Set(ctx.granted.map((p) => p.toLowerCase()));
  const actAsUser = ctx.delegated && granted.has(ACT_AS_USER_SCOPE.toLowerCase());
  return commands.map((c) => {
    const needs = c.needs.map((need): NeedCheck => {
      const skipped = need.when === 'rollout' && ctx.hasRollout === false;
      const hit = need.anyOf.find((p) => granted.has(p.toLowerCase())) ?? (actAsUser ? ACT_AS_USER_SCOPE : undefined);
      return { need, skipped, ...(hit !== undefined ? { grantedBy: hit } : {}) };
    });
    const unmet = needs.filter((n) => !n.skipped && n.grantedBy === undefined);
    const names = (list: NeedCheck[]) => minimalCover(list.map((n) => n.need));
    const missing = names(unmet.filter((n) => !n.need.optional));
    const premiumNeeded = c.premium === 'always' || (c.premium === 'rollout' && ctx.hasRollout !== false);
    return {
      command: c.command,
      access: c.access,
      planned: c.planned === true,
      needs,
      missing,
      missingOptional: names(unmet.filter((n) => n.need.optional !== undefined)),
      premiumNeeded,
      ok: missing.length === 0,
    };
  });
}

/**
 * Few permissions that meet every need: start from each need's least-privileged choice, then drop
 * any choice the others already cover (Policy.Read.All, needed for CA policies, also reads the
 * methods policy, so Policy.Read.AuthenticationMethod is not asked for as well).
 */
export function minimalCover(needs: readonly PermissionNeed[]): string[] {
  const chosen = [...new Set(needs.map((n) => n.anyOf[0]!))];
  const covered = (set: readonly string[]) => needs.every((n) => n.anyOf.some((p) => set.includes(p)));
  for (const p of [...chosen]) {
    const without = chosen.filter((q) => q !== p);
    if (covered(without)) chosen.splice(chosen.indexOf(p), 1);
  }
  return chosen;
}

/** The permissions to grant an app that runs these commands (sorted). */
export function leastPrivilegedSet(commands: readonly CommandPermissions[], options: { hasRollout?: boolean; includeOptional?: boolean } = {}): string[] {
  const needs = commands.flatMap((c) => c.needs).filter((n) => !(n.when === 'rollout' && options.hasRollout === false) && (options.includeOptional || !n.optional));
  return minimalCover(needs).sort();
}

/** The matrix as Markdown, for docs/permissions.md. */
export function renderPermissionsMarkdown(): string {
  const lines: string[] = [];
  const code = (s: string) => `\`${s}\``;
  lines.push('| command | access | application permissions to grant | with a `Rollout` declared | Entra ID P1/P2 |', '|---|---|---|---|---|');
  const list = (perms: readonly string[]) => (perms.length === 0 ? 'none' : perms.map(code).join(', '));
  // One footnote per distinct reason a permission is optional (¹ not needed with --tenant-id, …).
  const notes: string[] = [];
  const mark = (text: string) => {
    if (!notes.includes(text)) notes.push(text);
    return '¹²³⁴⁵⁶⁷⁸⁹'[notes.indexOf(text)] ?? `(${notes.indexOf(text) + 1})`;
  };
  for (const c of COMMAND_PERMISSIONS) {
    const base = leastPrivilegedSet([c], { hasRollout: false });
    const withRollout = leastPrivilegedSet([c], { hasRollout: true });
    const optional = leastPrivilegedSet([c], { hasRollout: true, includeOptional: true }).filter((p) => !withRollout.includes(p));
    const reasons = [...new Set(c.needs.filter((n) => n.optional && n.anyOf.some((p) => optional.includes(p))).map((n) => n.optional!))];
    const perms = `${list(base)}${optional.length ? `; optional ${list(optional)} ${reasons.map(mark).join('')}` : ''}`;
    const rolloutCell = withRollout.join() === base.join() ? 'same' : list(withRollout);
    const premium = c.premium === 'always' ? 'yes' : c.premium === 'rollout' ? 'with a `Rollout`' : 'no';
    lines.push(`| ${code(c.command)}${c.planned ? ' *(planned)*' : ''} | ${c.access} | ${perms} | ${rolloutCell} | ${premium} |`);
  }
  lines.push('', ...notes.map((n) => `${mark(n)} ${n}.`), '');
  lines.push('What each permission is for, and which higher-privileged permissions `doctor` also accepts:', '');
  lines.push('| permission | used for | also accepted |', '|---|---|---|');
  const seen = new Set<string>();
  for (const c of COMMAND_PERMISSIONS) {
    for (const n of c.needs) {
      const key = `${n.anyOf[0]}|${n.why}`;
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(`| ${code(n.anyOf[0]!)} | ${n.why} | ${n.anyOf.slice(1).map(code).join(', ') || '—'} |`);
    }
  }
  const readers = COMMAND_PERMISSIONS.filter((c) => c.access === 'read' && !c.command.startsWith('users'));
  const writers = COMMAND_PERMISSIONS.filter((c) => c.command === 'apply' || c.command.startsWith('waves'));
  lines.push('', 'Two app registrations cover the workflows:', '');
  lines.push(`- **plan** (read-only: \`validate\`, \`plan\`, \`waves status\`, \`export\`): ${list(leastPrivilegedSet(readers))}`);
  lines.push(`- **apply** (\`apply\`, \`waves …\`): ${list(leastPrivilegedSet(writers))}`);
  return `${lines.join('\n')}\n`;
}

/** Who the token is and what it grants (decoded by src/graph from the token's claims). */
export type DoctorIdentity = GrantedPermissions;

export interface DoctorLicence {
  /** Some selected command reads the registration report or sign-in logs. */
  needed: boolean;
  verdict: 'yes' | 'no' | 'unknown' | 'not checked';
  probes: { endpoint: string; result: string; detail?: string }[];
}

export interface DoctorReport {
  identity: DoctorIdentity | { unreadable: string };
  /** The tenant the policy folder names, when it was read. */
  policyTenantId?: string;
  commands: CommandCheck[];
  licence: DoctorLicence;
  ok: boolean;
}

/**
 * Everything needed is granted (and licensed), for every selected command that exists in this
 * version: a planned command is reported but cannot fail the check.
 */
export function doctorVerdict(report: Omit<DoctorReport, 'ok'>): boolean {
  if ('unreadable' in report.identity) return false;
  if (report.licence.needed && report.licence.verdict === 'no') return false;
  return report.commands.every((c) => c.ok || c.planned);
}
