// `apply --only config|waves`: the part of a plan it acts on (a decision, so not in the CLI; issue 16.3).
import type { PlanFile } from './types.js';

/** `config`: the resources without the waves; `waves`: the waves with every resource as a no-op. */
export function restrictPlan(plan: PlanFile, only: 'config' | 'waves'): PlanFile {
  return only === 'config' ? { ...plan, waves: [] } : { ...plan, resources: plan.resources.map((r) => ({ ...r, action: 'noop' as const })) };
}
