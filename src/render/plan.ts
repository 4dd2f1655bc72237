// Renderings of a PlanFile: text for a terminal, markdown for a pull request, JSON for machines.
// All three read only the plan object, so a saved plan renders exactly as it was planned.
import type { PlanFile } from '../plan/types.js';

export { shouldUseColor } from './ansi.js';
export { PLAN_COMMENT_MARKER, renderPlanMarkdown } from './planMarkdown.js';
export { summarisePlan, summaryLine, type PlanSummary } from './planSummary.js';
export { renderPlanText, type TextRenderOptions } from './planText.js';

/** The same object as the plan file, byte for byte what `--out` writes. */
export function renderPlanJson(plan: PlanFile): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
