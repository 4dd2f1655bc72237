import type { DesiredState } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import type { GraphGateway } from '../graph/index.js';
import { buildPlan } from '../plan/buildPlan.js';
import type { PlanFile } from '../plan/types.js';
import { toolVersion } from '../version.js';
import type { WaveStatus } from '../waves/index.js';
import { readLiveState } from './readLive.js';
import { evaluateRollouts, readRollouts, type TenantRollouts } from './rollouts.js';
import type { LiveState } from './types.js';

export interface TenantPlanResult {
  plan?: PlanFile;
  /** Errors that prevented a plan (unresolved names); a plan carries its own diagnostics. */
  diagnostics: Diagnostic[];
  live?: LiveState;
  /** What the wave controller read (absent with `waves: false`). */
  rollouts?: TenantRollouts;
}

export interface PlanAgainstTenantOptions {
  /** Read readiness and evaluate the waves (default true); `apply --only config` skips it. */
  waves?: boolean;
  progress?: (message: string) => void;
}

/** Reads the tenant and builds the plan: the one I/O step in front of the pure planner and gates. */
export async function planAgainstTenant(gw: GraphGateway, desired: DesiredState, now: Date, options: PlanAgainstTenantOptions = {}): Promise<TenantPlanResult> {
  const read = await readLiveState(gw, desired);
  if (!read.live) return { diagnostics: read.diagnostics };
  let rollouts: TenantRollouts | undefined;
  let waves: WaveStatus[] = [];
  if (options.waves !== false && desired.rollouts.length > 0) {
    rollouts = await readRollouts(gw, desired, read.live, options.progress ? { progress: options.progress } : {});
    waves = evaluateRollouts(rollouts);
  }
  const plan = buildPlan({ desired, live: read.live, now, toolVersion, waves });
  plan.diagnostics = [...read.diagnostics, ...plan.diagnostics];
  return { plan, diagnostics: [], live: read.live, ...(rollouts ? { rollouts } : {}) };
}
