// What `waves report` draws, beyond the `waves status` report: registration and sign-in history per
// day and the frontier wave's not-ready users. Pure: folded from the data the readiness reader has
// already read (TenantRollouts) with the same classifier and index as the gates; no I/O, no clock.
import type { TenantRollouts } from '../tenant/rollouts.js';
import type { NotReadyReason, RolloutObservation, WaveStatus } from '../waves/index.js';
import { classifyUser, explainSignInCode, indexReadiness, rolloutReadiness } from '../waves/index.js';
import { DAY_MS, parseTime } from '../waves/time.js';
import type { RolloutStatus, WavesStatusReport } from './wavesStatus.js';

/** Days of registration history drawn (the audit log's usual retention). */
export const REGISTRATION_DAYS = 30;
/** Not-ready users of the frontier wave written into the page; the rest are counted (size at 100,000 users). */
export const LISTED_USERS = 500;

export interface DayCount {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  /** null: the audit history read does not cover this day. */
  count: number | null;
}

export interface SignInDay {
  day: string;
  success: number;
  /** An MFA challenge or a registration interrupt (the user was asked, not refused). */
  interrupted: number;
  /** An MFA failure (wrong code, denied, no usable method…). */
  failed: number;
}

export interface ReportUser {
  id: string;
  reason: NotReadyReason;
  detail?: string;
  /** Filled in by the CLI from `/users/{id}` for the listed users; Graph data, escaped when drawn. */
  displayName?: string;
  userPrincipalName?: string;
}

export interface WaveTimelineEntry {
  wave: string;
  decision: WaveStatus['decision'];
  widenedAt?: string;
  widenedAtSource?: WaveStatus['widenedAtSource'];
  /** For the wave the rollout waits on: since when (the later of the previous wave's widening and a rollback). */
  heldSince?: string;
  /** The last rollback the audit log shows for this wave (the rollback gate's value). */
  rolledBackAt?: string;
}

export interface RolloutReportSection {
  status: RolloutStatus;
  timeline: WaveTimelineEntry[];
  /** Completed registrations per UTC day by the rollout's users, oldest first; or why there are none. */
  registrations: { days: DayCount[] } | { unavailable: string };
  /** Sign-ins of users the rollout's policy already enforces, per day over the read window. */
  signIns: { enforcedUsers: number; from?: string; days: SignInDay[] } | { unavailable: string };
  /** The wave the rollout waits on (hold/promote), with its not-ready users (the first LISTED_USERS). */
  frontier?: { wave: string; total: number; users: ReportUser[] };
}

export interface RolloutReportData extends Omit<WavesStatusReport, 'rollouts'> {
  rollouts: RolloutReportSection[];
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The wave's mfaCapable threshold (percent), from its gate result. */
export function mfaThreshold(w: WaveStatus): number | undefined {
  const t = w.gates.find((g) => g.gate === 'mfaCapable')?.threshold;
  return typeof t === 'number' ? t : undefined;
}

function timelineOf(waves: readonly WaveStatus[]): WaveTimelineEntry[] {
  return waves.map((w, i) => {
    const entry: WaveTimelineEntry = { wave: w.wave, decision: w.decision };
    if (w.widenedAt) entry.widenedAt = w.widenedAt;
    if (w.widenedAtSource) entry.widenedAtSource = w.widenedAtSource;
    const rollback = w.gates.find((g) => g.gate === 'rollback');
    if (rollback && typeof rollback.value === 'string') entry.rolledBackAt = rollback.value;
    if (w.decision === 'hold') {
      const since = [i > 0 ? waves[i - 1]!.widenedAt : undefined, entry.rolledBackAt].map(parseTime).filter((t): t is number => t !== undefined);
      if (since.length) entry.heldSince = new Date(Math.max(...since)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    return entry;
  });
}

function registrationDays(userIds: ReadonlySet<string>, registeredAt: ReadonlyMap<string, readonly number[]>, nowMs: number, coveredFromMs: number | undefined): DayCount[] {
  const today = Date.parse(`${dayOf(nowMs)}T00:00:00Z`);
  const first = today - (REGISTRATION_DAYS - 1) * DAY_MS;
  const counts = new Array<number>(REGISTRATION_DAYS).fill(0);
  for (const id of userIds) {
    for (const t of registeredAt.get(id) ?? []) {
      if (t < first || t > nowMs) continue;
      counts[Math.floor((t - first) / DAY_MS)]!++;
    }
  }
  return counts.map((count, k) => {
    const start = first + k * DAY_MS;
    // A day that ends before the audit history starts is not "0 registrations": it was not read.
    const covered = coveredFromMs === undefined || start + DAY_MS > coveredFromMs;
    return { day: dayOf(start), count: covered ? count : null };
  });
}

function signInDays(observation: RolloutObservation, data: TenantRollouts): RolloutReportSection['signIns'] {
  const { readiness } = data;
  if (readiness.unavailable?.signIns) return { unavailable: `the sign-in log could not be read: ${readiness.unavailable.signIns}` };
  const byDay = new Map<string, SignInDay>();
  const fromMs = parseTime(readiness.signInsFrom);
  const nowMs = data.now.getTime();
  if (fromMs !== undefined) for (let t = Date.parse(`${dayOf(fromMs)}T00:00:00Z`); t <= nowMs; t += DAY_MS) byDay.set(dayOf(t), { day: dayOf(t), success: 0, interrupted: 0, failed: 0 });
  for (const s of readiness.signIns) {
    if (!observation.enforcedUserIds.has(s.userId)) continue;
    const at = parseTime(s.createdDateTime);
    if (at === undefined || at > nowMs) continue;
    const day = dayOf(at);
    const row = byDay.get(day) ?? { day, success: 0, interrupted: 0, failed: 0 };
    byDay.set(day, row);
    const kind = explainSignInCode(s.status.errorCode).kind;
    if (kind === 'success') row.success++;
    else if (kind === 'challenge' || kind === 'registration') row.interrupted++;
    else if (kind === 'failure') row.failed++;
  }
  const days = [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
  return { enforcedUsers: observation.enforcedUserIds.size, ...(readiness.signInsFrom ? { from: readiness.signInsFrom } : {}), days };
}

/** The report's data: the `waves status` report plus history folded from the same reads. */
export function rolloutReportData(status: WavesStatusReport, data: TenantRollouts, listed = LISTED_USERS): RolloutReportData {
  const index = indexReadiness(data.readiness);
  const nowMs = data.now.getTime();
  const rollouts = status.rollouts.map((r): RolloutReportSection => {
    const observation = data.observations.find((o) => o.name === r.name);
    const section: RolloutReportSection = {
      status: r,
      timeline: timelineOf(r.waves),
      registrations: { unavailable: 'the rollout was not read' },
      signIns: { unavailable: 'the rollout was not read' },
    };
    if (!observation) return section;
    const readiness = rolloutReadiness(observation.waves, index);
    const users = new Set(readiness.flatMap((w) => w.userIds));
    const auditsUnavailable = data.readiness.unavailable?.audits;
    section.registrations = auditsUnavailable
      ? { unavailable: `the audit log could not be read: ${auditsUnavailable}` }
      : { days: registrationDays(users, index.registeredAt, nowMs, index.auditsFromMs) };
    section.signIns = signInDays(observation, data);
    const frontier = r.waves.find((w) => w.decision === 'hold' || w.decision === 'promote');
    const wr = frontier && readiness.find((w) => w.wave === frontier.wave);
    if (frontier && wr) {
      const ids = [...wr.notReadyUsers.keys()].sort().slice(0, listed);
      section.frontier = {
        wave: frontier.wave,
        total: wr.notReadyUsers.size,
        users: ids.map((id) => {
          const c = classifyUser(id, index);
          return { id, reason: wr.notReadyUsers.get(id)!, ...(c.detail ? { detail: c.detail } : {}) };
        }),
      };
    }
    return section;
  });
  const { rollouts: _statusRollouts, ...verdict } = status;
  return { ...verdict, rollouts };
}
