import type { DesiredState } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import type { GraphGateway } from '../graph/index.js';
import { buildPlan } from '../plan/buildPlan.js';
import type { PlanFile } from '../plan/types.js';
import { toolVersion } from '../version.js';
import { readLiveState } from './readLive.js';

export interface TenantPlanResult {
  plan?: PlanFile;
  /** Errors that prevented a plan (unresolved names); a plan carries its own diagnostics. */
  diagnostics: Diagnostic[];
}

/** Reads the tenant and builds the plan: the one I/O step in front of the pure planner. */
export async function planAgainstTenant(gw: GraphGateway, desired: DesiredState, now: Date): Promise<TenantPlanResult> {
  const read = await readLiveState(gw, desired);
  if (!read.live) return { diagnostics: read.diagnostics };
  const plan = buildPlan({ desired, live: read.live, now, toolVersion });
  plan.diagnostics = [...read.diagnostics, ...plan.diagnostics];
  return { plan, diagnostics: [] };
}
