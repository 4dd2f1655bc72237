/**
 * How a rollout widens its CA policy, one implementation per strategy (issue 16.3). Every module that
 * used to `switch` on the strategy (tenant observation, apply's writes and re-reads, the widening
 * history, users show) asks the strategy instead:
 * - `reads`: the fact about the target the observation needs (nested groups, the policy's included
 *   groups, or the target group's users), read once by src/tenant/rollouts.ts `readTargetFacts`;
 * - `widened`: observe one wave from those facts;
 * - `promote` / `rollback`: the writes that move waves, as data (src/apply/waves.ts executes them);
 * - `widenedAt` / `rolledBackAt`: when the audit log shows a wave widened or taken out again;
 * - `historyTarget`: the object whose audit events are that history.
 * Pure: no I/O. The default strategy is DEFAULT_ROLLOUT_STRATEGY (config/types), applied at load (config/index.ts).
 */
import { DEFAULT_ROLLOUT_STRATEGY, type RolloutSpec, type RolloutStrategy } from '../config/types.js';
import { auditRolledBackAt, auditWidenedAt } from './history.js';
import type { AuditEvent } from './types.js';

/** The strategy a Rollout declares; the default only for specs built in memory (loading applies it). */
export function strategyName(spec: Pick<RolloutSpec, 'strategy'>): RolloutStrategy {
  return spec.strategy ?? DEFAULT_ROLLOUT_STRATEGY;
}

/** What the tenant shows about a rollout's target; ids lower-cased. Only the strategy's `reads` is filled. */
export interface TargetFacts {
  /** Groups nested directly in the target group. */
  nestedGroupIds?: ReadonlySet<string>;
  /** Groups the live CA policy includes. */
  includedGroupIds?: ReadonlySet<string>;
  /** Transitive user members of the target group. */
  targetUserIds?: ReadonlySet<string>;
}

/** Where a rollout writes: resolved ids (absent when not resolved or not created yet). */
export interface RolloutTarget {
  name: string;
  targetGroupId?: string;
  policyId?: string;
}

export interface MovingWave {
  name: string;
  groupId: string;
  memberIds: readonly string[];
}

/** One write that moves waves; src/apply/waves.ts executes it and reports per wave. */
export type WaveWrite =
  | { kind: 'nestGroup'; wave: string; targetGroupId: string; groupId: string }
  | { kind: 'unnestGroup'; wave: string; targetGroupId: string; groupId: string }
  /** Replace the policy's includeGroups, re-read just before (see caUsers.withIncludeGroups). */
  | { kind: 'policyIncludeGroups'; waves: string[]; policyId: string; add: string[]; drop: string[] }
  /** `already`: wave members left out because they are enforced already (counted as in place). */
  | { kind: 'addUsers'; wave: string; targetGroupId: string; userIds: string[]; already: number }
  | { kind: 'removeUsers'; wave: string; targetGroupId: string; userIds: string[] };

export interface WideningAt {
  targetGroupId?: string;
  policyId?: string;
  groupId: string;
  memberIds: readonly string[];
}

export interface RolloutStrategyImpl {
  readonly name: RolloutStrategy;
  readonly reads: keyof TargetFacts;
  /** Whether the wave is widened; null when the facts do not say (not read). */
  widened(wave: { groupId: string; memberIds?: readonly string[] }, facts: TargetFacts): boolean | null;
  promote(r: RolloutTarget, wave: MovingWave, enforcedUserIds: ReadonlySet<string>): WaveWrite[];
  /** Takes `waves` out; `keep` are the waves that stay widened (a user in one of them stays enforced). */
  rollback(r: RolloutTarget, waves: readonly MovingWave[], keep: readonly MovingWave[]): WaveWrite[];
  widenedAt(q: WideningAt, audits: readonly AuditEvent[]): string | undefined;
  rolledBackAt(q: WideningAt, audits: readonly AuditEvent[]): string | undefined;
  historyTarget(r: RolloutTarget): string | undefined;
  /** The groups whose users the live policy enforces: the policy's included groups, or the target group. */
  enforcingGroups(r: RolloutTarget, includedGroupIds: readonly string[]): string[];
}

function requireId(id: string | undefined, what: string): string {
  if (!id) throw new Error(`${what} is not resolved`);
  return id;
}

const history = (name: RolloutStrategy) => ({
  widenedAt: (q: WideningAt, audits: readonly AuditEvent[]) => auditWidenedAt({ ...q, strategy: name }, audits),
  rolledBackAt: (q: WideningAt, audits: readonly AuditEvent[]) => auditRolledBackAt({ ...q, strategy: name }, audits),
});

/** The wave group becomes (or stops being) a member of the target group: one write per wave. */
const nestedGroups: RolloutStrategyImpl = {
  name: 'nestedGroups',
  reads: 'nestedGroupIds',
  widened: (w, f) => (f.nestedGroupIds ? f.nestedGroupIds.has(w.groupId.toLowerCase()) : null),
  promote: (r, w) => [{ kind: 'nestGroup', wave: w.name, targetGroupId: requireId(r.targetGroupId, `rollout ${r.name}: the target group`), groupId: w.groupId }],
  rollback: (r, waves) => waves.map((w) => ({ kind: 'unnestGroup', wave: w.name, targetGroupId: requireId(r.targetGroupId, `rollout ${r.name}: the target group`), groupId: w.groupId })),
  ...history('nestedGroups'),
  historyTarget: (r) => r.targetGroupId,
  enforcingGroups: (r) => (r.targetGroupId ? [r.targetGroupId] : []),
};

/** The wave group joins (or leaves) the policy's includeGroups: one PATCH for all the waves moved. */
const policyIncludeGroups: RolloutStrategyImpl = {
  name: 'policyIncludeGroups',
  reads: 'includedGroupIds',
  widened: (w, f) => (f.includedGroupIds ? f.includedGroupIds.has(w.groupId.toLowerCase()) : null),
  promote: (r, w) => [{ kind: 'policyIncludeGroups', waves: [w.name], policyId: requireId(r.policyId, `rollout ${r.name}: the policy`), add: [w.groupId], drop: [] }],
  rollback: (r, waves) => [{ kind: 'policyIncludeGroups', waves: waves.map((w) => w.name), policyId: requireId(r.policyId, `rollout ${r.name}: the policy`), add: [], drop: waves.map((w) => w.groupId) }],
  ...history('policyIncludeGroups'),
  historyTarget: (r) => r.policyId,
  // Every group the policy includes, wave or not, is enforced.
  enforcingGroups: (_r, included) => [...included],
};

/** The wave's users join (or leave) the target group themselves; a wave is widened when all of them are in. */
const members: RolloutStrategyImpl = {
  name: 'members',
  reads: 'targetUserIds',
  widened: (w, f) => (f.targetUserIds && w.memberIds ? w.memberIds.length > 0 && w.memberIds.every((m) => f.targetUserIds!.has(m.toLowerCase())) : null),
  promote: (r, w, enforced) => {
    const pending = w.memberIds.filter((id) => !enforced.has(id));
    return [{ kind: 'addUsers', wave: w.name, targetGroupId: requireId(r.targetGroupId, `rollout ${r.name}: the target group`), userIds: pending, already: w.memberIds.length - pending.length }];
  },
  rollback: (r, waves, keep) => {
    // A user who also belongs to a wave that stays widened keeps enforcement; each user is removed once.
    const kept = new Set(keep.flatMap((w) => w.memberIds));
    const seen = new Set<string>();
    return waves.map((w) => {
      const ids = w.memberIds.filter((id) => !kept.has(id) && !seen.has(id));
      ids.forEach((id) => seen.add(id));
      return { kind: 'removeUsers', wave: w.name, targetGroupId: requireId(r.targetGroupId, `rollout ${r.name}: the target group`), userIds: ids };
    });
  },
  ...history('members'),
  historyTarget: (r) => r.targetGroupId,
  enforcingGroups: (r) => (r.targetGroupId ? [r.targetGroupId] : []),
};

const STRATEGIES: Record<RolloutStrategy, RolloutStrategyImpl> = { nestedGroups, policyIncludeGroups, members };

/** The implementation of the strategy a Rollout declares (or the default). */
export function rolloutStrategy(spec: Pick<RolloutSpec, 'strategy'>): RolloutStrategyImpl {
  return STRATEGIES[strategyName(spec)];
}
