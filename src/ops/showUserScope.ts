/**
 * `users show`, the Conditional Access part: whether each Rollout's policy applies to the user (and
 * which of its waves hold them, each wave seen through the one rollout model, src/waves/observe.ts,
 * that waves status decides from), and every live CA policy that covers the user with why (groups,
 * directory roles by template id, guests, all users). Pure.
 */
import type { RegistrationRow } from '../waves/index.js';
import { countingWave, observeWaves, waveStates } from '../waves/index.js';
import type { CaPolicyScope, RolloutFacts, RolloutReport, UserShowInput, WaveMembership } from './showUserTypes.js';
import type { LiveCaPolicy } from '../graph/payloads.js';
import { caUsersOf } from '../waves/index.js';
import { stringItems } from '../util/json.js';

const lower = (v: string): string => v.toLowerCase();

export function rolloutReport(r: RolloutFacts, input: UserShowInput): RolloutReport {
  const policy = { name: r.policyName, ...(r.policyDisplayName ? { displayName: r.policyDisplayName } : {}), ...(r.livePolicy ? { id: r.livePolicy.id } : {}), state: r.livePolicy?.state ?? 'absent' };
  const base = { rollout: r.name, strategy: r.strategy, policy, ...(r.targetGroup ? { targetGroup: r.targetGroup.ref } : {}) };
  if (r.error) return { ...base, waves: [], policyApplies: 'unknown', reason: r.error, error: r.error };
  const memberOf = input.memberOf;
  const has = (groupId: string): boolean | null => (memberOf ? memberOf.has(lower(groupId)) : null);
  // The rollout as waves status observes it (src/waves/observe.ts); only the membership is the user's own.
  const observed = observeWaves({ strategy: r.strategy }, r.waves, r.facts ?? {});
  const states = waveStates(observed, r);
  const waves: WaveMembership[] = observed.map((w, i) => ({ wave: w.name, group: w.group, member: has(w.groupId) === true, widened: w.widened, state: states[i] ?? null }));
  const first = countingWave(waves, (w) => w.member);
  const out: RolloutReport = { ...base, waves, ...(first ? { wave: first.wave } : {}), policyApplies: 'unknown', reason: '' };
  const live = r.livePolicy;
  if (!memberOf) return { ...out, reason: `group membership could not be read: ${input.unavailable.membership ?? 'unknown error'}` };
  if (!live) return { ...out, policyApplies: 'no', reason: `the CA policy "${r.policyDisplayName ?? r.policyName}" does not exist in the tenant yet` };
  const userId = lower(input.user.id);
  const roles = heldRoles(input);
  if (live.excludeUsers.map(lower).includes(userId)) return { ...out, policyApplies: 'no', reason: 'the user is excluded from the policy by id' };
  const excludedBy = live.excludeGroups.find((g) => memberOf.has(lower(g)));
  if (excludedBy) return { ...out, policyApplies: 'no', reason: `the user is in an excluded group (${excludedBy})` };
  const excludedRole = roles ? live.excludeRoles.map(lower).find((id) => roles.has(id)) : undefined;
  if (excludedRole) return { ...out, policyApplies: 'no', reason: `the user holds an excluded directory role (${roles!.get(excludedRole)})` };
  const includeAll = live.includeUsers.some((u) => lower(u) === 'all');
  const includedBy = live.includeGroups.find((g) => memberOf.has(lower(g)));
  const byId = live.includeUsers.map(lower).includes(userId);
  const byRole = roles ? live.includeRoles.map(lower).find((id) => roles.has(id)) : undefined;
  if (!includeAll && !includedBy && !byId && !byRole) {
    const where = r.strategy === 'policyIncludeGroups' ? 'any group the policy includes' : `the target group ${r.targetGroup?.ref ?? ''}`.trim();
    const unread = live.includeRoles.length && !roles ? ` (the policy also includes directory roles, and the user's roles could not be read: ${input.unavailable.roles ?? 'not read'})` : '';
    return { ...out, policyApplies: unread ? 'unknown' : 'no', reason: `the user is not in ${where}: no widened wave holds them yet${unread}` };
  }
  const via = includeAll
    ? 'the policy includes all users'
    : byId
      ? 'the policy includes the user by id'
      : includedBy
        ? `via ${lower(includedBy) === lower(r.targetGroup?.id ?? '-') ? `the target group ${r.targetGroup?.ref}` : `included group ${includedBy}`}`
        : `via the directory role ${roles!.get(byRole!)}, which the policy includes`;
  if (live.state === 'enabled') return { ...out, policyApplies: 'enforced', reason: `enforced ${via}` };
  if (live.state === 'enabledForReportingButNotEnforced') return { ...out, policyApplies: 'reportOnly', reason: `in scope ${via}, but the policy is report-only: evaluated, not enforced` };
  return { ...out, policyApplies: 'no', reason: `in scope ${via}, but the policy is ${live.state}` };
}

/** The user's directory roles by lower-cased template id → name; undefined when they could not be read. */
function heldRoles(input: UserShowInput): Map<string, string> | undefined {
  if (!input.directoryRoles) return undefined;
  const out = new Map<string, string>();
  for (const r of input.directoryRoles) if (r.roleTemplateId) out.set(lower(r.roleTemplateId), r.displayName ?? r.roleTemplateId);
  return out;
}

/**
 * Whether a live CA policy covers the user, and why (conditions.users): excluded by id, group, role or
 * guest type wins; then all users, the user by id, an included group, a guest type (userType Guest),
 * or a directory role. Roles are compared by template id (what includeRoles holds; a directoryRole's
 * roleTemplateId). Only when the user's roles could not be read is a role include `maybe` (said for an
 * admin, whom the registration report flags). Policies that do not cover the user are left out.
 */
export function caPolicyScope(p: LiveCaPolicy, input: UserShowInput, row: RegistrationRow | undefined): CaPolicyScope[] {
  const users = caUsersOf(p);
  const ids = (k: 'includeUsers' | 'excludeUsers' | 'includeGroups' | 'excludeGroups' | 'includeRoles' | 'excludeRoles') => (users[k] ?? []).map(lower);
  const userId = lower(input.user.id);
  const memberOf = input.memberOf;
  const roles = heldRoles(input);
  const guest = lower(input.user.userType ?? '') === 'guest';
  const base = { id: p.id ?? '', displayName: p.displayName ?? p.id ?? '', state: p.state ?? 'unknown' };
  if (ids('excludeUsers').includes(userId)) return [];
  if (memberOf && ids('excludeGroups').some((g) => memberOf.has(g))) return [];
  if (roles && ids('excludeRoles').some((r) => roles.has(r))) return [];
  if (guest && users.excludeGuestsOrExternalUsers) return [];
  const isAdmin = input.registration?.isAdmin === true;
  let found: { applies: 'yes' | 'maybe'; why: string } | undefined;
  const includeUsers = ids('includeUsers');
  const group = memberOf ? ids('includeGroups').find((g) => memberOf.has(g)) : undefined;
  const role = roles ? ids('includeRoles').find((r) => roles.has(r)) : undefined;
  if (includeUsers.includes('all')) found = { applies: 'yes', why: 'includes all users' };
  else if (includeUsers.includes(userId)) found = { applies: 'yes', why: 'includes the user by id' };
  else if (group) found = { applies: 'yes', why: `includes group ${group}, which holds the user (nesting followed)` };
  else if (guest && (includeUsers.includes('guestsorexternalusers') || users.includeGuestsOrExternalUsers)) found = { applies: 'yes', why: 'includes guests or external users, and the user is a guest' };
  else if (role) found = { applies: 'yes', why: `includes the directory role ${roles!.get(role)} (${role}), which the user holds` };
  else if (!roles && ids('includeRoles').length > 0 && (isAdmin || row === undefined)) {
    found = { applies: 'maybe', why: `includes directory roles (${ids('includeRoles').join(', ')})${isAdmin ? ' and the user holds an admin role' : ''}; the user's roles could not be read` };
  }
  if (!found) return [];
  const roleExcluded = !roles && ids('excludeRoles').length > 0 && isAdmin;
  return [{ ...base, ...found, ...(roleExcluded ? { applies: 'maybe' as const, why: `${found.why}; it also excludes directory roles the user may hold` } : {}) }];
}

