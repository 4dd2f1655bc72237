/**
 * Per-user MFA readiness. "Registered" is not "usable": an Authenticator scanned by QR whose
 * verification was never finished is listed as a method yet cannot satisfy MFA, so the audit log and
 * the sign-in log are read alongside the registration report. The evidence ranks (DESIGN.md,
 * "Readiness evidence, strongest first"): a successful MFA sign-in > a completed registration in the
 * audit log > the report's flags. Unknown users are never assumed capable, and what the audit history
 * cannot show is `unknown`, never a confident wrong reason.
 */
import { mfaProofOf } from './signInCodes.js';
import type { AuditEvent, MethodConfigurations, NotReadyReason, ReadinessInput, ReadyProof, RegistrationRow, UserReadiness, WaveObservation } from './types.js';
import { NOT_READY_REASONS, READY_PROOFS } from './types.js';
import { parseTime } from './time.js';

const STARTED = 'user started security info registration';
const COMPLETED = new Set(['user registered security info', 'user registered all required security info', 'admin registered security info']);
const DELETED = new Set(['user deleted security info', 'admin deleted security info']);
const PHONE_APP_DETAIL = 'strongauthenticationphoneappdetail';
/**
 * Services that log security-info registration: "Authentication Methods", and "Azure MFA", which logs
 * "User registered security info" too (issue 13.10): a completion seen in either closes a registration.
 */
export const REGISTRATION_AUDIT_SERVICES: readonly string[] = ['Authentication Methods', 'Azure MFA'];
const REGISTRATION_SERVICES = new Set(REGISTRATION_AUDIT_SERVICES.map((s) => s.toLowerCase()));

/** Methods that cannot satisfy MFA on their own; anything else (unknown values included) might. */
const NON_MFA_METHODS = new Set(['email', 'temporaryaccesspass', 'securityquestion', 'password']);
/** A registration reason naming one of these registered no MFA method (e.g. "User registered Email"). */
const NON_MFA_REASON = /\b(email|security questions?|password|temporary access pass)\b/i;

/** What the audit log says about one user's Authenticator registrations (epoch ms). */
interface AuthenticatorTrail {
  lastStart?: number;
  lastEnd?: number;
}

/** Readiness data prepared once per run: the audit and sign-in logs folded per user. */
export interface ReadinessIndex {
  tenant: ReadinessInput;
  /** User id → time of an Authenticator registration that was started and never completed or removed. */
  abandonedAt: ReadonlyMap<string, number>;
  /** User id → times of completed registrations (any method), ascending; used for the ETA trend. */
  registeredAt: ReadonlyMap<string, readonly number[]>;
  /** User id → latest completed registration of an MFA method (either audit service). */
  mfaCompletedAt: ReadonlyMap<string, number>;
  /** User id → latest successful sign-in that satisfied an MFA grant. */
  mfaSignIn: ReadonlyMap<string, { at: number; policy?: string; method?: string }>;
  /** Start of the audit history read (epoch ms); undefined when it covers everything. */
  auditsFromMs?: number;
}

export interface WaveReadiness {
  wave: string;
  /** Raw transitive user members of the group (before de-duplication). */
  groupMembers: number;
  /** Users counted in this wave: enabled members not already counted by an earlier wave. */
  userIds: readonly string[];
  members: number;
  mfaCapable: number;
  /** mfaCapable / members × 100 rounded to one decimal; null for an empty wave. */
  percent: number | null;
  notReady: { count: number; byReason: Record<string, number> };
  /** Per not-ready user, the one reason (for `users issue-tap` and friends). */
  notReadyUsers: ReadonlyMap<string, NotReadyReason>;
  /** Disabled members of this wave (not counted in `members`). */
  disabledUserIds: readonly string[];
  /** Ready users by the evidence that proved them. */
  readyBy: Partial<Record<ReadyProof, number>>;
  /** Not-ready users whose reason is `unknown` because the audit history is too short. */
  historyTooShort: number;
}

/** The detail of an `unknown` whose cause is the audit retention (tests and renderers match on it). */
export const HISTORY_TOO_SHORT = 'audit history too short';

function lower(s: string | null | undefined): string {
  return (s ?? '').toLowerCase();
}

function mentionsAuthenticator(e: AuditEvent): boolean {
  // The reason is "... Authenticator App with Notification and Code"; no reason at all is taken as
  // Authenticator so a trimmed event can still raise the alarm (the safe direction).
  return !e.resultReason || /authenticator/i.test(e.resultReason);
}

function userTargetId(e: AuditEvent): string | undefined {
  const typed = e.targetResources.find((t) => lower(t.type) === 'user');
  return (typed ?? e.targetResources[0])?.id || undefined;
}

function parseJsonArray(text: string | null | undefined): unknown[] {
  if (!text) return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

function deviceIds(text: string | null | undefined): Set<string> {
  const ids = new Set<string>();
  for (const d of parseJsonArray(text)) {
    if (d && typeof d === 'object') {
      const id = (d as Record<string, unknown>).Id ?? (d as Record<string, unknown>).id;
      ids.add(typeof id === 'string' ? id : JSON.stringify(d));
    }
  }
  return ids;
}

/** Classifies a Core Directory "Update user" change of StrongAuthenticationPhoneAppDetail. */
function phoneAppDetailChange(e: AuditEvent): 'added' | 'removed' | undefined {
  for (const t of e.targetResources) {
    for (const p of t.modifiedProperties ?? []) {
      if (lower(p.displayName) !== PHONE_APP_DETAIL) continue;
      const before = deviceIds(p.oldValue);
      const after = deviceIds(p.newValue);
      if ([...after].some((id) => !before.has(id))) return 'added';
      if ([...before].some((id) => !after.has(id))) return 'removed';
    }
  }
  return undefined;
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function latest(map: Map<string, number>, key: string, at: number): void {
  const prev = map.get(key);
  if (prev === undefined || at > prev) map.set(key, at);
}

/** Folds the audit and sign-in logs per user. Events with an unparseable time are skipped. */
export function indexReadiness(tenant: ReadinessInput): ReadinessIndex {
  const trails = new Map<string, AuthenticatorTrail>();
  const registeredAt = new Map<string, number[]>();
  const mfaCompletedAt = new Map<string, number>();
  const mark = (user: string, field: keyof AuthenticatorTrail, at: number): void => {
    const trail = trails.get(user) ?? {};
    const prev = trail[field];
    if (prev === undefined || at > prev) trail[field] = at;
    trails.set(user, trail);
  };
  for (const e of tenant.audits) {
    const at = parseTime(e.activityDateTime);
    if (at === undefined) continue;
    const activity = lower(e.activityDisplayName);
    const ok = lower(e.result) === 'success';
    const user = userTargetId(e);
    if (!user) continue;
    if (activity === 'update user' && ok) {
      const change = phoneAppDetailChange(e);
      if (change === 'added') mark(user, 'lastStart', at);
      else if (change === 'removed') mark(user, 'lastEnd', at);
      continue;
    }
    if (!REGISTRATION_SERVICES.has(lower(e.loggedByService)) || !ok) continue;
    if (activity === STARTED) {
      if (mentionsAuthenticator(e)) mark(user, 'lastStart', at);
    } else if (COMPLETED.has(activity)) {
      push(registeredAt, user, at);
      if (mentionsAuthenticator(e)) mark(user, 'lastEnd', at);
      if (!NON_MFA_REASON.test(e.resultReason ?? '')) latest(mfaCompletedAt, user, at);
    } else if (DELETED.has(activity)) {
      if (e.resultReason && /authenticator/i.test(e.resultReason)) mark(user, 'lastEnd', at);
    }
  }
  const abandonedAt = new Map<string, number>();
  for (const [user, t] of trails) {
    // Equal times count as completed: the completing event can share the second with the start.
    if (t.lastStart !== undefined && (t.lastEnd === undefined || t.lastStart > t.lastEnd)) abandonedAt.set(user, t.lastStart);
  }
  for (const list of registeredAt.values()) list.sort((a, b) => a - b);
  const mfaSignIn = new Map<string, { at: number; policy?: string; method?: string }>();
  try {
    for (const s of tenant.signIns) {
      const proof = mfaProofOf(s);
      const at = proof ? parseTime(s.createdDateTime) : undefined;
      if (!proof || at === undefined) continue;
      const prev = mfaSignIn.get(s.userId);
      if (!prev || at > prev.at) mfaSignIn.set(s.userId, { at, ...proof });
    }
  } catch {
    // Sign-ins that cannot be read prove nobody (the conservative side); the health gate, reading
    // them itself, turns the same error into an inconclusive result.
    mfaSignIn.clear();
  }
  const auditsFromMs = parseTime(tenant.auditsFrom);
  return { tenant, abandonedAt, registeredAt, mfaCompletedAt, mfaSignIn, ...(auditsFromMs !== undefined ? { auditsFromMs } : {}) };
}

function hasNonAuthenticatorMfaMethod(row: RegistrationRow): boolean {
  return row.methodsRegistered.some((m) => !/authenticator/i.test(m) && !NON_MFA_METHODS.has(m.toLowerCase()));
}

/** The method configurations (lower-cased ids) that govern a `methodsRegistered` value; undefined when none is known. */
export function configurationsForMethod(method: string): string[] | undefined {
  const m = method.toLowerCase();
  if (m.startsWith('microsoftauthenticator')) return ['microsoftauthenticator'];
  if (m === 'softwareonetimepasscode') return ['softwareoath', 'microsoftauthenticator'];
  if (m === 'hardwareonetimepasscode') return ['hardwareoath'];
  if (m === 'mobilephone' || m === 'alternatemobilephone') return ['sms', 'voice'];
  if (m === 'officephone') return ['voice'];
  if (m === 'fido2' || m.startsWith('passkey')) return ['fido2'];
  if (m === 'x509certificate' || m.startsWith('x509')) return ['x509certificate'];
  return undefined;
}

type PolicyVerdict = { allowed: 'all' } | { allowed: 'no'; setting: string } | { allowed: 'some'; setting: string } | { allowed: 'unknown' };

function targetIds(targets: readonly { id?: string | null }[] | null | undefined): string[] {
  return (targets ?? []).map((t) => lower(t.id ?? '')).filter(Boolean);
}

/**
 * Whether the live methods policy lets a registered method be used: `no` names the setting that
 * disables it, `some` the targeting that may leave the user out (membership is not read per user).
 */
function policyVerdict(method: string, configs: MethodConfigurations): PolicyVerdict {
  const ids = configurationsForMethod(method);
  if (!ids) return { allowed: 'unknown' };
  const verdicts: PolicyVerdict[] = ids.map((id) => {
    const c = configs[id];
    if (!c) return { allowed: 'unknown' };
    const name = c.id ?? id;
    if (c.state !== 'enabled') return { allowed: 'no', setting: `${name}.state is ${c.state ?? 'not set'}` };
    // A one-time passcode from the Authenticator app needs isSoftwareOathEnabled on that configuration.
    if (id === 'microsoftauthenticator' && method.toLowerCase() === 'softwareonetimepasscode' && c.isSoftwareOathEnabled !== true) {
      return { allowed: 'no', setting: `${name}.isSoftwareOathEnabled is false` };
    }
    const include = targetIds(c.includeTargets);
    const exclude = targetIds(c.excludeTargets).filter((t) => t !== '00000000-0000-0000-0000-000000000000');
    if (include.length === 0) return { allowed: 'no', setting: `${name}.includeTargets is empty` };
    if (!include.includes('all_users')) return { allowed: 'some', setting: `${name}.includeTargets (${include.join(', ')}) may not include the user` };
    if (exclude.length > 0) return { allowed: 'some', setting: `${name}.excludeTargets (${exclude.join(', ')}) may exclude the user` };
    return { allowed: 'all' };
  });
  return verdicts.find((v) => v.allowed === 'all') ?? verdicts.find((v) => v.allowed === 'unknown') ?? verdicts.find((v) => v.allowed === 'some') ?? verdicts[0]!;
}

/** The audit log cannot explain a registration state older than the history read. */
function historyCovers(row: RegistrationRow, index: ReadinessIndex): boolean {
  if (index.auditsFromMs === undefined) return true;
  const rowTime = parseTime(row.lastUpdatedDateTime);
  return rowTime !== undefined && rowTime >= index.auditsFromMs;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Registered, not capable: name the method and the policy setting, or say honestly that it is unknown. */
function notCapableReason(row: RegistrationRow, index: ReadinessIndex): UserReadiness {
  const mfaMethods = row.methodsRegistered.filter((m) => !NON_MFA_METHODS.has(m.toLowerCase()));
  const covered = historyCovers(row, index);
  const tooShort = (): UserReadiness => ({
    ready: false,
    reason: 'unknown',
    detail: `${HISTORY_TOO_SHORT}: the registration state dates from ${row.lastUpdatedDateTime ?? 'an unknown time'}, the audit log read starts ${index.auditsFromMs === undefined ? '?' : iso(index.auditsFromMs)}; an abandoned registration cannot be ruled out`,
  });
  const configs = index.tenant.methodConfigurations;
  if (!configs) {
    // Without the live policy only the report's word is left: blame the policy only when the audit
    // history could have shown an abandoned registration instead.
    return covered ? { ready: false, reason: 'registeredNotCapable' } : tooShort();
  }
  const verdicts = mfaMethods.map((m) => ({ method: m, v: policyVerdict(m, configs) }));
  if (verdicts.length > 0 && verdicts.every((x) => x.v.allowed === 'no' || x.v.allowed === 'some')) {
    const detail = verdicts.map((x) => `${x.method}: ${'setting' in x.v ? x.v.setting : ''}`).join('; ');
    return { ready: false, reason: 'registeredNotCapable', detail: `the authentication methods policy does not allow it (${detail})` };
  }
  if (!covered) return tooShort();
  const allowed = verdicts.filter((x) => x.v.allowed === 'all').map((x) => x.method);
  return {
    ready: false,
    reason: 'unknown',
    detail: allowed.length
      ? `registered (${allowed.join(', ')}) but not MFA capable although the methods policy allows it for all users, and the audit log shows no abandoned registration`
      : `registered (${mfaMethods.join(', ') || 'no known MFA method'}) but not MFA capable; the methods policy does not say why`,
  };
}

/**
 * Ready (with the evidence) or not ready with exactly one reason, conservatively:
 * 1. disabled;
 * 2. a successful MFA sign-in in the window: ready (`mfaSignIn`), the strongest proof;
 * 3. an Authenticator registration started and never completed, with no later MFA completion and no
 *    other MFA method in the report: `unverifiedAuthenticator`, whatever the report's flags or time;
 * 4. a completed MFA registration (either audit service): ready (`registrationCompleted`) unless a
 *    report row newer than it says not capable (then the policy may refuse the method);
 * 5. no report row: `unknown`; capable row: ready (`report`); nothing registered: `noMethod`;
 * 6. registered, not capable: `registeredNotCapable` naming the method and the policy setting, or
 *    `unknown` when neither the policy nor the audit history explains it.
 */
export function classifyUser(userId: string, index: ReadinessIndex): UserReadiness {
  const { tenant } = index;
  if (tenant.disabledUserIds.has(userId)) return { ready: false, reason: 'disabled' };
  const signIn = index.mfaSignIn.get(userId);
  if (signIn) {
    const via = [signIn.method ? `with ${signIn.method}` : '', signIn.policy ? `satisfying ${signIn.policy}` : ''].filter(Boolean).join(', ');
    return { ready: true, proof: 'mfaSignIn', detail: `successful MFA sign-in at ${iso(signIn.at)}${via ? ` (${via})` : ''}` };
  }
  const row = tenant.registrations.get(userId);
  const abandoned = index.abandonedAt.get(userId);
  const completed = index.mfaCompletedAt.get(userId);
  if (abandoned !== undefined && !(row && hasNonAuthenticatorMfaMethod(row)) && !(completed !== undefined && completed > abandoned)) {
    return { ready: false, reason: 'unverifiedAuthenticator', detail: `Authenticator registration started ${iso(abandoned)}, never completed` };
  }
  if (completed !== undefined) {
    const rowTime = parseTime(row?.lastUpdatedDateTime);
    if (!row || row.isMfaCapable || rowTime === undefined || completed > rowTime) {
      return { ready: true, proof: 'registrationCompleted', detail: `registration completed ${iso(completed)} (audit log)` };
    }
  }
  if (!row) return { ready: false, reason: 'unknown', detail: 'not in the registration report' };
  if (row.isMfaCapable) return { ready: true, proof: 'report' };
  if (!row.isMfaRegistered) return { ready: false, reason: 'noMethod' };
  return notCapableReason(row, index);
}

/** One decimal, rounded DOWN: 3,599 of 4,000 is 89.9 %, never a "90 %" that would pass a 90 % gate. */
function percentOf(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.floor((part * 1000) / whole) / 10;
}

/**
 * Readiness of one wave; `alreadyCounted` holds users of earlier waves and is extended in place.
 * Disabled members are listed and left out of the denominator: leavers must not hold a wave forever.
 */
export function waveReadiness(wave: Pick<WaveObservation, 'name' | 'memberIds'>, index: ReadinessIndex, alreadyCounted: Set<string> = new Set()): WaveReadiness {
  const userIds: string[] = [];
  const disabledUserIds: string[] = [];
  const notReadyUsers = new Map<string, NotReadyReason>();
  const counts = new Map<NotReadyReason, number>();
  const proofs = new Map<ReadyProof, number>();
  let capable = 0;
  let historyTooShort = 0;
  for (const id of wave.memberIds) {
    if (alreadyCounted.has(id)) continue;
    alreadyCounted.add(id);
    if (index.tenant.disabledUserIds.has(id)) {
      disabledUserIds.push(id);
      continue;
    }
    userIds.push(id);
    const r = classifyUser(id, index);
    if (r.ready) {
      capable++;
      proofs.set(r.proof, (proofs.get(r.proof) ?? 0) + 1);
    } else {
      notReadyUsers.set(id, r.reason);
      counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
      if (r.reason === 'unknown' && r.detail?.startsWith(HISTORY_TOO_SHORT)) historyTooShort++;
    }
  }
  const byReason: Record<string, number> = {};
  for (const reason of NOT_READY_REASONS) {
    const n = counts.get(reason);
    if (n) byReason[reason] = n;
  }
  const readyBy: Partial<Record<ReadyProof, number>> = {};
  for (const proof of READY_PROOFS) {
    const n = proofs.get(proof);
    if (n) readyBy[proof] = n;
  }
  return {
    wave: wave.name,
    groupMembers: wave.memberIds.length,
    userIds,
    members: userIds.length,
    mfaCapable: capable,
    percent: percentOf(capable, userIds.length),
    notReady: { count: notReadyUsers.size, byReason },
    notReadyUsers,
    disabledUserIds,
    readyBy,
    historyTooShort,
  };
}

/** Readiness of every wave in order; a user counts only in the first wave that contains them. */
export function rolloutReadiness(waves: readonly Pick<WaveObservation, 'name' | 'memberIds'>[], index: ReadinessIndex): WaveReadiness[] {
  const counted = new Set<string>();
  return waves.map((w) => waveReadiness(w, index, counted));
}
