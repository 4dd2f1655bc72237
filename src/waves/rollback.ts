/**
 * `waves rollback`, decided: which waves a `--to WAVE` / `--to none` / `--all` request takes out of a
 * rollout, from what the observation says is widened. Pure; src/cli/waves.ts wires it to the reads,
 * the confirmation and src/apply/waves.ts rollbackWaves, which writes through the rollout's strategy.
 */
import type { PolicyDocument } from '../config/types.js';
import { UserError } from '../errors.js';
import type { RolloutObservation, WaveObservation } from './types.js';

export interface RollbackRequest {
  to?: string;
  all?: boolean;
}

export interface RollbackScope {
  /** Every wave goes (`--to none` or `--all`). */
  everything: boolean;
  /** How many leading waves stay. */
  keepCount: number;
  /** What the output calls the point rolled back to. */
  after: string;
}

/** A request names exactly one of --to and --all (checked before anything is read). */
export function checkRollbackRequest(request: RollbackRequest): void {
  if (request.all === true && request.to !== undefined) throw new UserError('give --to WAVE or --all, not both');
  if (request.all !== true && request.to === undefined) throw new UserError('say how far back: --to WAVE (the last wave that stays), or --to none / --all for every wave');
}

/**
 * The waves a request keeps. "none" is the first wave's predecessor; a wave really named "none" is
 * still reachable by its name. A request naming neither, both, or an unknown wave is a UserError.
 */
export function rollbackScope(doc: PolicyDocument<'Rollout'>, request: RollbackRequest): RollbackScope {
  checkRollbackRequest(request);
  const everything = request.all === true || (request.to === 'none' && !doc.spec.waves.some((w) => w.name === 'none'));
  if (everything) return { everything, keepCount: 0, after: 'the start' };
  const keepCount = doc.spec.waves.findIndex((w) => w.name === request.to) + 1;
  if (keepCount === 0) throw new UserError(`rollout ${doc.name} has no wave "${request.to}" (waves: ${doc.spec.waves.map((w) => w.name).join(', ')}; --to none takes every wave out)`);
  return { everything, keepCount, after: request.to! };
}

export interface RollbackPlan {
  /** Widened waves after the kept ones: what the rollback takes out (empty: nothing to do). */
  takeOut: WaveObservation[];
  /** The waves that stay (a `members` user in one of them stays enforced). */
  keep: WaveObservation[];
  /** Distinct users of the waves taken out (an estimate of who stops being enforced). */
  users: number;
}

export function planRollback(observation: RolloutObservation, scope: RollbackScope): RollbackPlan {
  const takeOut = observation.waves.slice(scope.keepCount).filter((w) => w.widened);
  return { takeOut, keep: observation.waves.slice(0, scope.keepCount), users: new Set(takeOut.flatMap((w) => w.memberIds)).size };
}

/** The one Rollout a rollback acts on: the named one, or the only one declared. */
export function rollbackTarget(rollouts: readonly PolicyDocument<'Rollout'>[], name: string | undefined, configDir: string): PolicyDocument<'Rollout'> {
  const candidates = rollouts.filter((r) => name === undefined || r.name === name);
  if (candidates.length === 0) throw new UserError(name ? `no Rollout named "${name}" (known: ${rollouts.map((r) => r.name).join(', ') || 'none'})` : `no Rollout is declared in ${configDir}`);
  if (candidates.length > 1) throw new UserError(`several Rollouts are declared (${candidates.map((r) => r.name).join(', ')}): say which with --rollout`);
  return candidates[0]!;
}
