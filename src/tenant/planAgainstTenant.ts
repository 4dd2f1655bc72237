import type { DesiredState } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import { UserError } from '../errors.js';
import { readReachedTenant, type GraphGateway, type ReachedTenant } from '../graph/index.js';
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

/**
 * Reads the tenant and builds the plan: the one I/O step in front of the pure planner and gates.
 * Refuses before reading anything else when the tenant reached is not the one the policies declare:
 * names resolved in the wrong tenant would otherwise make a plan that looks right.
 */
export async function planAgainstTenant(gw: GraphGateway, desired: DesiredState, now: Date, options: PlanAgainstTenantOptions = {}): Promise<TenantPlanResult> {
  const reached = await readReachedTenant(gw);
  assertDeclaredTenant(reached, desired);
  const read = await readLiveState(gw, desired);
  if (!read.live) return { diagnostics: read.diagnostics };
  const live: LiveState = { ...read.live, tenantId: reached.tenantId };
  let rollouts: TenantRollouts | undefined;
  let waves: WaveStatus[] = [];
  if (options.waves !== false && desired.rollouts.length > 0) {
    rollouts = await readRollouts(gw, desired, live, options.progress ? { progress: options.progress } : {});
    waves = evaluateRollouts(rollouts);
  }
  const plan = buildPlan({ desired, live, now, toolVersion, graphEndpoint: gw.baseUrl, waves });
  plan.diagnostics = [...read.diagnostics, ...plan.diagnostics];
  return { plan, diagnostics: [], live, ...(rollouts ? { rollouts } : {}) };
}

/** How a reached tenant id was learnt, for messages. */
function reachedVia(reached: ReachedTenant): string {
  return reached.via.map((v) => (v === 'token' ? "the token's tid claim" : 'GET /organization')).join(' and ');
}

function assertDeclaredTenant(reached: ReachedTenant, desired: DesiredState): void {
  const declared = desired.tenant.spec.tenantId.toLowerCase();
  if (reached.tenantId === declared) return;
  const where = `${desired.tenant.source.file}:${desired.tenant.source.line}`;
  throw new UserError(`the tenant reached is ${reached.tenantId}, but the Tenant document declares ${declared}; nothing was planned or written`, {
    detail: `  reached ${reached.tenantId} (from ${reachedVia(reached)})\n  declared ${declared} (${where})\nSign in to tenant ${declared}, or point --graph-url at it.`,
  });
}
