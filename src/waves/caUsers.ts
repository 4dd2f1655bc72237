import type { ConditionalAccessConditionSet, ConditionalAccessPolicy, ConditionalAccessUsers } from '@microsoft/microsoft-graph-types';
/**
 * A Conditional Access policy's user condition as the rollout reads and writes it: the one place that
 * digs `conditions.users.includeGroups` out of a policy (live JSON or the plan's desired body) and
 * the one that sets it.
 *
 * Setting the included groups keeps the policy meaningful at both ends. The conditionalAccessUsers
 * resource page documents `None` as an includeUsers value: it is how a policy includes nobody. So when
 * taking the last wave out leaves no include at all (no user, group, role or guest type), the policy
 * says `includeUsers: ["None"]` rather than an empty condition, and when a wave group comes in, `None`
 * goes (a policy that includes nobody and a group says two things).
 */

// Live policies are checked where they are read (graph/payloads.ts); a desired body is schema-checked YAML.
const strings = (v: readonly string[] | null | undefined): string[] => (v ? [...v] : []);
const isNone = (u: string) => u.toLowerCase() === 'none';

/** The policy's `conditions` (an empty object when absent). */
export function caConditionsOf(policy: ConditionalAccessPolicy | undefined): ConditionalAccessConditionSet {
  return policy?.conditions ?? {};
}

/** The policy's `conditions.users` (an empty object when absent). */
export function caUsersOf(policy: ConditionalAccessPolicy | undefined): ConditionalAccessUsers {
  return policy?.conditions?.users ?? {};
}

/** The group ids a CA policy includes, as Graph spells them. */
export function caIncludeGroups(policy: ConditionalAccessPolicy | undefined): string[] {
  return strings(caUsersOf(policy).includeGroups);
}

/** Whether a user condition includes nobody (no user, group, role or guest type; `None` counts as nobody). */
export function includesNobody(users: ConditionalAccessUsers): boolean {
  return (
    strings(users.includeUsers).filter((u) => !isNone(u)).length === 0 &&
    strings(users.includeGroups).length === 0 &&
    strings(users.includeRoles).length === 0 &&
    !users.includeGuestsOrExternalUsers
  );
}

/** `users` with `includeGroups` replaced, and `None` in includeUsers exactly when nothing else is included. */
export function withIncludeGroups(users: ConditionalAccessUsers, includeGroups: readonly string[]): ConditionalAccessUsers {
  // The key is written when it was there or has groups: a desired body that never named it stays as declared.
  const out: ConditionalAccessUsers = includeGroups.length > 0 || 'includeGroups' in users ? { ...users, includeGroups: [...includeGroups] } : { ...users };
  const includeUsers = strings(users.includeUsers);
  const others = includeUsers.filter((u) => !isNone(u));
  if (includesNobody(out)) out.includeUsers = ['None'];
  else if (others.length !== includeUsers.length) out.includeUsers = others;
  return out;
}

/** The policy with its user condition's includeGroups set (see withIncludeGroups). */
export function policyWithIncludeGroups<T extends ConditionalAccessPolicy>(policy: T, includeGroups: readonly string[]): T {
  return { ...policy, conditions: { ...caConditionsOf(policy), users: withIncludeGroups(caUsersOf(policy), includeGroups) } };
}
