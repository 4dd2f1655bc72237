/**
 * Gate providers: each turns the observed state into a measurement and a verdict. Worst-of wins
 * (pass < inconclusive < fail). A provider that throws yields `inconclusive` with the error text:
 * it holds the wave, never crashes the run and never passes silently.
 */
import type { GateSettings } from '../config/types.js';
import type { GateStatus, WaveGateResult } from '../plan/types.js';
import type { ReadinessIndex, WaveReadiness } from './readiness.js';
import type { ReadinessInput, RolloutObservation, WaveObservation, Widening } from './types.js';
import { failingUsers, SIGN_IN_CODES, type FailingUser } from './signInCodes.js';
import { HOUR_MS, parseTime, round1 } from './time.js';
import { preflightGate } from './preflight.js';

export interface ResolvedGateSettings {
  mfaCapable: { minPercent: number };
  soak: { minHours: number };
  signInHealth: { maxPercent: number; windowHours: number };
  freshness: { maxAgeHours: number };
}

/** Used when neither the wave nor the rollout declares a gate (documented in the README/DESIGN). */
export const DEFAULT_GATE_SETTINGS: ResolvedGateSettings = {
  mfaCapable: { minPercent: 95 },
  soak: { minHours: 72 },
  signInHealth: { maxPercent: 2, windowHours: 24 },
  freshness: { maxAgeHours: 24 },
};

export { MFA_ERROR_CODES } from './signInCodes.js';

/** Field by field: the wave's value, else the rollout's, else the default. */
export function resolveGateSettings(rollout: GateSettings | undefined, wave: GateSettings | undefined): ResolvedGateSettings {
  const d = DEFAULT_GATE_SETTINGS;
  return {
    mfaCapable: { ...d.mfaCapable, ...rollout?.mfaCapable, ...wave?.mfaCapable },
    soak: { ...d.soak, ...rollout?.soak, ...wave?.soak },
    signInHealth: {
      maxPercent: wave?.signInHealth?.maxPercent ?? rollout?.signInHealth?.maxPercent ?? d.signInHealth.maxPercent,
      windowHours: wave?.signInHealth?.windowHours ?? rollout?.signInHealth?.windowHours ?? d.signInHealth.windowHours,
    },
    freshness: { ...d.freshness, ...rollout?.freshness, ...wave?.freshness },
  };
}

/** Everything a provider may look at for one wave. */
export interface GateContext {
  now: Date;
  rollout: RolloutObservation;
  tenant: ReadinessInput;
  index: ReadinessIndex;
  waveIndex: number;
  wave: WaveObservation;
  settings: ResolvedGateSettings;
  /** This wave's readiness, or why it could not be computed. */
  readiness: WaveReadiness | { error: string };
  /** Widening of every wave of the rollout, same order as `rollout.waves`. */
  widenings: readonly Widening[];
}

export interface GateProvider {
  gate: string;
  /** Whether the gate applies to this wave at all (default: always); a gate that is off shows no row. */
  appliesTo?(ctx: GateContext): boolean;
  evaluate(ctx: GateContext): WaveGateResult;
}

const RANK: Record<GateStatus, number> = { pass: 0, inconclusive: 1, fail: 2 };

export function worstStatus(results: readonly Pick<WaveGateResult, 'status'>[]): GateStatus {
  let worst: GateStatus = 'pass';
  for (const r of results) if (RANK[r.status] > RANK[worst]) worst = r.status;
  return worst;
}

function result(gate: string, status: GateStatus, value: WaveGateResult['value'], threshold: WaveGateResult['threshold'], message: string): WaveGateResult {
  return { gate, status, value, threshold, message };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function hours(ms: number): string {
  return `${round1(ms / HOUR_MS)} h`;
}

export const mfaCapableGate: GateProvider = {
  gate: 'mfaCapable',
  evaluate(ctx) {
    const min = ctx.settings.mfaCapable.minPercent;
    const gate = 'mfaCapable';
    if (ctx.tenant.unavailable?.registrations) return result(gate, 'inconclusive', null, min, `registration report unavailable: ${ctx.tenant.unavailable.registrations}`);
    // Without the audit log an abandoned Authenticator registration looks capable whenever the report
    // has not caught up: the share could be too high, so it cannot pass.
    if (ctx.tenant.unavailable?.audits) return result(gate, 'inconclusive', null, min, `the audit log could not be read, so unverified Authenticator registrations cannot be ruled out: ${ctx.tenant.unavailable.audits}`);
    const r = ctx.readiness;
    if ('error' in r) return result(gate, 'inconclusive', null, min, `readiness could not be computed: ${r.error}`);
    if (r.members === 0) {
      const why =
        r.groupMembers === 0
          ? `group ${ctx.wave.group} has no user members`
          : `all ${r.groupMembers} members of ${ctx.wave.group} are already counted in earlier waves`;
      return result(gate, 'inconclusive', null, min, `${why}: nothing to measure`);
    }
    const pct = r.percent ?? 0;
    const reasons = Object.entries(r.notReady.byReason)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    const short = r.historyTooShort ? ` (${r.historyTooShort} unknown: audit history too short)` : '';
    const proven = r.readyBy.mfaSignIn ? `; ${r.readyBy.mfaSignIn} proven by a successful MFA sign-in` : '';
    const disabled = r.disabledUserIds.length ? `; ${r.disabledUserIds.length} disabled not counted` : '';
    const detail = `${r.mfaCapable}/${r.members} users MFA capable (${pct}%), needs ≥ ${min}%${reasons ? `; not ready: ${reasons}${short}` : ''}${proven}${disabled}`;
    // Integer comparison: 95 % of 20 users must not fail on floating point.
    const ok = r.mfaCapable * 100 >= min * r.members;
    return result(gate, ok ? 'pass' : 'fail', pct, min, detail);
  },
};

export const soakGate: GateProvider = {
  gate: 'soak',
  evaluate(ctx) {
    const min = ctx.settings.soak.minHours;
    const gate = 'soak';
    if (ctx.waveIndex === 0) return result(gate, 'pass', null, min, 'first wave: nothing is enforced before it');
    const prev = ctx.rollout.waves[ctx.waveIndex - 1];
    if (!prev) throw new Error(`no wave before index ${ctx.waveIndex}`);
    if (!prev.widened) return result(gate, 'fail', null, min, `previous wave ${prev.name} is not widened yet`);
    if (min <= 0) return result(gate, 'pass', null, min, 'no soak required');
    const w = ctx.widenings[ctx.waveIndex - 1];
    const at = parseTime(w?.at);
    if (at === undefined) {
      const audits = ctx.tenant.unavailable?.audits ? `the audit log could not be read (${ctx.tenant.unavailable.audits})` : 'no widening event in the audit log (it keeps 30 days)';
      return result(
        gate,
        'inconclusive',
        null,
        min,
        `previous wave ${prev.name} is widened but when is unknown: ${audits}; declare widenedAt on wave ${prev.name} in the Rollout`,
      );
    }
    const elapsed = ctx.now.getTime() - at;
    const ok = elapsed >= min * HOUR_MS;
    const source = w?.source === 'declared' ? 'declared widenedAt' : 'audit log';
    return result(gate, ok ? 'pass' : 'fail', round1(elapsed / HOUR_MS), min, `${hours(elapsed)} since wave ${prev.name} was widened (${source}), needs ≥ ${min} h`);
  },
};

/** Per user, when this rollout started enforcing them: the earliest known widening of a widened wave that contains them. */
function enforcedSince(ctx: Pick<GateContext, 'rollout' | 'widenings'>): Map<string, number> {
  const since = new Map<string, number>();
  ctx.rollout.waves.forEach((w, i) => {
    const at = w.widened ? parseTime(ctx.widenings[i]?.at) : undefined;
    if (at === undefined) return;
    for (const id of w.memberIds) {
      const prev = since.get(id);
      if (prev === undefined || at < prev) since.set(id, at);
    }
  });
  return since;
}

/** Enforced users the sign-in health gate counts (disabled accounts cannot sign in: they would only dilute the share). */
function healthPopulation(ctx: Pick<GateContext, 'tenant' | 'rollout'>): ReadonlySet<string> {
  const disabled = ctx.tenant.disabledUserIds;
  return disabled.size ? new Set([...ctx.rollout.enforcedUserIds].filter((id) => !disabled.has(id))) : ctx.rollout.enforcedUserIds;
}

/**
 * The enforced users the sign-in health gate counts as failing, exactly as the gate counts them (so
 * `waves users` can name them). A failure counts only once the user is enforced by this rollout: before
 * their wave was widened it says nothing about the rollout's health; unknown widening time: the whole
 * window counts. An interrupt or failure followed by a successful sign-in is the normal MFA flow.
 */
export function signInHealthFailures(ctx: Pick<GateContext, 'tenant' | 'rollout' | 'now' | 'settings' | 'widenings'>): FailingUser[] {
  const enforced = healthPopulation(ctx);
  const end = ctx.now.getTime();
  const start = end - ctx.settings.signInHealth.windowHours * HOUR_MS;
  const since = enforcedSince(ctx);
  return failingUsers(ctx.tenant.signIns, (id) => enforced.has(id), (id) => Math.max(start, since.get(id) ?? start), end, parseTime);
}

export const signInHealthGate: GateProvider = {
  gate: 'signInHealth',
  evaluate(ctx) {
    const { maxPercent, windowHours } = ctx.settings.signInHealth;
    const gate = 'signInHealth';
    const enforced = healthPopulation(ctx);
    if (enforced.size === 0) return result(gate, 'pass', 0, maxPercent, 'no users enforced yet');
    if (ctx.tenant.unavailable?.signIns) return result(gate, 'inconclusive', null, maxPercent, `sign-in logs unavailable: ${ctx.tenant.unavailable.signIns}`);
    const end = ctx.now.getTime();
    const start = end - windowHours * HOUR_MS;
    const from = parseTime(ctx.tenant.signInsFrom);
    if (from !== undefined && from > start) {
      return result(gate, 'inconclusive', null, maxPercent, `sign-ins read cover ${hours(end - from)}, the window is ${windowHours} h`);
    }
    const failing = signInHealthFailures(ctx);
    const byCode = new Map<number, number>();
    for (const f of failing) byCode.set(f.lastCode, (byCode.get(f.lastCode) ?? 0) + 1);
    const codes = [...byCode.entries()]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([code, n]) => `${code} ${SIGN_IN_CODES[code]?.name ?? ''} ×${n}`.replace('  ', ' '))
      .join(', ');
    const pct = round1((failing.length * 100) / enforced.size);
    const ok = failing.length * 100 <= maxPercent * enforced.size;
    return result(
      gate,
      ok ? 'pass' : 'fail',
      pct,
      maxPercent,
      `${failing.length}/${enforced.size} enforced users (${pct}%) hit an MFA interrupt or failure not followed by a successful sign-in in the last ${windowHours} h, allowed ≤ ${maxPercent}%${codes ? ` (last error: ${codes})` : ''}`,
    );
  },
};

/**
 * Age of the readiness data: the time since the report was read, or, when longer, the time since
 * the oldest completed registration in the audit log that the report row does not reflect yet
 * (the report refreshes with a lag of hours).
 */
export function readinessDataAgeMs(tenant: ReadinessInput, index: ReadinessIndex, now: Date): number | undefined {
  const fetched = parseTime(tenant.reportFetchedAt);
  if (fetched === undefined) return undefined;
  let oldestUnseen: number | undefined;
  for (const [user, times] of index.registeredAt) {
    const row = tenant.registrations.get(user);
    const rowTime = parseTime(row?.lastUpdatedDateTime);
    if (rowTime === undefined) continue;
    for (const t of times) {
      if (t > rowTime && t <= fetched) {
        if (oldestUnseen === undefined || t < oldestUnseen) oldestUnseen = t;
        break;
      }
    }
  }
  const since = oldestUnseen === undefined ? fetched : Math.min(fetched, oldestUnseen);
  return Math.max(0, now.getTime() - since);
}

export const freshnessGate: GateProvider = {
  gate: 'freshness',
  evaluate(ctx) {
    const max = ctx.settings.freshness.maxAgeHours;
    const gate = 'freshness';
    if (ctx.tenant.unavailable?.registrations) return result(gate, 'inconclusive', null, max, `registration report unavailable: ${ctx.tenant.unavailable.registrations}`);
    const age = readinessDataAgeMs(ctx.tenant, ctx.index, ctx.now);
    if (age === undefined) return result(gate, 'inconclusive', null, max, `time the registration report was read is unknown (${JSON.stringify(ctx.tenant.reportFetchedAt)})`);
    if (age > max * HOUR_MS) return result(gate, 'inconclusive', round1(age / HOUR_MS), max, `readiness data is ${hours(age)} old, older than ${max} h: re-read before deciding`);
    return result(gate, 'pass', round1(age / HOUR_MS), max, `readiness data is ${hours(age)} old`);
  },
};

export const DEFAULT_GATE_PROVIDERS: readonly GateProvider[] = [mfaCapableGate, soakGate, signInHealthGate, freshnessGate, preflightGate];

/** Runs one provider; a throw becomes `inconclusive`. A malformed result is treated the same way. */
export function runGate(provider: GateProvider, ctx: GateContext): WaveGateResult {
  try {
    const r = provider.evaluate(ctx);
    if (!r || !(r.status in RANK)) throw new Error(`returned no valid result`);
    return r;
  } catch (err) {
    return result(provider.gate, 'inconclusive', null, null, `gate ${provider.gate} could not be evaluated: ${errorText(err)}`);
  }
}

export function evaluateWaveGates(ctx: GateContext, providers: readonly GateProvider[] = DEFAULT_GATE_PROVIDERS): WaveGateResult[] {
  return providers.filter((p) => isApplicable(p, ctx)).map((p) => runGate(p, ctx));
}

/** A provider whose `appliesTo` throws still runs (and turns the error into `inconclusive`): never a silent skip. */
function isApplicable(p: GateProvider, ctx: GateContext): boolean {
  try {
    return p.appliesTo?.(ctx) ?? true;
  } catch {
    return true;
  }
}
