/**
 * Moving waves in the tenant: widening the rollout's policy to one more wave (promotion) and taking
 * later waves out again (rollback). Each strategy writes something different:
 * - nestedGroups: the wave group becomes (or stops being) a member of the target group: one write;
 * - policyIncludeGroups: the wave group joins (or leaves) the policy's includeGroups: one PATCH;
 * - members: the wave's users join the target group, 20 per PATCH and 20 PATCHes per `$batch`.
 * The tool keeps no state of its own: these writes are the history (the directory audit log).
 */
import { UserError } from '../errors.js';
import { addMember, addMembersBulk, getPolicy, removeMember, removeMembersBulk, type GraphGateway, type GraphRequestError } from '../graph/index.js';
import type { RolloutObservation, WaveObservation } from '../waves/index.js';

type Json = Record<string, unknown>;

export interface WaveMoveResult {
  rollout: string;
  wave: string;
  /** Objects written: 1 group for the group strategies, N users for `members`. */
  changed: number;
  /** Already in the wanted state (repeat runs, or a hand edit in the portal). */
  unchanged: number;
  failed: { memberId: string; error: GraphRequestError }[];
}

function strategyOf(o: RolloutObservation) {
  return o.spec.strategy ?? 'nestedGroups';
}

function requireTarget(o: RolloutObservation): string {
  if (!o.targetGroupId) throw new UserError(`rollout ${o.name}: target group "${o.spec.targetGroup ?? ''}" was not resolved`);
  return o.targetGroupId;
}

async function setPolicyIncludeGroups(gw: GraphGateway, o: RolloutObservation, change: (ids: string[]) => string[]): Promise<{ changed: number }> {
  if (!o.policyId) throw new UserError(`rollout ${o.name}: policy "${o.spec.policy}" does not exist in the tenant yet; apply the configuration first`);
  // Re-read just before the write: the PATCH must carry every user condition as it is now.
  const policy = (await getPolicy(gw, o.policyId)) as Json | undefined;
  if (!policy) throw new UserError(`rollout ${o.name}: policy "${o.spec.policy}" (${o.policyId}) was deleted while the rollout ran`);
  const users = { ...(((policy.conditions as Json | undefined)?.users ?? {}) as Json) };
  const before = Array.isArray(users.includeGroups) ? users.includeGroups.map(String) : [];
  const after = change(before);
  const same = before.length === after.length && before.every((id, i) => id === after[i]);
  if (same) return { changed: 0 };
  await gw.patch(`/identity/conditionalAccess/policies/${encodeURIComponent(o.policyId)}`, { conditions: { users: { ...users, includeGroups: after } } });
  return { changed: 1 };
}

/** Widens the rollout's policy to `wave`. Safe to repeat: what is already in place is left alone. */
export async function promoteWave(gw: GraphGateway, o: RolloutObservation, wave: WaveObservation): Promise<WaveMoveResult> {
  const base = { rollout: o.name, wave: wave.name, failed: [] };
  switch (strategyOf(o)) {
    case 'nestedGroups': {
      const outcome = await addMember(gw, requireTarget(o), wave.groupId);
      return { ...base, changed: outcome === 'added' ? 1 : 0, unchanged: outcome === 'added' ? 0 : 1 };
    }
    case 'policyIncludeGroups': {
      const id = wave.groupId.toLowerCase();
      const { changed } = await setPolicyIncludeGroups(gw, o, (ids) => (ids.some((x) => x.toLowerCase() === id) ? ids : [...ids, wave.groupId]));
      return { ...base, changed, unchanged: 1 - changed };
    }
    case 'members': {
      const target = requireTarget(o);
      const pending = wave.memberIds.filter((id) => !o.enforcedUserIds.has(id));
      const r = await addMembersBulk(gw, target, pending);
      return { ...base, changed: r.added.length, unchanged: r.alreadyMembers.length + (wave.memberIds.length - pending.length), failed: r.failed };
    }
  }
}

/**
 * Takes `waves` out of the rollout's target again. For `members`, a user who also belongs to a wave
 * that stays widened keeps enforcement.
 */
export async function rollbackWaves(gw: GraphGateway, o: RolloutObservation, waves: readonly WaveObservation[], keep: readonly WaveObservation[]): Promise<WaveMoveResult[]> {
  const results: WaveMoveResult[] = [];
  switch (strategyOf(o)) {
    case 'nestedGroups': {
      const target = requireTarget(o);
      for (const w of waves) {
        const outcome = await removeMember(gw, target, w.groupId);
        results.push({ rollout: o.name, wave: w.name, changed: outcome === 'removed' ? 1 : 0, unchanged: outcome === 'removed' ? 0 : 1, failed: [] });
      }
      return results;
    }
    case 'policyIncludeGroups': {
      const drop = new Set(waves.map((w) => w.groupId.toLowerCase()));
      const { changed } = await setPolicyIncludeGroups(gw, o, (ids) => ids.filter((id) => !drop.has(id.toLowerCase())));
      return waves.map((w) => ({ rollout: o.name, wave: w.name, changed, unchanged: 1 - changed, failed: [] }));
    }
    case 'members': {
      const target = requireTarget(o);
      const kept = new Set(keep.flatMap((w) => w.memberIds));
      const seen = new Set<string>();
      for (const w of waves) {
        const ids = w.memberIds.filter((id) => !kept.has(id) && !seen.has(id));
        ids.forEach((id) => seen.add(id));
        const r = await removeMembersBulk(gw, target, ids);
        results.push({ rollout: o.name, wave: w.name, changed: r.removed.length, unchanged: r.notMembers.length, failed: r.failed });
      }
      return results;
    }
  }
}
