/**
 * Moving waves in the tenant: widening the rollout's policy to one more wave (promotion) and taking
 * later waves out again (rollback). Each strategy writes something different:
 * - nestedGroups: the wave group becomes (or stops being) a member of the target group: one write;
 * - policyIncludeGroups: the wave group joins (or leaves) the policy's includeGroups: one PATCH;
 * - members: the wave's users join the target group, 20 per PATCH and 20 PATCHes per `$batch`.
 * The tool keeps no state of its own: these writes are the history (the directory audit log).
 */
import { UserError } from '../errors.js';
import {
  addMember,
  addMembersBulk,
  getPolicy,
  removeMember,
  removeMembersBulk,
  type GraphGateway,
  type GraphRequestError,
  type LiveCaPolicy,
} from '../graph/index.js';
import { rollbacksSince } from '../waves/history.js';
import { readRolloutHistory, readTargetFacts } from '../tenant/rollouts.js';
import { caIncludeGroups, caUsersOf, rolloutStrategy, withIncludeGroups, type AuditEvent, type RolloutObservation, type WaveObservation, type WaveWrite } from '../waves/index.js';

export interface WaveMoveResult {
  rollout: string;
  wave: string;
  /** Objects written: 1 group for the group strategies, N users for `members`. */
  changed: number;
  /** Already in the wanted state (repeat runs, or a hand edit in the portal). */
  unchanged: number;
  failed: { memberId: string; error: GraphRequestError }[];
}

/** What a promotion was decided on: the tenant time of the read and the audit events it saw. */
export interface WaveEvaluation {
  now: Date;
  readiness: { audits: readonly AuditEvent[] };
}

/** How far before the evaluation the history is read again: events logged late still count. */
const HISTORY_MARGIN_MS = 3_600_000;

async function readPolicy(gw: GraphGateway, o: RolloutObservation): Promise<LiveCaPolicy> {
  if (!o.policyId) throw new UserError(`rollout ${o.name}: policy "${o.spec.policy}" does not exist in the tenant yet; apply the configuration first`);
  const policy = await getPolicy(gw, o.policyId);
  if (!policy) throw new UserError(`rollout ${o.name}: policy "${o.spec.policy}" (${o.policyId}) was deleted while the rollout ran`);
  return policy;
}

/**
 * The PATCH carries every user condition as the policy has it now (read just before), with
 * includeGroups changed; a policy left including nobody says `includeUsers: ["None"]` (withIncludeGroups).
 */
async function setPolicyIncludeGroups(gw: GraphGateway, policyId: string, policy: LiveCaPolicy, add: readonly string[], drop: readonly string[]): Promise<{ changed: number }> {
  const before = caIncludeGroups(policy);
  const dropped = new Set(drop.map((id) => id.toLowerCase()));
  const kept = before.filter((id) => !dropped.has(id.toLowerCase()));
  const present = new Set(kept.map((id) => id.toLowerCase()));
  const after = [...kept, ...add.filter((id) => !present.has(id.toLowerCase()))];
  const same = before.length === after.length && before.every((id, i) => id === after[i]);
  if (same) return { changed: 0 };
  await gw.patch(`/identity/conditionalAccess/policies/${encodeURIComponent(policyId)}`, { conditions: { users: withIncludeGroups(caUsersOf(policy), after) } });
  return { changed: 1 };
}

/**
 * Which waves are widened now, read again from the tenant the same way the evaluation read it
 * (src/tenant/rollouts.ts readTargetFacts, through the rollout's strategy). The policy is read only
 * for a strategy that writes it, and returned so the PATCH is built from the same read.
 */
async function readWidened(gw: GraphGateway, o: RolloutObservation): Promise<{ widened: (w: WaveObservation) => boolean; policy?: LiveCaPolicy }> {
  const strategy = rolloutStrategy(o.spec);
  if (strategy.reads !== 'includedGroupIds' && !o.targetGroupId) throw new UserError(`rollout ${o.name}: target group "${o.spec.targetGroup ?? ''}" was not resolved`);
  const policy = strategy.reads === 'includedGroupIds' ? await readPolicy(gw, o) : undefined;
  const facts = await readTargetFacts(gw, strategy, { ...(o.targetGroupId ? { targetGroupId: o.targetGroupId } : {}), ...(policy ? { policy } : {}) });
  return { widened: (w) => strategy.widened(w, facts) === true, ...(policy ? { policy } : {}) };
}

/** Runs the strategy's writes; one result per wave, in the order the writes name them. */
async function runWrites(gw: GraphGateway, o: RolloutObservation, writes: readonly WaveWrite[], policy: LiveCaPolicy | undefined): Promise<WaveMoveResult[]> {
  const results: WaveMoveResult[] = [];
  for (const w of writes) {
    switch (w.kind) {
      case 'nestGroup': {
        const outcome = await addMember(gw, w.targetGroupId, w.groupId);
        results.push({ rollout: o.name, wave: w.wave, changed: outcome === 'added' ? 1 : 0, unchanged: outcome === 'added' ? 0 : 1, failed: [] });
        break;
      }
      case 'unnestGroup': {
        const outcome = await removeMember(gw, w.targetGroupId, w.groupId);
        results.push({ rollout: o.name, wave: w.wave, changed: outcome === 'removed' ? 1 : 0, unchanged: outcome === 'removed' ? 0 : 1, failed: [] });
        break;
      }
      case 'policyIncludeGroups': {
        const { changed } = await setPolicyIncludeGroups(gw, w.policyId, policy ?? (await readPolicy(gw, o)), w.add, w.drop);
        for (const wave of w.waves) results.push({ rollout: o.name, wave, changed, unchanged: 1 - changed, failed: [] });
        break;
      }
      case 'addUsers': {
        const r = await addMembersBulk(gw, w.targetGroupId, w.userIds);
        results.push({ rollout: o.name, wave: w.wave, changed: r.added.length, unchanged: r.alreadyMembers.length + w.already, failed: r.failed });
        break;
      }
      case 'removeUsers': {
        const r = await removeMembersBulk(gw, w.targetGroupId, w.userIds);
        results.push({ rollout: o.name, wave: w.wave, changed: r.removed.length, unchanged: r.notMembers.length, failed: r.failed });
        break;
      }
    }
  }
  return results;
}

/** The strategy's writes, with an unresolved target as the one-line UserError it always was. */
function planned(o: RolloutObservation, plan: () => WaveWrite[]): WaveWrite[] {
  try {
    return plan();
  } catch (err) {
    if (err instanceof Error && /is not resolved$/.test(err.message)) throw new UserError(`rollout ${o.name}: target group "${o.spec.targetGroup ?? ''}" was not resolved`);
    throw err;
  }
}

/**
 * Refuses to move waves when the rollout moved since it was evaluated: another wave's widened state
 * differs from the evaluation's (a `waves rollback`, another apply or a hand edit ran meanwhile), or,
 * with `evaluation`, the audit log shows a rollback the evaluation did not see (a wave widened and
 * taken out again looks unchanged in the group). Graph has no ETag on groups or policies, so this
 * re-read just before the write is the check; the workflows' concurrency group keeps scheduled runs
 * apart. Returns the policy read (policyIncludeGroups) so the PATCH is built from the same read.
 */
async function assertUnmoved(gw: GraphGateway, o: RolloutObservation, moving: readonly WaveObservation[], verb: string, evaluation?: WaveEvaluation): Promise<LiveCaPolicy | undefined> {
  const what = `not ${verb} ${moving.map((w) => `${o.name}/${w.name}`).join(', ')}`;
  const now = await readWidened(gw, o);
  const moved = o.waves.filter((w) => !moving.includes(w) && now.widened(w) !== w.widened);
  if (moved.length > 0) {
    const how = moved.map((w) => `${w.name} was ${w.widened ? 'widened' : 'not widened'} when evaluated and is ${w.widened ? 'not widened' : 'widened'} now`).join('; ');
    throw new UserError(`${what}: the rollout changed since it was evaluated (${how}); a rollback or another run may have moved it. Nothing was written for it; run the command again to evaluate the rollout as it is now`);
  }
  if (evaluation) {
    let recent: AuditEvent[];
    try {
      recent = await readRolloutHistory(gw, o, evaluation.now.getTime() - HISTORY_MARGIN_MS);
    } catch (err) {
      throw new UserError(`${what}: its rollback history could not be read again before the write (${(err as Error).message}); nothing was written for it`);
    }
    const rolledBack = rollbacksSince(o, evaluation.readiness.audits, recent);
    if (rolledBack.length > 0) {
      throw new UserError(
        `${what}: ${rolledBack.map((r) => `${r.wave} was rolled back at ${r.at}`).join('; ')} (audit log), after the rollout was evaluated; nothing was written for it. Run the command again: the rollback holds the wave until the Rollout acknowledges it with resumeAfter`,
      );
    }
  }
  return now.policy;
}

/**
 * Widens the rollout's policy to `wave`. Safe to repeat: what is already in place is left alone.
 * Refuses (nothing written) when the rollout moved since `evaluation`: a promotion racing a rollback
 * must not re-widen what the rollback took out.
 */
export async function promoteWave(gw: GraphGateway, o: RolloutObservation, wave: WaveObservation, evaluation: WaveEvaluation): Promise<WaveMoveResult> {
  const policy = await assertUnmoved(gw, o, [wave], 'promoting', evaluation);
  const writes = planned(o, () => rolloutStrategy(o.spec).promote(o, wave, o.enforcedUserIds));
  const [result] = await runWrites(gw, o, writes, policy);
  return result!;
}

/**
 * Takes `waves` out of the rollout's target again. For `members`, a user who also belongs to a wave
 * that stays widened keeps enforcement.
 */
export async function rollbackWaves(gw: GraphGateway, o: RolloutObservation, waves: readonly WaveObservation[], keep: readonly WaveObservation[]): Promise<WaveMoveResult[]> {
  // A promotion that ran since the rollback was shown and confirmed would otherwise stay widened.
  const policy = await assertUnmoved(gw, o, waves, 'rolling back');
  return runWrites(gw, o, planned(o, () => rolloutStrategy(o.spec).rollback(o, waves, keep)), policy);
}
