/**
 * Which Conditional Access policies a simulated sign-in meets, and with what result, as the sign-in
 * log records them in `appliedConditionalAccessPolicies` (Microsoft Learn, "appliedConditionalAccessPolicy
 * resource type", and "Analyze Conditional Access policy impact" for report-only mode):
 * - a policy whose users condition does not cover the user: `notApplied` (report-only: `reportOnlyNotApplied`);
 * - a `block` grant: `failure` (report-only: `reportOnlyFailure`, "would have been blocked");
 * - an MFA grant (or an authentication strength): satisfied when the user has a usable MFA method and the
 *   sign-in succeeded (the emulator's convention, as in scenarios.ts: a capable user's successful sign-in
 *   did MFA): `success` / `reportOnlySuccess`; otherwise the user would have been prompted: enforced
 *   `failure`, report-only `reportOnlyInterrupted` ("user action required": report-only never prompts).
 * Disabled policies are left out. Only the users and client-app conditions are evaluated (the
 * emulator's sign-ins are browser sign-ins with no device, location or risk worth a condition).
 */
import { reportFacts } from './methods.js';
import type { Json, Tenant } from './tenant.js';

export interface AppliedPolicy {
  id: string;
  displayName: string;
  result: string;
  /** The policy's grant controls as the log names them (`Mfa`, `Block`, …): only an MFA grant's success proves MFA. */
  enforcedGrantControls: string[];
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x).toLowerCase()) : []);

/** Whether the policy's users condition covers user `index` (groups transitively; exclusion beats inclusion). */
export function policyCoversUser(t: Tenant, policy: Json, index: number): boolean {
  const users = ((policy.conditions as Json | undefined)?.users ?? {}) as Json;
  const id = t.userId(index).toLowerCase();
  const inGroup = (groupIds: string[]) =>
    groupIds.some((gid) => {
      const g = t.groups.get(gid) ?? [...t.groups.values()].find((x) => x.id.toLowerCase() === gid);
      return g ? t.transitiveMembers(g).users.includes(index) : false;
    });
  if (list(users.excludeUsers).includes(id) || inGroup(list(users.excludeGroups))) return false;
  const includeUsers = list(users.includeUsers);
  return includeUsers.includes('all') || includeUsers.includes(id) || inGroup(list(users.includeGroups));
}

/** The entries a sign-in of user `index` with `errorCode` gets, one per enabled or report-only policy. */
export function evaluateCaPolicies(t: Tenant, index: number, errorCode: number): AppliedPolicy[] {
  const capable = reportFacts(t.methods(index), t.enabledConfigIds()).isMfaCapable;
  const out: AppliedPolicy[] = [];
  for (const p of t.caPolicies.values()) {
    const state = String(p.state);
    if (state !== 'enabled' && state !== 'enabledForReportingButNotEnforced') continue;
    const reportOnly = state === 'enabledForReportingButNotEnforced';
    const grant = (p.grantControls ?? {}) as Json;
    let result: 'success' | 'failure' | 'notApplied' | 'interrupted';
    // The emulator's sign-ins are browser sign-ins (scenarios.ts signInJson: clientAppUsed "Browser").
    const clientApps = list((p.conditions as Json | undefined)?.clientAppTypes);
    const browser = clientApps.length === 0 || clientApps.includes('all') || clientApps.includes('browser');
    if (!browser || !policyCoversUser(t, p, index)) result = 'notApplied';
    else if (list(grant.builtInControls).includes('block')) result = 'failure';
    else if (list(grant.builtInControls).includes('mfa') || (grant.authenticationStrength as Json | null | undefined)?.id) result = capable && errorCode === 0 ? 'success' : 'interrupted';
    else result = 'success';
    const named = reportOnly
      ? { success: 'reportOnlySuccess', failure: 'reportOnlyFailure', notApplied: 'reportOnlyNotApplied', interrupted: 'reportOnlyInterrupted' }[result]
      : { success: 'success', failure: 'failure', notApplied: 'notApplied', interrupted: 'failure' }[result];
    const controls = (Array.isArray(grant.builtInControls) ? grant.builtInControls.map(String) : []).map((c) => c.charAt(0).toUpperCase() + c.slice(1));
    if ((grant.authenticationStrength as Json | null | undefined)?.id) controls.push('AuthenticationStrength');
    out.push({ id: String(p.id), displayName: String(p.displayName ?? ''), result: named, enforcedGrantControls: controls });
  }
  return out;
}
