/**
 * `users show`: one user as a helpdesk needs to see them. Pure: the tenant reader
 * (src/tenant/readUser.ts) gathers every input, this module decides (readiness through the same
 * classifier the wave gates use, method usability, which waves hold the user, whether the rollout's
 * CA policy applies, what each failed sign-in means) and src/render/userShow.ts only formats.
 * Secrets never reach the report: a TAP is listed by its state and lifetime, never its code.
 */
import type { AuditEvent, NotReadyReason, ReadinessInput, ReadyProof, RegistrationRow } from '../waves/index.js';
import { classifyUser, explainSignInCode, indexReadiness, rolloutStrategy, toSignInEvent, type TargetFacts } from '../waves/index.js';
import { perUserMfaSkipsReset } from './userOps.js';

type Json = Record<string, unknown>;

export const USER_REPORT_FORMAT_VERSION = 1;

/** Where a wave group or policy target resolved to; `error` when the Rollout could not be read. */
export interface RolloutFacts {
  name: string;
  strategy: 'nestedGroups' | 'policyIncludeGroups' | 'members';
  /** The ConditionalAccessPolicy document's metadata.name and its displayName. */
  policyName: string;
  policyDisplayName?: string;
  /** The live CA policy; undefined when no policy of that display name exists (not created yet). */
  livePolicy?: { id: string; state: string; includeUsers: string[]; excludeUsers: string[]; includeGroups: string[]; excludeGroups: string[]; includeRoles: string[]; excludeRoles: string[] };
  targetGroup?: { ref: string; id: string };
  /** What the strategy observes waves from (src/tenant/rollouts.ts readTargetFacts); empty when not read. */
  facts?: TargetFacts;
  waves: Array<{ name: string; group: string; groupId: string }>;
  error?: string;
}

export interface UserShowInput {
  /** The tenant's time of the read. */
  now: string;
  user: { id: string; userPrincipalName?: string; displayName?: string; accountEnabled?: boolean; userType?: string };
  /** The registration report row as Graph returned it; undefined when the report has none. */
  registration?: Json;
  methods: Json[];
  perUserMfa?: string;
  /** Directory audit events targeting the user since `auditsFrom`. */
  audits: AuditEvent[];
  auditsFrom: string;
  /** The user's sign-ins since `signInsFrom`, any order. */
  signIns: Json[];
  signInsFrom: string;
  /** Method configurations by lower-cased id (`microsoftauthenticator`, `sms`, …). */
  methodConfigurations?: Record<string, Json>;
  /** Lower-cased ids of the asked groups the user is a transitive member of. */
  memberOf?: ReadonlySet<string>;
  rollouts: RolloutFacts[];
  /** Every live CA policy (to say which apply to the user, and why); undefined when not read. */
  caPolicies?: Json[];
  /** The directory roles the user holds (transitively), with their template ids; undefined when not read. */
  directoryRoles?: Array<{ id: string; displayName?: string; roleTemplateId?: string }>;
  /** Sources that could not be read, with the reason (each makes its part of the report "unknown"). */
  unavailable: Partial<Record<'registration' | 'methods' | 'perUserMfa' | 'audits' | 'signIns' | 'methodsPolicy' | 'membership' | 'caPolicies' | 'roles', string>>;
}

export type MethodUsability = true | false | null;

export interface MethodReport {
  id: string;
  /** `microsoftAuthenticator`, `phone`, `fido2`, … (from `@odata.type`). */
  type: string;
  /** Display-safe details: device, number, model, TAP start and lifetime. Never a secret. */
  details: Record<string, string | number | boolean>;
  /** Counts as an MFA method for readiness (password, email and TAP do not). */
  mfaMethod: boolean;
  /** Can it be used at sign-in now; null when it cannot be told. */
  usable: MethodUsability;
  note?: string;
}

export interface WaveMembership {
  wave: string;
  group: string;
  member: boolean;
  /** The wave is widened (its users are enforced); null when the strategy gives no per-wave answer. */
  widened: boolean | null;
}

export type PolicyApplies = 'enforced' | 'reportOnly' | 'no' | 'unknown';

export interface RolloutReport {
  rollout: string;
  strategy: string;
  policy: { name: string; displayName?: string; id?: string; state: string };
  targetGroup?: string;
  waves: WaveMembership[];
  /** The first wave that holds the user (the one the wave gates count them in). */
  wave?: string;
  /** Whether the rollout's CA policy would apply to the user's sign-ins, and why. */
  policyApplies: PolicyApplies;
  reason: string;
  error?: string;
}

export interface SignInReport {
  createdDateTime: string;
  app?: string;
  /** The MFA method used, where the sign-in says (beta `mfaDetail`; v1.0 does not return it). */
  method?: string;
  /** Every CA policy the sign-in evaluated (notApplied left out), with its result. */
  conditionalAccess?: Array<{ displayName: string; result: string }>;
  errorCode: number;
  meaning: string;
  mfaRelated: boolean;
  conditionalAccessStatus?: string;
  /** Results of the rollout policies in this sign-in (by display name). */
  rolloutPolicies?: Array<{ displayName: string; result: string }>;
}

export interface UserReport {
  formatVersion: typeof USER_REPORT_FORMAT_VERSION;
  evaluatedAt: string;
  user: { id: string; userPrincipalName?: string; displayName?: string; accountEnabled?: boolean; userType?: string };
  verdict: { ready: true; proof: ReadyProof; explanation: string } | { ready: false; reason: NotReadyReason; explanation: string };
  perUserMfa: { state: string | null; note: string };
  registration: null | {
    isMfaCapable: boolean;
    isMfaRegistered: boolean;
    isPasswordlessCapable?: boolean;
    isSsprRegistered?: boolean;
    isAdmin?: boolean;
    methodsRegistered: string[];
    defaultMethod?: string;
    systemPreferredMethods?: string[];
    lastUpdatedDateTime?: string;
  };
  methods: MethodReport[];
  audit: { from: string; abandonedAuthenticatorAt?: string; lastRegistrationAt?: string; timeline: SecurityInfoEvent[] };
  /** Every live CA policy that applies (or may apply) to the user, and why; null when they could not be read. */
  caPolicies: CaPolicyScope[] | null;
  /** The directory roles the user holds (what CA's includeRoles names by template id); null when they could not be read. */
  directoryRoles: Array<{ displayName?: string; roleTemplateId: string }> | null;
  rollouts: RolloutReport[];
  signIns: { from: string; total: number; failed: number; mfaRelated: number; recent: SignInReport[] };
  unavailable: UserShowInput['unavailable'];
  /** Present when the user is one of the Tenant's emergency-access accounts, or when that could not be read. */
  emergencyAccess?: { via: string[] } | { error: string };
}

/** One security-info event of the audit log (registration started, registered, deleted; Authenticator stamped). */
export interface SecurityInfoEvent {
  at: string;
  activity: string;
  service: string;
  result: string;
  detail?: string;
}

export interface CaPolicyScope {
  id: string;
  displayName: string;
  state: string;
  /** `yes`: the user is in scope; `maybe`: through a directory role when the user's roles could not be read. */
  applies: 'yes' | 'maybe';
  why: string;
}

/** What a sign-in error code means for the user: the one table the health gate reads too (src/waves/signInCodes.ts). */
export function explainSignInError(code: number): { meaning: string; mfa: boolean } {
  const { meaning, mfa } = explainSignInCode(code);
  return { meaning, mfa };
}

/** How many sign-ins (successful and failed) the report lists, newest first. */
export const RECENT_SIGN_INS = 20;
const NON_MFA_TYPES = new Set(['password', 'email', 'temporaryAccessPass']);
/** Fields a method may carry that are secret or meaningless to show. */
const HIDDEN_FIELDS = new Set(['@odata.type', 'id', 'temporaryAccessPass', 'secretKey', 'password', 'publicKey', 'attestationCertificates']);
const MINUTE = 60_000;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const lower = (v: string): string => v.toLowerCase();

function methodType(m: Json): string {
  const t = str(m['@odata.type']) ?? 'unknown';
  return t.replace(/^#?microsoft\.graph\./, '').replace(/AuthenticationMethod$/, '') || 'unknown';
}

function methodDetails(m: Json): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(m)) {
    if (HIDDEN_FIELDS.has(k) || k.startsWith('@')) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

export function toRegistrationRow(r: Json): RegistrationRow {
  return {
    id: String(r.id),
    ...(str(r.userPrincipalName) ? { userPrincipalName: str(r.userPrincipalName)! } : {}),
    isMfaCapable: r.isMfaCapable === true,
    isMfaRegistered: r.isMfaRegistered === true,
    methodsRegistered: strings(r.methodsRegistered),
    lastUpdatedDateTime: str(r.lastUpdatedDateTime) ?? null,
  };
}

/** Authenticator device ids the audit log shows being stamped on the user, with when. */
function stampedDevices(audits: readonly AuditEvent[]): Array<{ id: string; at: number }> {
  const out: Array<{ id: string; at: number }> = [];
  for (const e of audits) {
    if (lower(e.activityDisplayName) !== 'update user') continue;
    const at = Date.parse(e.activityDateTime);
    for (const t of e.targetResources) {
      for (const p of t.modifiedProperties ?? []) {
        if (lower(p.displayName) !== 'strongauthenticationphoneappdetail') continue;
        let after: unknown;
        try {
          after = JSON.parse(p.newValue ?? '[]');
        } catch {
          continue;
        }
        for (const d of Array.isArray(after) ? after : []) {
          const id = d && typeof d === 'object' ? (d as Json).Id ?? (d as Json).id : undefined;
          if (typeof id === 'string') out.push({ id: lower(id), at });
        }
      }
    }
  }
  return out;
}

/** Is the user inside a method configuration's targets? null when it cannot be told. */
function policyAllows(config: Json | undefined, userId: string, memberOf: ReadonlySet<string> | undefined): { allowed: boolean | null; why?: string } {
  if (!config) return { allowed: null };
  if (config.state !== 'enabled') return { allowed: false, why: `${String(config.id ?? 'the method')} is disabled in the authentication methods policy` };
  const targets = (list: unknown) => (Array.isArray(list) ? (list as Json[]).map((t) => lower(String(t.id ?? ''))) : []);
  const hit = (ids: string[]): boolean | null => {
    if (ids.includes('all_users') || ids.includes(lower(userId))) return true;
    if (ids.length === 0) return false;
    if (!memberOf) return null;
    return ids.some((id) => memberOf.has(id));
  };
  const excluded = hit(targets(config.excludeTargets).filter((id) => id !== 'all_users'));
  if (excluded === true) return { allowed: false, why: `the user is excluded from ${String(config.id)} in the authentication methods policy` };
  const included = hit(targets(config.includeTargets));
  if (included === false) return { allowed: false, why: `the user is not in the ${String(config.id)} targets of the authentication methods policy` };
  if (included === null || excluded === null) return { allowed: null };
  return { allowed: true };
}

function configsFor(type: string, m: Json): string[] {
  switch (type) {
    case 'microsoftAuthenticator':
      return ['microsoftauthenticator'];
    case 'phone':
      return m.phoneType === 'office' ? ['voice'] : ['sms', 'voice'];
    case 'fido2':
      return ['fido2'];
    case 'softwareOath':
      return ['softwareoath'];
    case 'email':
      return ['email'];
    case 'temporaryAccessPass':
      return ['temporaryaccesspass'];
    default:
      return [];
  }
}

function methodReport(m: Json, input: UserShowInput, abandonedIds: ReadonlySet<string>): MethodReport {
  const type = methodType(m);
  const id = String(m.id ?? '');
  const report: MethodReport = { id, type, details: methodDetails(m), mfaMethod: !NON_MFA_TYPES.has(type), usable: null };
  if (type === 'password') return { ...report, usable: true, note: 'first factor only' };
  if (type === 'microsoftAuthenticator' && abandonedIds.has(lower(id))) {
    return { ...report, usable: false, note: 'registration never completed (the audit log shows it started, never verified): it cannot satisfy MFA' };
  }
  if (type === 'temporaryAccessPass') {
    const usable = m.isUsable === true ? true : m.isUsable === false ? false : null;
    const why = str(m.methodUsabilityReason);
    return { ...report, usable, note: `bootstrap pass, not counted as an MFA method${why ? `; ${why}` : ''}` };
  }
  const configs = input.methodConfigurations;
  const ids = configsFor(type, m);
  let verdict: { allowed: boolean | null; why?: string } = { allowed: type === 'windowsHelloForBusiness' ? true : null };
  if (configs && ids.length > 0) {
    const results = ids.map((c) => policyAllows(configs[c], input.user.id, input.memberOf));
    verdict = results.find((r) => r.allowed === true) ?? results.find((r) => r.allowed === null) ?? results[0]!;
  }
  const note = type === 'email' ? 'self-service password reset only; cannot satisfy MFA' : verdict.why;
  return { ...report, usable: verdict.allowed, ...(note ? { note } : {}) };
}

function explainReady(proof: ReadyProof, detail: string | undefined): string {
  switch (proof) {
    case 'mfaSignIn':
      return `proven: ${detail ?? 'a successful MFA sign-in'} in the sign-in log`;
    case 'registrationCompleted':
      return `can do MFA: ${detail ?? 'a completed registration in the audit log'}`;
    case 'report':
      return 'can do MFA: the registration report lists a usable method';
  }
}

function explain(reason: NotReadyReason, abandonedAt: string | undefined, detail: string | undefined): string {
  switch (reason) {
    case 'noMethod':
      return 'no MFA method registered: the user is asked to register at the next sign-in the policy covers (a TAP lets them enrol the Authenticator)';
    case 'registeredNotCapable':
      return `a method is registered but ${detail ?? 'the authentication methods policy does not allow it'}`;
    case 'unverifiedAuthenticator':
      return `an Authenticator registration was started${abandonedAt ? ` at ${abandonedAt}` : ''} and never completed: the app is listed but cannot satisfy MFA`;
    case 'disabled':
      return 'the account is disabled';
    case 'unknown':
      return detail && detail !== 'not in the registration report'
        ? `unknown: ${detail}`
        : 'the registration report has no row for this user (a new user, or the report could not be read)';
  }
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z');
}

function rolloutReport(r: RolloutFacts, input: UserShowInput): RolloutReport {
  const policy = { name: r.policyName, ...(r.policyDisplayName ? { displayName: r.policyDisplayName } : {}), ...(r.livePolicy ? { id: r.livePolicy.id } : {}), state: r.livePolicy?.state ?? 'absent' };
  const base = { rollout: r.name, strategy: r.strategy, policy, ...(r.targetGroup ? { targetGroup: r.targetGroup.ref } : {}) };
  if (r.error) return { ...base, waves: [], policyApplies: 'unknown', reason: r.error, error: r.error };
  const memberOf = input.memberOf;
  const has = (groupId: string): boolean | null => (memberOf ? memberOf.has(lower(groupId)) : null);
  const strategy = rolloutStrategy({ strategy: r.strategy });
  const waves: WaveMembership[] = r.waves.map((w) => ({
    wave: w.name,
    group: w.group,
    member: has(w.groupId) === true,
    widened: strategy.widened({ groupId: w.groupId }, r.facts ?? {}),
  }));
  const first = waves.find((w) => w.member);
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

function signInReport(s: Json, policyIds: ReadonlySet<string>): SignInReport {
  const status = (s.status ?? {}) as Json;
  const errorCode = Number(status.errorCode ?? 0) || 0;
  const { meaning, mfa } = explainSignInError(errorCode);
  const applied = Array.isArray(s.appliedConditionalAccessPolicies) ? (s.appliedConditionalAccessPolicies as Json[]) : [];
  const rolloutPolicies = applied.filter((p) => policyIds.has(lower(String(p.id ?? '')))).map((p) => ({ displayName: String(p.displayName ?? p.id), result: String(p.result ?? '') }));
  const caFailed = s.conditionalAccessStatus === 'failure';
  const conditionalAccess = applied.filter((p) => str(p.result) && p.result !== 'notApplied').map((p) => ({ displayName: String(p.displayName ?? p.id), result: String(p.result) }));
  const method = str((s.mfaDetail as Json | undefined)?.authMethod);
  return {
    createdDateTime: String(s.createdDateTime ?? ''),
    ...(str(s.appDisplayName) ? { app: str(s.appDisplayName)! } : {}),
    ...(method ? { method } : {}),
    ...(conditionalAccess.length ? { conditionalAccess } : {}),
    errorCode,
    meaning,
    mfaRelated: mfa || caFailed || rolloutPolicies.some((p) => /interrupted|failure/i.test(p.result)),
    ...(str(s.conditionalAccessStatus) ? { conditionalAccessStatus: str(s.conditionalAccessStatus)! } : {}),
    ...(rolloutPolicies.length ? { rolloutPolicies } : {}),
  };
}

const SECURITY_INFO_SERVICES = new Set(['authentication methods', 'azure mfa']);

/** The user's security-info events, oldest first: what a helpdesk reads to see where a registration stopped. */
function securityInfoTimeline(audits: readonly AuditEvent[]): SecurityInfoEvent[] {
  const out: SecurityInfoEvent[] = [];
  for (const e of audits) {
    const service = lower(e.loggedByService);
    const stamped = lower(e.activityDisplayName) === 'update user' && e.targetResources.some((t) => (t.modifiedProperties ?? []).some((p) => lower(p.displayName) === 'strongauthenticationphoneappdetail'));
    if (!SECURITY_INFO_SERVICES.has(service) && !stamped) continue;
    if (SECURITY_INFO_SERVICES.has(service) && !/security info/i.test(e.activityDisplayName)) continue;
    const detail = stamped ? 'Authenticator device details (StrongAuthenticationPhoneAppDetail) changed' : str(e.resultReason);
    out.push({ at: e.activityDateTime, activity: e.activityDisplayName, service: e.loggedByService, result: e.result, ...(detail ? { detail } : {}) });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
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
function caPolicyScope(p: Json, input: UserShowInput, row: RegistrationRow | undefined): CaPolicyScope[] {
  const users = ((p.conditions as Json | undefined)?.users ?? {}) as Json;
  const ids = (k: string) => strings(users[k]).map(lower);
  const userId = lower(input.user.id);
  const memberOf = input.memberOf;
  const roles = heldRoles(input);
  const guest = lower(input.user.userType ?? '') === 'guest';
  const base = { id: String(p.id ?? ''), displayName: String(p.displayName ?? p.id ?? ''), state: String(p.state ?? 'unknown') };
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

/** Builds the report of one user from everything the reader gathered. */
export function buildUserReport(input: UserShowInput): UserReport {
  const { user } = input;
  const row = input.registration ? toRegistrationRow(input.registration) : undefined;
  // The same evidence the wave gates weigh: the user's sign-ins (an MFA success proves capability),
  // the audit history with the start it really covers, and the live methods policy.
  const readiness: ReadinessInput = {
    registrations: new Map(row ? [[user.id, row]] : []),
    reportFetchedAt: input.now,
    disabledUserIds: new Set(user.accountEnabled === false ? [user.id] : []),
    audits: input.audits,
    auditsFrom: input.unavailable.audits ? input.now : input.auditsFrom,
    ...(input.methodConfigurations ? { methodConfigurations: input.methodConfigurations } : {}),
    signIns: input.unavailable.signIns ? [] : input.signIns.map(toSignInEvent),
  };
  const index = indexReadiness(readiness);
  const verdict = classifyUser(user.id, index);
  const abandonedMs = index.abandonedAt.get(user.id);
  const registered = index.registeredAt.get(user.id);

  // Which Authenticator is the abandoned one: the device the audit log stamped around that time, or
  // (when the log names no device) every Authenticator created since then.
  const abandonedIds = new Set<string>();
  // A ready user whose report lists only Authenticator methods is ready through the app, so it works.
  const otherMfa = (row?.methodsRegistered ?? []).some((m) => !/authenticator/i.test(m) && !['email', 'temporaryaccesspass'].includes(lower(m)));
  const flagAbandoned = abandonedMs !== undefined && (verdict.ready ? otherMfa : verdict.reason === 'unverifiedAuthenticator');
  if (flagAbandoned) {
    const near = stampedDevices(input.audits).filter((d) => Math.abs(d.at - abandonedMs) <= 10 * MINUTE);
    const authenticators = input.methods.filter((m) => methodType(m) === 'microsoftAuthenticator');
    const known = new Set(authenticators.map((m) => lower(String(m.id ?? ''))));
    const matched = near.filter((d) => known.has(d.id));
    if (matched.length > 0) for (const d of matched) abandonedIds.add(d.id);
    else {
      for (const m of authenticators) {
        const created = Date.parse(String(m.createdDateTime ?? ''));
        if (Number.isNaN(created) || created >= abandonedMs - 60 * MINUTE) abandonedIds.add(lower(String(m.id ?? '')));
      }
    }
  }

  const policyIds = new Set(input.rollouts.flatMap((r) => (r.livePolicy ? [lower(r.livePolicy.id)] : [])));
  const signIns = input.signIns.map((s) => signInReport(s, policyIds)).sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime));
  const failed = signIns.filter((s) => s.errorCode !== 0);
  const r = input.registration;
  const perUserState = input.perUserMfa ?? null;
  const abandonedAt = iso(abandonedMs);
  return {
    formatVersion: USER_REPORT_FORMAT_VERSION,
    evaluatedAt: input.now,
    user,
    verdict: verdict.ready
      ? { ready: true, proof: verdict.proof, explanation: explainReady(verdict.proof, verdict.detail) }
      : { ready: false, reason: verdict.reason, explanation: explain(verdict.reason, abandonedAt, verdict.detail) },
    perUserMfa: {
      state: perUserState,
      note:
        perUserState === null
          ? `unknown: ${input.unavailable.perUserMfa ?? 'not read'}`
          : perUserState === 'disabled'
            ? 'not used (Conditional Access decides)'
            : `legacy per-user MFA is ${perUserState}: ${perUserState === 'enforced' ? 'the user gets MFA on every sign-in regardless of the rollout' : 'the user is asked to register and is then enforced, regardless of the rollout'}; ${perUserMfaSkipsReset(perUserState) ? 'reset-methods skips them unless --include-per-user-mfa' : 'reset-methods resets them'}`,
    },
    registration:
      r && row
        ? {
            isMfaCapable: row.isMfaCapable,
            isMfaRegistered: row.isMfaRegistered,
            ...(typeof r.isPasswordlessCapable === 'boolean' ? { isPasswordlessCapable: r.isPasswordlessCapable } : {}),
            ...(typeof r.isSsprRegistered === 'boolean' ? { isSsprRegistered: r.isSsprRegistered } : {}),
            ...(typeof r.isAdmin === 'boolean' ? { isAdmin: r.isAdmin } : {}),
            methodsRegistered: [...row.methodsRegistered],
            ...(str(r.userPreferredMethodForSecondaryAuthentication) ? { defaultMethod: str(r.userPreferredMethodForSecondaryAuthentication)! } : {}),
            ...(Array.isArray(r.systemPreferredAuthenticationMethods) ? { systemPreferredMethods: strings(r.systemPreferredAuthenticationMethods) } : {}),
            ...(row.lastUpdatedDateTime ? { lastUpdatedDateTime: row.lastUpdatedDateTime } : {}),
          }
        : null,
    methods: input.methods.map((m) => methodReport(m, input, abandonedIds)),
    audit: {
      from: input.auditsFrom,
      ...(abandonedAt ? { abandonedAuthenticatorAt: abandonedAt } : {}),
      ...(registered?.length ? { lastRegistrationAt: iso(registered[registered.length - 1])! } : {}),
      timeline: securityInfoTimeline(input.audits),
    },
    caPolicies: input.caPolicies ? input.caPolicies.flatMap((p) => caPolicyScope(p, input, row)) : null,
    directoryRoles: input.directoryRoles ? input.directoryRoles.flatMap((d) => (d.roleTemplateId ? [{ ...(d.displayName ? { displayName: d.displayName } : {}), roleTemplateId: d.roleTemplateId }] : [])) : null,
    rollouts: input.rollouts.map((x) => rolloutReport(x, input)),
    signIns: {
      from: input.signInsFrom,
      total: signIns.length,
      failed: failed.length,
      mfaRelated: failed.filter((s) => s.mfaRelated).length,
      recent: signIns.slice(0, RECENT_SIGN_INS),
    },
    unavailable: input.unavailable,
  };
}
