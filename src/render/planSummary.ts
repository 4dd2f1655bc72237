import type { PlanFile } from '../plan/types.js';

export interface PlanSummary {
  create: number;
  update: number;
  delete: number;
  noop: number;
  /** Waves whose decision is `promote`. */
  promote: number;
  errors: number;
  warnings: number;
}

export function summarisePlan(plan: PlanFile): PlanSummary {
  const s: PlanSummary = { create: 0, update: 0, delete: 0, noop: 0, promote: 0, errors: 0, warnings: 0 };
  for (const r of plan.resources) s[r.action] += 1;
  for (const w of plan.waves) if (w.decision === 'promote') s.promote += 1;
  for (const d of plan.diagnostics) {
    if (d.severity === 'error') s.errors += 1;
    else s.warnings += 1;
  }
  return s;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The one-line verdict shared by the text and markdown renderings. */
export function summaryLine(s: PlanSummary): string {
  if (s.create + s.update + s.delete + s.promote === 0) return 'No changes. The tenant matches the policies.';
  const waves = s.promote ? `; ${plural(s.promote, 'wave')} to promote` : '';
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete${waves}.`;
}

/** Said next to the verdict when apply would refuse the plan (it refuses any plan with errors). */
export function refusalLine(s: PlanSummary): string | undefined {
  return s.errors ? `${plural(s.errors, 'safety error')}: apply refuses this plan until ${s.errors === 1 ? 'it is' : 'they are'} fixed.` : undefined;
}
