/** Users of a wave with their readiness, through the same reads and classifier as `waves status`. */
import type { DesiredState } from '../config/types.js';
import { UserError } from '../errors.js';
import type { GraphGateway } from '../graph/index.js';
import type { NotReadyReason } from '../waves/index.js';

export async function notReadyUsersOfWave(gw: GraphGateway, desired: DesiredState, wave: string): Promise<Map<string, NotReadyReason>> {
  const rollouts = desired.rollouts.filter((r) => r.spec.waves.some((w) => w.name === wave));
  if (rollouts.length === 0) throw new UserError(`no Rollout declares a wave "${wave}" (waves: ${desired.rollouts.flatMap((r) => r.spec.waves.map((w) => w.name)).join(', ') || 'none'})`);
  if (rollouts.length > 1) throw new UserError(`several Rollouts declare a wave "${wave}": ${rollouts.map((r) => r.name).join(', ')}`);
  const { readLiveState } = await import('../tenant/readLive.js');
  const { readRollouts } = await import('../tenant/rollouts.js');
  const { indexReadiness, rolloutReadiness } = await import('../waves/index.js');
  const live = await readLiveState(gw, desired);
  if (!live.live) throw new UserError(live.diagnostics.map((d) => d.message).join('; ') || 'the tenant could not be read');
  const read = await readRollouts(gw, { ...desired, rollouts }, live.live);
  const observation = read.observations[0]!;
  const index = indexReadiness(read.readiness);
  const readiness = rolloutReadiness(observation.waves, index);
  return new Map(readiness.find((w) => w.wave === wave)!.notReadyUsers);
}
