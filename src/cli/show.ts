// `entra-rollout show PLANFILE`: a saved plan rendered as `plan` renders it (Terraform's `show`).
// Reads no tenant and needs no credentials: reviewers can read the artifact a CI job saved.
import type { Command } from 'commander';
import { readPlanFile } from '../plan/planFile.js';
import type { PlanFile } from '../plan/types.js';
import { sanitise } from '../render/planValues.js';
import { parseFormat } from './options.js';
import { renderPlan } from './plan.js';

/** Which tenant, endpoint and version the saved plan came from: text output only (markdown has its footer, JSON has the fields). */
function provenance(plan: PlanFile): string {
  return `Saved plan for tenant ${sanitise(plan.tenantId)} through ${sanitise(plan.graphEndpoint)}, made ${sanitise(plan.createdAt)} by entra-rollout ${sanitise(plan.toolVersion)}.\n\n`;
}

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('render a saved plan file (no tenant is read)')
    .argument('<planfile>', 'a plan saved by `plan --out`')
    .option('--format <format>', 'text, markdown or json', 'text')
    .action((planFile: string, opts: { format: string }) => {
      const format = parseFormat(opts.format, ['text', 'markdown', 'json'] as const);
      const plan = readPlanFile(planFile);
      process.stdout.write(`${format === 'text' ? provenance(plan) : ''}${renderPlan(plan, format)}`);
    });
}
