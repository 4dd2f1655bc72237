// Safety rules on the tenant as it will be after the plan: the YAML checks of config/rules.ts
// again on resolved ids, plus what only the live tenant shows (unmanaged policies, methods). They run
// on the bodies that will be sent (plan time) and again on the bodies apply is about to send
// (`checkWriteSafety`): a plan file is data, and an edited one must not lock the tenant out.
import type { TenantSpec } from '../config/types.js';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../diagnostics.js';
import { UserError } from '../errors.js';
import { ALL_USERS_TARGET, labeller, resolveRef, type DirectoryIndex } from './directory.js';
import { METHOD_CONFIGURATION_KINDS, type PlanResource } from './types.js';
import { asJsonObject, stringList, type Json } from '../util/json.js';

export interface PolicyAfterPlan {
  displayName: string;
  managed: boolean;
  policy: Json; // Graph shape
  source?: { file: string; line: number };
}

/** The Tenant's emergency-access accounts as object ids (after name resolution), or its opt-out. */
export interface EmergencyIdentities {
  userIds: string[];
  groupIds: string[];
  /** Set when the Tenant declares `emergencyAccess: { none: true, reason }`. */
  optOut?: { reason: string; source?: { file: string; line: number } };
}

/** Method configurations that can satisfy an MFA prompt (TAP and email cannot, on their own). */
const MFA_METHODS = new Set(['microsoftauthenticator', 'fido2', 'sms', 'voice', 'softwareoath', 'hardwareoath', 'x509certificate']);

const hasId = (ids: readonly string[], id: string) => ids.some((x) => x.toLowerCase() === id.toLowerCase());

/** Resolves the Tenant's emergency references with the plan's directory (every name is resolved by then). */
export function emergencyIdentities(tenant: TenantSpec, directory: DirectoryIndex, source?: { file: string; line: number }): EmergencyIdentities {
  const ea = tenant.emergencyAccess ?? {};
  return {
    userIds: (ea.users ?? []).map((u) => resolveRef(directory, 'user', u)),
    groupIds: (ea.groups ?? []).map((g) => resolveRef(directory, 'group', g)),
    ...(ea.none === true ? { optOut: { reason: ea.reason ?? '', ...(source ? { source } : {}) } } : {}),
  };
}

/** The opt-out is shown in every plan, so a reviewer sees it each time, not only when it is added. */
export function emergencyOptOutNotice(emergency: EmergencyIdentities): Diagnostic[] {
  if (!emergency.optOut) return [];
  return [
    {
      severity: 'warning',
      code: 'WR136',
      message: `the Tenant declares no emergency-access (break-glass) account (emergencyAccess.none; reason: ${emergency.optOut.reason}): no CA policy is checked for their exclusion`,
      ...(emergency.optOut.source ?? {}),
    },
  ];
}

/** includeUsers All with the block grant. */
function blocksAllUsers(policy: Json): boolean {
  return stringList(asJsonObject(asJsonObject(policy.conditions).users).includeUsers).some((u) => u.toLowerCase() === 'all') && stringList(asJsonObject(policy.grantControls).builtInControls).includes('block');
}

/**
 * ER033 (WR133 for a policy not managed here): an enabled or report-only policy that would not
 * exclude every emergency account. ER035 instead when the policy blocks All users; also when there are
 * no emergency accounts (the opt-out) and such a policy excludes nobody at all. A policy whose `state`
 * is absent (a PATCH keeps the live state) is checked as if enabled.
 */
export function checkEmergencyExclusions(policies: readonly PolicyAfterPlan[], emergency: EmergencyIdentities, label: (id: string) => string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of policies) {
    if (p.policy.state === 'disabled') continue;
    const users = asJsonObject(asJsonObject(p.policy.conditions).users);
    const missing = [
      ...emergency.userIds.filter((id) => !hasId(stringList(users.excludeUsers), id)).map((id) => `user ${label(id)}`),
      ...emergency.groupIds.filter((id) => !hasId(stringList(users.excludeGroups), id)).map((id) => `group ${label(id)}`),
    ];
    const state = p.policy.state === 'enabledForReportingButNotEnforced' ? 'report-only' : 'enabled';
    if (p.managed && blocksAllUsers(p.policy)) {
      const excludesNobody = ['excludeUsers', 'excludeGroups', 'excludeRoles'].every((k) => stringList(users[k]).length === 0);
      const noAccounts = emergency.userIds.length + emergency.groupIds.length === 0;
      if (missing.length > 0 || (noAccounts && excludesNobody)) {
        const what = missing.length > 0 ? `would not exclude the emergency-access ${missing.join(', ')}` : 'excludes nobody (no user, group or role)';
        out.push({ severity: 'error', code: 'ER035', message: `${state} policy "${p.displayName}" blocks All users and ${what}: it would lock every account out`, ...(p.source ?? {}) });
      }
      continue;
    }
    if (missing.length === 0) continue;
    out.push(
      p.managed
        ? { severity: 'error', code: 'ER033', message: `${state} policy "${p.displayName}" would not exclude the emergency-access ${missing.join(', ')}`, ...(p.source ?? {}) }
        : { severity: 'warning', code: 'WR133', message: `${state} policy "${p.displayName}" (not managed here) does not exclude the emergency-access ${missing.join(', ')}` },
    );
  }
  return out;
}

/** One write as a plan file records it (only what the safety rules read). */
export type WriteToCheck = Pick<PlanResource, 'kind' | 'displayName' | 'write' | 'source'>;

/**
 * The lockout rules on exactly the bodies about to be sent: ER033/ER035 for every Conditional Access
 * body, and, given the live method configurations, ER034 with the method bodies applied over them.
 * Pure: the emergency accounts come in as object ids, resolved against the tenant being written.
 */
export function checkWriteSafety(
  writes: readonly WriteToCheck[],
  emergency: EmergencyIdentities,
  context: { methodConfigurations?: Record<string, Json>; label?: (id: string) => string } = {},
): Diagnostic[] {
  const policies: PolicyAfterPlan[] = writes
    // A DELETE sends no body: a policy that is gone excludes nobody and locks nobody out.
    .filter((w) => w.kind === 'ConditionalAccessPolicy' && w.write && w.write.method !== 'DELETE')
    .map((w) => ({ displayName: w.displayName, managed: true, policy: w.write!.body, ...(w.source ? { source: w.source } : {}) }));
  const out = checkEmergencyExclusions(policies, emergency, context.label ?? ((id) => id));
  if (context.methodConfigurations) {
    const methodsAfter: Record<string, Json> = { ...context.methodConfigurations };
    for (const w of writes) {
      if (w.write && METHOD_CONFIGURATION_KINDS.has(w.kind)) {
        const key = w.kind.toLowerCase();
        methodsAfter[key] = { ...methodsAfter[key], ...w.write.body };
      }
    }
    out.push(...checkMfaMethodsAvailable(policies, methodsAfter).filter((d) => d.severity === 'error'));
  }
  return out;
}

/**
 * Apply's guard: refuses, before any write, bodies that would lock the emergency accounts (or, with
 * the opt-out, everyone) out, whatever the plan file's own diagnostics say.
 */
export function refuseUnsafeWrites(writes: readonly WriteToCheck[], tenant: TenantSpec, live: { directory: DirectoryIndex; methodConfigurations: Record<string, Json> } | undefined): void {
  if (writes.length === 0) return;
  if (!live) throw new Error('the lockout check needs the tenant as read for this apply');
  const found = checkWriteSafety(writes, emergencyIdentities(tenant, live.directory), { methodConfigurations: live.methodConfigurations, label: labeller(live.directory) });
  const errors = found.filter((d) => d.severity === 'error');
  if (!hasErrors(errors)) return;
  throw new UserError(`refusing to apply: ${errors.length === 1 ? 'a body' : `${errors.length} bodies`} in the plan would lock accounts out (${errors.map((d) => d.code).join(', ')}); nothing was written`, {
    detail: errors.map((d) => `  ${formatDiagnostic(d)}`).join('\n'),
  });
}

/**
 * An enabled policy that requires MFA while no MFA method is enabled locks users out; one whose
 * included groups no enabled method targets may leave some users unable to register.
 */
export function checkMfaMethodsAvailable(policies: readonly PolicyAfterPlan[], methodConfigurations: Record<string, Json>): Diagnostic[] {
  const enabled = Object.entries(methodConfigurations).filter(([id, c]) => MFA_METHODS.has(id) && c.state === 'enabled');
  const targeted = new Set(enabled.flatMap(([, c]) => (Array.isArray(c.includeTargets) ? c.includeTargets : []).map((t) => String(asJsonObject(t).id))));
  const out: Diagnostic[] = [];
  for (const p of policies) {
    if (!p.managed || p.policy.state !== 'enabled') continue;
    const grant = asJsonObject(p.policy.grantControls);
    if (!stringList(grant.builtInControls).includes('mfa') && !asJsonObject(grant.authenticationStrength).id) continue;
    if (enabled.length === 0) {
      out.push({ severity: 'error', code: 'ER034', message: `policy "${p.displayName}" requires MFA but no MFA method (Authenticator, FIDO2, SMS, voice, OATH, certificate) is enabled in the methods policy: its users could not sign in`, ...(p.source ?? {}) });
      continue;
    }
    const users = asJsonObject(asJsonObject(p.policy.conditions).users);
    const includesAll = stringList(users.includeUsers).includes('All');
    const covered = targeted.has(ALL_USERS_TARGET) || (!includesAll && stringList(users.includeGroups).some((g) => targeted.has(g)));
    if (!covered) {
      out.push({ severity: 'warning', code: 'WR134', message: `policy "${p.displayName}" requires MFA, but no enabled MFA method targets all users or the groups it includes: check that its users can register a method`, ...(p.source ?? {}) });
    }
  }
  return out;
}
