/**
 * The wave controller's decision: given one rollout as observed, tenant readiness data and the
 * clock, evaluate every wave (so the status shows the whole rollout) and decide per wave. At most
 * one wave is promoted per evaluation, strictly in order.
 */
import type { WaveSpec } from '../config/types.js';
import type { WaveDecision, WaveGateResult } from '../plan/types.js';
import type { GateContext, GateProvider } from './gates.js';
import { DEFAULT_GATE_PROVIDERS, evaluateWaveGates, resolveGateSettings, worstStatus } from './gates.js';
import { resolveWidenings } from './history.js';
import { waveStates } from './observe.js';
import { rolloutStrategy } from './strategies.js';
import type { ReadinessIndex, WaveReadiness } from './readiness.js';
import { indexReadiness, rolloutReadiness } from './readiness.js';
import type { EtaEstimate, RolloutEvaluationInput, WaveStatus, Widening } from './types.js';
import { DAY_MS } from './time.js';

export interface EvaluateOptions {
  /** Gate providers to run per wave (tests inject failing ones). */
  providers?: readonly GateProvider[];
  /** Days of registration history the ETA extrapolates from (default 7). */
  etaBasisDays?: number;
}

export const DEFAULT_ETA_BASIS_DAYS = 7;

export interface EtaQuery {
  readiness: Pick<WaveReadiness, 'members' | 'mfaCapable' | 'userIds' | 'notReadyUsers'>;
  minPercent: number;
  index: ReadinessIndex;
  now: Date;
  basisDays?: number;
}

/**
 * Days until the wave reaches `minPercent` at the recent pace. The pace is the number of distinct
 * wave members who completed a registration ("User registered security info" and kin) in the last
 * `basisDays` days AND are ready now, per day: registrations by users who are still not ready did not
 * move the percentage. Returns 0 days when the wave is already there, null with no members or no
 * trend. A linear extrapolation: the last stragglers are usually slower.
 */
export function estimateEta(q: EtaQuery): EtaEstimate | null {
  const basisDays = q.basisDays ?? DEFAULT_ETA_BASIS_DAYS;
  const { members, mfaCapable } = q.readiness;
  if (members === 0 || basisDays <= 0) return null;
  const usersNeeded = Math.max(0, Math.ceil((q.minPercent * members) / 100) - mfaCapable);
  const nowMs = q.now.getTime();
  const since = nowMs - basisDays * DAY_MS;
  let converted = 0;
  for (const id of q.readiness.userIds) {
    if (q.readiness.notReadyUsers.has(id)) continue;
    const times = q.index.registeredAt.get(id);
    if (times?.some((t) => t >= since && t <= nowMs)) converted++;
  }
  const registrationsPerDay = converted / basisDays;
  if (usersNeeded === 0) return { days: 0, at: q.now.toISOString(), registrationsPerDay, usersNeeded, basisDays };
  if (converted === 0) return null;
  const days = Math.ceil((usersNeeded / registrationsPerDay) * 10) / 10;
  return { days, at: new Date(nowMs + days * DAY_MS).toISOString(), registrationsPerDay, usersNeeded, basisDays };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function maxNewUsersResult(newUsers: number | undefined, max: number): WaveGateResult {
  if (newUsers === undefined) return { gate: 'maxNewUsersPerApply', status: 'inconclusive', value: null, threshold: max, message: 'number of new users unknown: readiness could not be computed' };
  const ok = newUsers <= max;
  return {
    gate: 'maxNewUsersPerApply',
    status: ok ? 'pass' : 'fail',
    value: newUsers,
    threshold: max,
    message: ok ? `${newUsers} users would be newly enforced, limit ${max}` : `${newUsers} users would be newly enforced, over the limit of ${max} per apply: split the wave or raise maxNewUsersPerApply`,
  };
}

/**
 * A wave taken out by a rollback stays held until the Rollout acknowledges that rollback with
 * `resumeAfter` (reviewed like any change): otherwise the next scheduled apply would widen it again.
 * Undefined when the audit log shows no rollback since the wave was last widened.
 */
function rollbackResult(rollout: RolloutEvaluationInput['rollout'], wave: RolloutEvaluationInput['rollout']['waves'][number], spec: WaveSpec | undefined, audits: RolloutEvaluationInput['tenant']['audits']): WaveGateResult | undefined {
  let at: string | undefined;
  try {
    at = rolloutStrategy(rollout.spec).rolledBackAt({ targetGroupId: rollout.targetGroupId, policyId: rollout.policyId, groupId: wave.groupId, memberIds: wave.memberIds }, audits);
  } catch (err) {
    return { gate: 'rollback', status: 'inconclusive', value: null, threshold: null, message: `rollback history could not be read: ${errorText(err)}` };
  }
  if (!at) return undefined;
  const ack = spec?.resumeAfter;
  if (ack && Date.parse(ack) >= Date.parse(at)) return { gate: 'rollback', status: 'pass', value: at, threshold: ack, message: `rolled back at ${at}, resumed by resumeAfter ${ack}` };
  return { gate: 'rollback', status: 'fail', value: at, threshold: ack ?? null, message: `wave ${wave.name} was rolled back at ${at} (audit log); to widen it again set resumeAfter: ${at} on the wave` };
}

/**
 * Readiness, gates and a decision for every wave of one rollout:
 * - done: already widened;
 * - paused: `paused: true` in the spec (wherever it is in the order);
 * - promote: the first not-widened wave when every gate passes (incl. maxNewUsersPerApply);
 * - hold: that wave otherwise (the gate messages say why);
 * - blocked: not-widened waves behind it.
 */
export function evaluateRollout(input: RolloutEvaluationInput, now: Date, options: EvaluateOptions = {}): WaveStatus[] {
  const { rollout, tenant } = input;
  const providers = options.providers ?? DEFAULT_GATE_PROVIDERS;
  const index = indexReadiness(tenant);

  let readiness: (WaveReadiness | { error: string })[];
  try {
    readiness = rolloutReadiness(rollout.waves, index);
  } catch (err) {
    readiness = rollout.waves.map(() => ({ error: errorText(err) }));
  }
  let widenings: Widening[];
  try {
    widenings = resolveWidenings(rollout, tenant.audits);
  } catch {
    widenings = rollout.waves.map(() => ({ source: 'unknown' as const }));
  }

  const specByName = new Map<string, WaveSpec>(rollout.spec.waves.map((w) => [w.name, w]));
  const maxNew = rollout.spec.maxNewUsersPerApply;
  // Where each wave stands in the order: the same model users show reports (observe.ts).
  const states = waveStates(rollout.waves, rollout.spec);

  return rollout.waves.map((wave, i): WaveStatus => {
    const spec = specByName.get(wave.name);
    const settings = resolveGateSettings(rollout.spec.gates, spec?.gates);
    const r = readiness[i] ?? { error: 'missing' };
    const ctx: GateContext = { now, rollout, tenant, index, waveIndex: i, wave, settings, readiness: r, widenings };
    const gates = evaluateWaveGates(ctx, providers);
    const ok = 'error' in r ? undefined : r;
    const newUsers = ok ? ok.userIds.filter((id) => !rollout.enforcedUserIds.has(id)).length : undefined;
    if (maxNew !== undefined) gates.push(maxNewUsersResult(newUsers, maxNew));
    if (!wave.widened) {
      const rolledBack = rollbackResult(rollout, wave, spec, tenant.audits);
      if (rolledBack) gates.push(rolledBack);
    }

    // An observed wave is widened or not (never unknown), so every state is told.
    const state = states[i] ?? 'blocked';
    const decision: WaveDecision = state === 'next' ? (worstStatus(gates) === 'pass' ? 'promote' : 'hold') : state;

    const w = widenings[i];
    let eta: EtaEstimate | null | undefined;
    if (!wave.widened && ok) {
      try {
        eta = estimateEta({ readiness: ok, minPercent: settings.mfaCapable.minPercent, index, now, basisDays: options.etaBasisDays });
      } catch {
        eta = null;
      }
    }
    const status: WaveStatus = {
      rollout: rollout.name,
      wave: wave.name,
      group: wave.group,
      members: ok?.members ?? wave.memberIds.length,
      mfaCapable: ok?.mfaCapable ?? 0,
      decision,
      gates,
      notReady: ok ? { count: ok.notReady.count, byReason: { ...ok.notReady.byReason } } : { count: 0, byReason: {} },
      percent: ok ? ok.percent : null,
    };
    if (ok) {
      status.disabled = ok.disabledUserIds.length;
      if (ok.disabledUserIds.length) status.disabledUsers = ok.disabledUserIds.map((id) => tenant.disabledUserPrincipalNames?.get(id) ?? id);
      status.readyBy = { ...ok.readyBy };
    }
    if (newUsers !== undefined) status.newUsers = newUsers;
    if (wave.widened && w) {
      status.widenedAtSource = w.source;
      if (w.at) status.widenedAt = w.at;
    }
    if (eta !== undefined) status.eta = eta;
    return status;
  });
}
