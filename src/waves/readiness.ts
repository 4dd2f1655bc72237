/**
 * Per-user MFA readiness. "Registered" is not "usable": an Authenticator scanned by QR whose
 * verification was never finished is listed as a method yet cannot satisfy MFA, so the audit log is
 * read alongside the registration report. Unknown users are never assumed capable.
 */
import type { AuditEvent, NotReadyReason, ReadinessInput, RegistrationRow, UserReadiness, WaveObservation } from './types.js';
import { NOT_READY_REASONS } from './types.js';
import { parseTime } from './time.js';

const STARTED = 'user started security info registration';
const COMPLETED = new Set(['user registered security info', 'user registered all required security info', 'admin registered security info']);
const DELETED = new Set(['user deleted security info', 'admin deleted security info']);
const PHONE_APP_DETAIL = 'strongauthenticationphoneappdetail';

/** Methods that cannot satisfy MFA on their own; anything else (unknown values included) might. */
const NON_MFA_METHODS = new Set(['email', 'temporaryaccesspass', 'securityquestion', 'password']);

/** What the audit log says about one user's Authenticator registrations (epoch ms). */
interface AuthenticatorTrail {
  lastStart?: number;
  lastEnd?: number;
}

/** Readiness data prepared once per run: the audit log folded per user. */
export interface ReadinessIndex {
  tenant: ReadinessInput;
  /** User id → time of an Authenticator registration that was started and never completed or removed. */
  abandonedAt: ReadonlyMap<string, number>;
  /** User id → times of completed registrations (any method), ascending; used for the ETA trend. */
  registeredAt: ReadonlyMap<string, readonly number[]>;
}

export interface WaveReadiness {
  wave: string;
  /** Raw transitive user members of the group (before de-duplication). */
  groupMembers: number;
  /** Users counted in this wave: members not already counted by an earlier wave. */
  userIds: readonly string[];
  members: number;
  mfaCapable: number;
  /** mfaCapable / members × 100 rounded to one decimal; null for an empty wave. */
  percent: number | null;
  notReady: { count: number; byReason: Record<string, number> };
  /** Per not-ready user, the one reason (for `users issue-tap` and friends). */
  notReadyUsers: ReadonlyMap<string, NotReadyReason>;
}

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

/** Folds the audit log per user. Events with an unparseable time are skipped. */
export function indexReadiness(tenant: ReadinessInput): ReadinessIndex {
  const trails = new Map<string, AuthenticatorTrail>();
  const registeredAt = new Map<string, number[]>();
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
    if (lower(e.loggedByService) !== 'authentication methods' || !ok) continue;
    if (activity === STARTED) {
      if (mentionsAuthenticator(e)) mark(user, 'lastStart', at);
    } else if (COMPLETED.has(activity)) {
      push(registeredAt, user, at);
      if (mentionsAuthenticator(e)) mark(user, 'lastEnd', at);
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
  return { tenant, abandonedAt, registeredAt };
}

function hasNonAuthenticatorMfaMethod(row: RegistrationRow): boolean {
  return row.methodsRegistered.some((m) => !/authenticator/i.test(m) && !NON_MFA_METHODS.has(m.toLowerCase()));
}

/**
 * Ready, or not ready with exactly one reason. Precedence: disabled, unknown (not in the report),
 * then for a report row: capable → ready unless the audit log shows an Authenticator registration
 * abandoned AFTER the row was last updated and the row lists no other MFA method (the report has not
 * caught up); not capable → unverifiedAuthenticator if abandoned, else registeredNotCapable if
 * isMfaRegistered, else noMethod.
 */
export function classifyUser(userId: string, index: ReadinessIndex): UserReadiness {
  const { tenant } = index;
  if (tenant.disabledUserIds.has(userId)) return { ready: false, reason: 'disabled' };
  const row = tenant.registrations.get(userId);
  if (!row) return { ready: false, reason: 'unknown' };
  const abandoned = index.abandonedAt.get(userId);
  if (row.isMfaCapable) {
    if (abandoned !== undefined && !hasNonAuthenticatorMfaMethod(row)) {
      const rowTime = parseTime(row.lastUpdatedDateTime);
      if (rowTime === undefined || abandoned > rowTime) return { ready: false, reason: 'unverifiedAuthenticator' };
    }
    return { ready: true };
  }
  if (abandoned !== undefined) return { ready: false, reason: 'unverifiedAuthenticator' };
  if (row.isMfaRegistered) return { ready: false, reason: 'registeredNotCapable' };
  return { ready: false, reason: 'noMethod' };
}

/** One decimal, rounded DOWN: 3,599 of 4,000 is 89.9 %, never a "90 %" that would pass a 90 % gate. */
function percentOf(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.floor((part * 1000) / whole) / 10;
}

/** Readiness of one wave; `alreadyCounted` holds users of earlier waves and is extended in place. */
export function waveReadiness(wave: Pick<WaveObservation, 'name' | 'memberIds'>, index: ReadinessIndex, alreadyCounted: Set<string> = new Set()): WaveReadiness {
  const userIds: string[] = [];
  const notReadyUsers = new Map<string, NotReadyReason>();
  const counts = new Map<NotReadyReason, number>();
  let capable = 0;
  for (const id of wave.memberIds) {
    if (alreadyCounted.has(id)) continue;
    alreadyCounted.add(id);
    userIds.push(id);
    const r = classifyUser(id, index);
    if (r.ready) capable++;
    else {
      notReadyUsers.set(id, r.reason);
      counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
    }
  }
  const byReason: Record<string, number> = {};
  for (const reason of NOT_READY_REASONS) {
    const n = counts.get(reason);
    if (n) byReason[reason] = n;
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
  };
}

/** Readiness of every wave in order; a user counts only in the first wave that contains them. */
export function rolloutReadiness(waves: readonly Pick<WaveObservation, 'name' | 'memberIds'>[], index: ReadinessIndex): WaveReadiness[] {
  const counted = new Set<string>();
  return waves.map((w) => waveReadiness(w, index, counted));
}
