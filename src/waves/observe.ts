/**
 * The rollout observation model (issue 16.3): how one rollout's waves stand, computed once here and
 * used by every command that shows or moves waves: `waves status`, `plan` and `apply` (through
 * src/tenant/rollouts.ts and decide.ts), `waves users` (the same observation) and `users show`
 * (src/ops/showUserScope.ts), so the commands cannot disagree about a wave or a user. Pure: the
 * readers hand in what they read.
 * - `livePolicyMatches`: the rollout's live CA policy, found by its display name;
 * - `observeWaves`: each wave widened or not, as the rollout's strategy reads it from the target facts;
 * - `waveStates`: each wave's place in the strictly ordered rollout (done / paused / next / blocked);
 * - `countingWave`: the one wave a user is counted in (the first that holds them).
 */
import type { RolloutSpec } from '../config/types.js';
import type { TargetFacts } from './strategies.js';
import { rolloutStrategy } from './strategies.js';

/**
 * The live CA policies whose display name is the rollout policy's (case-insensitive, as Entra
 * compares them). One hit is the policy; none: not created yet; more: ambiguous.
 */
export function livePolicyMatches<P extends { displayName?: string | null | undefined }>(displayName: string | undefined, policies: readonly P[]): P[] {
  if (displayName === undefined) return [];
  const name = displayName.toLowerCase();
  return policies.filter((p) => (p.displayName ?? '').toLowerCase() === name);
}

/**
 * Whether each wave is widened, from the one fact the strategy reads (`strategy.reads`); null when
 * that fact was not read (users show never reads a `members` target group's users).
 */
export function observeWaves<W extends { groupId: string; memberIds?: readonly string[] }>(
  spec: Pick<RolloutSpec, 'strategy'>,
  waves: readonly W[],
  facts: TargetFacts,
): Array<W & { widened: boolean | null }> {
  const strategy = rolloutStrategy(spec);
  return waves.map((w) => ({ ...w, widened: strategy.widened(w, facts) }));
}

/**
 * A wave's place in its rollout, before any gate is looked at: `done` (widened), `paused` (declared),
 * `next` (the first wave still to widen: decide.ts promotes or holds it by its gates), `blocked`
 * (behind it: waves move strictly in order). null where it depends on a wave whose widening is unknown.
 */
export type WaveState = 'done' | 'paused' | 'next' | 'blocked';

export function waveStates(waves: ReadonlyArray<{ name: string; widened: boolean | null }>, spec: { waves: ReadonlyArray<{ name: string; paused?: boolean | undefined }> }): Array<WaveState | null> {
  const paused = new Set(spec.waves.filter((w) => w.paused).map((w) => w.name));
  let frontierSeen = false;
  let unknownSeen = false;
  return waves.map((w): WaveState | null => {
    if (w.widened === true) return 'done';
    if (w.widened === null) {
      // Widened or the frontier: this wave cannot be told, nor can the first not-widened one after it.
      unknownSeen = true;
      return null;
    }
    if (paused.has(w.name)) {
      frontierSeen = true;
      return 'paused';
    }
    if (frontierSeen) return 'blocked';
    frontierSeen = true;
    return unknownSeen ? null : 'next';
  });
}

/**
 * The wave a user is counted in: the first one (in rollout order) that holds them. The wave gates
 * count each user once, there (readiness.ts `rolloutReadiness`), and `users show` names that wave.
 */
export function countingWave<W>(waves: readonly W[], holds: (wave: W) => boolean): W | undefined {
  return waves.find(holds);
}
