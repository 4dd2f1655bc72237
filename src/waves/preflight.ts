/**
 * The preflight gate: what the wave promoted next WOULD experience, measured before it is enforced.
 * The tool keeps a report-only twin of the rollout's CA policy scoped to that wave (src/plan/preflightTwin.ts);
 * Entra evaluates it at every sign-in of the wave's users and records the outcome in the sign-in's
 * `appliedConditionalAccessPolicies` without enforcing it. This gate reads those outcomes.
 *
 * What each report-only result means (Microsoft Learn, "appliedConditionalAccessPolicy resource type",
 * https://learn.microsoft.com/graph/api/resources/appliedconditionalaccesspolicy, and "Analyze Conditional
 * Access policy impact" / report-only mode, https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-report-only):
 * - `reportOnlySuccess`: every condition and the required controls were satisfied (e.g. an MFA claim
 *   was already present in the token);
 * - `reportOnlyFailure`: the conditions were met but a required non-interactive control was not (a block,
 *   a non-compliant device): the sign-in WOULD HAVE BEEN BLOCKED;
 * - `reportOnlyInterrupted` (the portal's "Report-only: User action required"): the user would have been
 *   prompted (MFA, terms of use) — report-only mode does not prompt. Whether the user would then have
 *   failed depends on having a usable MFA method, so it counts as a failure only for a user the
 *   readiness classifier finds not ready (no method, unverified Authenticator, …);
 * - `reportOnlyNotApplied`: not every condition was met (the user is excluded, …): not evaluated.
 * These values come back only with `Prefer: include-unknown-enum-members` (src/graph/auditLogs.ts);
 * without it they read `unknownFutureValue`, which this gate refuses to guess about (inconclusive).
 *
 * A user counts once: failing when their last counting result in the window was not followed by a
 * `reportOnlySuccess` (a prompt they then satisfied is the normal MFA flow).
 */
import type { GateSettings, RolloutSpec } from '../config/types.js';
import type { WaveGateResult } from '../plan/types.js';
import type { GateContext, GateProvider } from './gates.js';
import type { NotReadyReason, SignInEvent } from './types.js';
import { HOUR_MS, parseTime, round1 } from './time.js';

export interface ResolvedPreflight {
  maxPercent: number;
  windowHours: number;
  minSignedInUsers: number;
}

/** Defaults of the fields a declared `preflight` leaves out (the gate itself is off unless declared). */
export const PREFLIGHT_DEFAULTS = { windowHours: 72, minSignedInUsers: 1 } as const;

/** The wave's preflight settings (wave over rollout, field by field), or undefined when neither declares it. */
export function resolvePreflight(rollout: GateSettings | undefined, wave: GateSettings | undefined): ResolvedPreflight | undefined {
  const r = rollout?.preflight;
  const w = wave?.preflight;
  if (!r && !w) return undefined;
  return {
    maxPercent: w?.maxPercent ?? r!.maxPercent,
    windowHours: w?.windowHours ?? r?.windowHours ?? PREFLIGHT_DEFAULTS.windowHours,
    minSignedInUsers: w?.minSignedInUsers ?? r?.minSignedInUsers ?? PREFLIGHT_DEFAULTS.minSignedInUsers,
  };
}

/** The preflight settings of a wave of `spec`, by wave name. */
export function wavePreflight(spec: RolloutSpec, wave: string): ResolvedPreflight | undefined {
  return resolvePreflight(spec.gates, spec.waves.find((w) => w.name === wave)?.gates);
}

/** Whether any wave of the rollout declares (or inherits) a preflight gate. */
export function rolloutHasPreflight(spec: RolloutSpec): boolean {
  return spec.waves.some((w) => resolvePreflight(spec.gates, w.gates) !== undefined);
}

/** The longest preflight window of a rollout (0 when none is declared): how far back sign-ins are read. */
export function preflightWindowHours(spec: RolloutSpec): number {
  return Math.max(0, ...spec.waves.map((w) => resolvePreflight(spec.gates, w.gates)?.windowHours ?? 0));
}

export type PreflightResult = 'reportOnlyFailure' | 'reportOnlyInterrupted' | 'failure';

export interface PreflightFailure {
  userId: string;
  /** The twin's result on the user's last counting sign-in. */
  result: PreflightResult;
  at: number;
  /** For an interrupt: why the user could not have satisfied the prompt. */
  notReady?: NotReadyReason;
  /** Counting results of the user in the window. */
  count: number;
}

export interface PreflightMeasurement {
  /** Users of the wave with at least one sign-in the twin evaluated (result other than not-applied). */
  signedIn: number;
  failing: PreflightFailure[];
  /** Twin entries that read `unknownFutureValue` (the Prefer header was not honoured). */
  unknownResults: number;
}

/**
 * Pure: the twin's verdict on each user of `userIds` over [from, to]. `notReady` is the readiness
 * classifier's reason per not-ready user (an interrupt counts only for them).
 */
export function measurePreflight(
  signIns: readonly SignInEvent[],
  twinId: string,
  userIds: ReadonlySet<string>,
  from: number,
  to: number,
  notReady: ReadonlyMap<string, NotReadyReason>,
): PreflightMeasurement {
  const twin = twinId.toLowerCase();
  const evaluated = new Set<string>();
  const lastFailure = new Map<string, PreflightFailure>();
  const lastSuccess = new Map<string, number>();
  let unknownResults = 0;
  for (const s of signIns) {
    if (!userIds.has(s.userId)) continue;
    const at = parseTime(s.createdDateTime);
    if (at === undefined || at < from || at > to) continue;
    const entry = (s.appliedConditionalAccessPolicies ?? []).find((p) => String(p.id).toLowerCase() === twin);
    if (!entry) continue;
    const result = String(entry.result).toLowerCase();
    if (result === 'unknownfuturevalue') {
      unknownResults++;
      continue;
    }
    if (result === 'reportonlynotapplied' || result === 'notapplied' || result === 'notenabled') continue;
    evaluated.add(s.userId);
    if (result === 'reportonlysuccess' || result === 'success') {
      if (at > (lastSuccess.get(s.userId) ?? -Infinity)) lastSuccess.set(s.userId, at);
      continue;
    }
    let counted: PreflightResult | undefined;
    // A hand-enabled twin reports `failure`; it is still what the wave would meet.
    if (result === 'reportonlyfailure' || result === 'failure') counted = result === 'failure' ? 'failure' : 'reportOnlyFailure';
    else if (result === 'reportonlyinterrupted' && notReady.has(s.userId)) counted = 'reportOnlyInterrupted';
    if (!counted) continue;
    const prev = lastFailure.get(s.userId);
    const reason = counted === 'reportOnlyInterrupted' ? notReady.get(s.userId) : undefined;
    if (!prev || at >= prev.at) lastFailure.set(s.userId, { userId: s.userId, result: counted, at, ...(reason ? { notReady: reason } : {}), count: (prev?.count ?? 0) + 1 });
    else prev.count++;
  }
  const failing = [...lastFailure.values()]
    // A success in the same second counts as following it: Graph's times have one-second resolution.
    .filter((f) => (lastSuccess.get(f.userId) ?? -Infinity) < f.at)
    .sort((a, b) => a.userId.localeCompare(b.userId));
  return { signedIn: evaluated.size, failing, unknownResults };
}

/** The wave's users the gate counts as failing, exactly as the gate counts them (for `waves users`). */
export function preflightFailures(ctx: Pick<GateContext, 'now' | 'rollout' | 'tenant' | 'wave' | 'readiness'>): PreflightFailure[] | undefined {
  const settings = wavePreflight(ctx.rollout.spec, ctx.wave.name);
  const twinId = ctx.rollout.preflightTwinId;
  if (!settings || !twinId || 'error' in ctx.readiness || ctx.tenant.unavailable?.signIns) return undefined;
  const end = ctx.now.getTime();
  return measurePreflight(ctx.tenant.signIns, twinId, new Set(ctx.readiness.userIds), end - settings.windowHours * HOUR_MS, end, ctx.readiness.notReadyUsers).failing;
}

function result(status: WaveGateResult['status'], value: WaveGateResult['value'], threshold: number, message: string): WaveGateResult {
  return { gate: 'preflight', status, value, threshold, message };
}

/** A short account of why users are counted: "2 would be blocked (reportOnlyFailure), 1 asked for MFA with noMethod". */
function failureSummary(failing: readonly PreflightFailure[]): string {
  const blocked = failing.filter((f) => f.result !== 'reportOnlyInterrupted').length;
  const byReason = new Map<string, number>();
  for (const f of failing) if (f.result === 'reportOnlyInterrupted') byReason.set(f.notReady ?? 'unknown', (byReason.get(f.notReady ?? 'unknown') ?? 0) + 1);
  const parts = [...(blocked ? [`${blocked} would have been blocked (reportOnlyFailure)`] : []), ...[...byReason].map(([r, n]) => `${n} would have been asked for MFA without a usable method (reportOnlyInterrupted, ${r})`)];
  return parts.join(', ');
}

export const preflightGate: GateProvider = {
  gate: 'preflight',
  // Off unless declared, and only for waves not enforced yet: a widened wave has nothing to preflight.
  appliesTo: (ctx) => !ctx.wave.widened && wavePreflight(ctx.rollout.spec, ctx.wave.name) !== undefined,
  evaluate(ctx) {
    const settings = wavePreflight(ctx.rollout.spec, ctx.wave.name);
    if (!settings) throw new Error('preflight is not declared for this wave');
    const { maxPercent, windowHours, minSignedInUsers } = settings;
    const twinId = ctx.rollout.preflightTwinId;
    if (!twinId) return result('inconclusive', null, maxPercent, `the report-only twin of the rollout's policy does not exist yet: apply creates it, then it needs ${windowHours} h of sign-ins by wave ${ctx.wave.name}`);
    if (ctx.tenant.unavailable?.signIns) return result('inconclusive', null, maxPercent, `sign-in logs unavailable: ${ctx.tenant.unavailable.signIns}`);
    if ('error' in ctx.readiness) return result('inconclusive', null, maxPercent, `readiness could not be computed: ${ctx.readiness.error}`);
    const end = ctx.now.getTime();
    const start = end - windowHours * HOUR_MS;
    const from = parseTime(ctx.tenant.signInsFrom);
    if (from !== undefined && from > start) return result('inconclusive', null, maxPercent, `sign-ins read cover ${round1((end - from) / HOUR_MS)} h, the preflight window is ${windowHours} h`);
    const m = measurePreflight(ctx.tenant.signIns, twinId, new Set(ctx.readiness.userIds), start, end, ctx.readiness.notReadyUsers);
    if (m.signedIn === 0 && m.unknownResults > 0) {
      return result('inconclusive', null, maxPercent, `${m.unknownResults} twin result(s) read as unknownFutureValue: the sign-ins were read without Prefer: include-unknown-enum-members`);
    }
    if (m.signedIn < minSignedInUsers) {
      return result('inconclusive', null, maxPercent, `${m.signedIn} user(s) of wave ${ctx.wave.name} signed in under the report-only twin in the last ${windowHours} h, needs ≥ ${minSignedInUsers}: nothing to measure yet`);
    }
    const pct = round1((m.failing.length * 100) / m.signedIn);
    // Integer comparison, as the other gates: 10 % of 20 users must not fail on floating point.
    const ok = m.failing.length * 100 <= maxPercent * m.signedIn;
    const why = m.failing.length ? `: ${failureSummary(m.failing)}` : '';
    return result(
      ok ? 'pass' : 'fail',
      pct,
      maxPercent,
      `${m.failing.length}/${m.signedIn} signed-in users of wave ${ctx.wave.name} (${pct}%) would have failed or been blocked under the report-only twin in the last ${windowHours} h, allowed ≤ ${maxPercent}%${why}`,
    );
  },
};
