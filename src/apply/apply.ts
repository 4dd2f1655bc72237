import { hasErrors } from '../diagnostics.js';
import { UserError } from '../errors.js';
import type { DesiredState } from '../config/types.js';
import { createPolicy, patchAuthenticationMethodsPolicy, patchMethodConfiguration, updatePolicy, type GraphGateway } from '../graph/index.js';
import type { PlanFile, PlanResource } from '../plan/types.js';
import { planAgainstTenant } from '../tenant/planAgainstTenant.js';
import { findStaleReasons } from './staleness.js';

export interface ApplyReport {
  written: PlanResource[];
  /** Set when a write failed: what failed and what was never attempted. */
  failure?: { resource: PlanResource; error: Error; notAttempted: PlanResource[] };
}

/**
 * Re-reads the tenant, refuses before any write when the plan is stale or has errors, then writes
 * in the plan's order (methods before Conditional Access). Never re-decides anything: the bodies
 * sent are the ones the plan recorded.
 */
export async function applyPlan(gw: GraphGateway, plan: PlanFile, desired: DesiredState, now: Date, onWrite?: (r: PlanResource) => void): Promise<ApplyReport> {
  if (hasErrors(plan.diagnostics)) throw new UserError('the plan has errors; fix them and plan again (nothing was written)');
  const fresh = await planAgainstTenant(gw, desired, now);
  if (!fresh.plan) {
    throw new UserError('plan is stale: the tenant no longer resolves every name in the policies (nothing was written)', { detail: fresh.diagnostics.map((d) => `  ${d.message}`).join('\n') });
  }
  const reasons = findStaleReasons(plan, fresh.plan, desired.configHash);
  if (reasons.length > 0) {
    throw new UserError(`plan is stale: ${reasons[0]}${reasons.length > 1 ? ` (and ${reasons.length - 1} more)` : ''}; nothing was written, plan again`, { detail: reasons.map((r) => `  - ${r}`).join('\n') });
  }

  const pending = plan.resources.filter((r) => r.action !== 'noop' && r.write);
  const report: ApplyReport = { written: [] };
  for (const [i, resource] of pending.entries()) {
    try {
      await write(gw, resource);
    } catch (err) {
      report.failure = { resource, error: err as Error, notAttempted: pending.slice(i + 1) };
      return report;
    }
    report.written.push(resource);
    onWrite?.(resource);
  }
  return report;
}

async function write(gw: GraphGateway, resource: PlanResource): Promise<void> {
  const { write: w } = resource;
  if (!w) return;
  switch (resource.kind) {
    case 'MicrosoftAuthenticator':
    case 'TemporaryAccessPass':
      await patchMethodConfiguration(gw, resource.kind, String(w.body['@odata.type']), w.body);
      return;
    case 'RegistrationCampaign':
      await patchAuthenticationMethodsPolicy(gw, w.body);
      return;
    case 'ConditionalAccessPolicy':
      if (resource.action === 'create') await createPolicy(gw, w.body);
      else await updatePolicy(gw, resource.graphId!, w.body);
      return;
  }
}
