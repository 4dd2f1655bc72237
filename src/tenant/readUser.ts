/**
 * Reads what `users show` needs about one user: the user, their registration report row, methods,
 * legacy per-user MFA state, the audit events that target them (30 days), their sign-ins, the methods
 * policy, each Rollout's wave groups and CA policy, and which of those groups hold the user
 * (checkMemberGroups, nesting followed). Every source after the user itself is optional: one that
 * fails is named in `unavailable` and its part of the report says "unknown", never a crash.
 */
import type { DesiredState, PolicyDocument } from '../config/types.js';
import { UserError } from '../errors.js';
import {
  GraphRequestError,
  checkMemberGroups,
  findUsers,
  getAuthenticationMethodsPolicy,
  getPerUserMfaState,
  getUser,
  getUserRegistrationDetails,
  listDirectoryAudits,
  listMethods,
  listUserDirectoryRoles,
  rolesWithheld,
  listPolicies,
  listSignIns,
  methodConfigurationsById,
  targetIds,
  type GraphGateway,
  type LiveCaPolicy,
  type LiveMethodConfiguration,
} from '../graph/index.js';
import type { RolloutFacts, UserShowInput } from '../ops/showUser.js';
import { resolveRef } from '../plan/directory.js';
import { caIncludeGroups, caUsersOf, livePolicyMatches, rolloutStrategy, toAuditEvent, type AuditEvent, type TargetFacts } from '../waves/index.js';
import { collectRefs } from './refs.js';
import { resolveDeclaredRefs } from './resolve.js';
import { AUDIT_SELECT, auditRetentionDays, odataTime, readTargetFacts } from './rollouts.js';

const DAY_MS = 86_400_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SIGNIN_SELECT = ['id', 'userId', 'createdDateTime', 'appDisplayName', 'status', 'conditionalAccessStatus', 'appliedConditionalAccessPolicies'];

export interface ReadUserOptions {
  /** How many days of sign-ins to read (Graph keeps 30). */
  signInDays: number;
}

/** A Graph failure becomes a reason; anything else is a bug and propagates. */
async function optional<T>(read: () => Promise<T>, onError: (reason: string) => void): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof GraphRequestError)) throw err;
    onError(err.message);
    return undefined;
  }
}

const list = (ids: readonly string[] | null | undefined): string[] => (ids ? [...ids] : []);

function livePolicyFacts(policy: LiveCaPolicy): NonNullable<RolloutFacts['livePolicy']> {
  const users = caUsersOf(policy);
  return {
    id: String(policy.id),
    state: policy.state ?? 'unknown',
    includeUsers: list(users.includeUsers),
    excludeUsers: list(users.excludeUsers),
    includeGroups: caIncludeGroups(policy),
    excludeGroups: list(users.excludeGroups),
    includeRoles: list(users.includeRoles),
    excludeRoles: list(users.excludeRoles),
  };
}

async function rolloutFacts(gw: GraphGateway, desired: DesiredState, doc: PolicyDocument<'Rollout'>, policies: LiveCaPolicy[] | undefined, policiesError: string | undefined): Promise<RolloutFacts> {
  const { spec } = doc;
  const strategy = rolloutStrategy(spec);
  const policyDoc = desired.conditionalAccessPolicies.find((p) => p.name === spec.policy);
  const base: RolloutFacts = { name: doc.name, strategy: strategy.name, policyName: spec.policy, ...(policyDoc ? { policyDisplayName: policyDoc.spec.displayName } : {}), waves: [] };
  const refs = collectRefs(desired).filter((r) => r.doc === doc);
  const resolved = await optional(() => resolveDeclaredRefs(gw, refs), (reason) => (base.error = reason));
  if (!resolved) return base;
  if (resolved.diagnostics.length > 0) return { ...base, error: resolved.diagnostics.map((d) => d.message).join('; ') };
  const dir = resolved.directory;
  const targetGroup = spec.targetGroup ? { ref: spec.targetGroup, id: resolveRef(dir, 'group', spec.targetGroup) } : undefined;
  const waves = spec.waves.map((w) => ({ name: w.name, group: w.group, groupId: resolveRef(dir, 'group', w.group), ...(w.paused ? { paused: true } : {}) }));
  if (policies === undefined) return { ...base, waves, ...(targetGroup ? { targetGroup } : {}), error: `the CA policies could not be read: ${policiesError ?? 'unknown error'}` };
  const hits = livePolicyMatches(policyDoc?.spec.displayName, policies);
  if (hits.length > 1) return { ...base, waves, error: `${hits.length} CA policies are named "${policyDoc?.spec.displayName}"` };
  // The same observation as waves status (readTargetFacts), except that users show never reads a whole
  // target group's users: a `members` rollout's waves stay "not told" (null) here.
  let facts: TargetFacts = {};
  if (strategy.reads !== 'targetUserIds') {
    let error: string | undefined;
    const read = await optional(() => readTargetFacts(gw, strategy, { ...(targetGroup ? { targetGroupId: targetGroup.id } : {}), ...(hits[0] ? { policy: hits[0] } : {}) }), (reason) => (error = reason));
    if (error || !read) return { ...base, waves, ...(targetGroup ? { targetGroup } : {}), error: `the target group's members could not be read: ${error ?? 'unknown error'}` };
    facts = read;
  }
  return {
    ...base,
    ...(hits[0] ? { livePolicy: livePolicyFacts(hits[0]) } : {}),
    ...(targetGroup ? { targetGroup } : {}),
    facts,
    waves,
  };
}

function targetGroupIds(configs: Record<string, LiveMethodConfiguration> | undefined): string[] {
  return Object.values(configs ?? {}).flatMap((c) => [...targetIds(c.includeTargets, 'group'), ...targetIds(c.excludeTargets, 'group')]);
}

const SHOW_SELECT = ['id', 'displayName', 'userPrincipalName', 'accountEnabled', 'userType'];

/**
 * The user an argument names: an object id or a UPN as such, anything else by exact display name, as
 * policies name objects. An unknown name, or one that several users share, is a one-line UserError
 * (the latter listing the candidates).
 */
export async function findUserForShow(gw: GraphGateway, ref: string): Promise<NonNullable<Awaited<ReturnType<typeof getUser>>>> {
  if (GUID.test(ref) || ref.includes('@')) {
    const found = await getUser(gw, ref, SHOW_SELECT);
    if (!found?.id) throw new UserError(`no user "${ref}" in the tenant (give a UPN or an object id)`);
    return found;
  }
  const hits = await findUsers(gw, { filter: `displayName eq '${ref.replace(/'/g, "''")}'`, select: SHOW_SELECT });
  if (hits.length === 0) throw new UserError(`no user named "${ref}" in the tenant (give a UPN, an object id or an exact display name)`);
  if (hits.length > 1) {
    const names = hits.slice(0, 10).map((u) => `${u.userPrincipalName ?? '?'} (${u.id})`);
    throw new UserError(`"${ref}" is the display name of ${hits.length} users: ${names.join(', ')}${hits.length > 10 ? ', …' : ''}; give the UPN or the object id`);
  }
  return hits[0]!;
}

/** Reads one user (UPN, object id or display name); an unknown user is a one-line UserError. */
export async function readUserForShow(gw: GraphGateway, desired: DesiredState, idOrUpn: string, options: ReadUserOptions): Promise<UserShowInput> {
  const found = await findUserForShow(gw, idOrUpn);
  if (!found.id) throw new UserError(`no user "${idOrUpn}" in the tenant (give a UPN or an object id)`);
  const id = found.id;
  const user: UserShowInput['user'] = {
    id,
    ...(found.userPrincipalName ? { userPrincipalName: found.userPrincipalName } : {}),
    ...(found.displayName ? { displayName: found.displayName } : {}),
    ...(typeof found.accountEnabled === 'boolean' ? { accountEnabled: found.accountEnabled } : {}),
    ...(found.userType ? { userType: found.userType } : {}),
  };
  const now = gw.serverNow();
  const nowMs = now.getTime();
  // One user's events say nothing about the tenant's retention: the configured window is the claim.
  const auditsFromMs = nowMs - auditRetentionDays() * DAY_MS;
  const signInsFromMs = nowMs - options.signInDays * DAY_MS;
  const unavailable: UserShowInput['unavailable'] = {};
  const quoted = id.replace(/'/g, "''");

  let policiesError: string | undefined;
  // Every CA policy, not only the rollouts': the helpdesk asks why the user is prompted (admin roles, guests, …).
  const policies = optional(() => listPolicies(gw), (r) => (policiesError = unavailable.caPolicies = r));
  const [registration, methods, perUserMfa, audits, signIns, methodsPolicy, rollouts, roles] = await Promise.all([
    // The report omits disabled users: a 404 is "no row", not a failure.
    optional(() => getUserRegistrationDetails(gw, id), (r) => (unavailable.registration = r)),
    optional(() => listMethods(gw, id), (r) => (unavailable.methods = r)),
    optional(() => getPerUserMfaState(gw, id), (r) => (unavailable.perUserMfa = r)),
    optional(
      () => listDirectoryAudits(gw, { filter: `activityDateTime ge ${odataTime(auditsFromMs)} and targetResources/any(t: t/id eq '${quoted}')`, select: AUDIT_SELECT }),
      (r) => (unavailable.audits = r),
    ),
    optional(() => listSignIns(gw, { filter: `userId eq '${quoted}' and createdDateTime ge ${odataTime(signInsFromMs)}`, select: SIGNIN_SELECT }), (r) => (unavailable.signIns = r)),
    optional(() => getAuthenticationMethodsPolicy(gw), (r) => (unavailable.methodsPolicy = r)),
    policies.then((live) => Promise.all(desired.rollouts.map((doc) => rolloutFacts(gw, desired, doc, live, policiesError)))),
    // CA includes roles by template id; the user's roles answer "does CA001 (admins) apply?" with yes or no.
    optional(() => listUserDirectoryRoles(gw, id), (r) => (unavailable.roles = r)),
  ]);
  // Roles without their template id: Graph withheld them (the app may not read directory roles), so
  // which roles the user holds is unknown, not "none".
  if (roles && rolesWithheld(roles)) {
    unavailable.roles = 'Graph returned the directory roles with limited information (no roleTemplateId): grant RoleManagement.Read.Directory';
  }
  const directoryRoles = roles && !unavailable.roles ? roles : undefined;
  const methodConfigurations = methodsPolicy ? methodConfigurationsById(methodsPolicy) : undefined;

  const asked = new Set<string>();
  for (const r of rollouts) {
    for (const w of r.waves) asked.add(w.groupId);
    if (r.targetGroup) asked.add(r.targetGroup.id);
    for (const g of [...(r.livePolicy?.includeGroups ?? []), ...(r.livePolicy?.excludeGroups ?? [])]) asked.add(g);
  }
  const livePolicies = await policies;
  for (const p of livePolicies ?? []) {
    for (const g of [...caIncludeGroups(p), ...list(caUsersOf(p).excludeGroups)]) asked.add(g);
  }
  for (const g of targetGroupIds(methodConfigurations)) asked.add(g);
  const groupIds = [...asked].filter((g) => GUID.test(g));
  const memberOf = groupIds.length === 0 ? new Set<string>() : await optional(() => checkMemberGroups(gw, id, groupIds), (r) => (unavailable.membership = r));

  return {
    now: odataTime(nowMs),
    user,
    ...(registration ? { registration } : {}),
    methods: methods ?? [],
    ...(perUserMfa ? { perUserMfa } : {}),
    audits: (audits ?? []).map(toAuditEvent),
    auditsFrom: odataTime(auditsFromMs),
    signIns: signIns ?? [],
    signInsFrom: odataTime(signInsFromMs),
    ...(methodConfigurations ? { methodConfigurations } : {}),
    ...(memberOf ? { memberOf } : {}),
    ...(directoryRoles ? { directoryRoles } : {}),
    rollouts,
    ...(livePolicies ? { caPolicies: livePolicies } : {}),
    unavailable,
  };
}
