import type { Command } from 'commander';
import { hasErrors } from '../diagnostics.js';
import { ExitError } from '../errors.js';
import { writePlanFile } from '../plan/planFile.js';
import { planHasChanges, type PlanFile } from '../plan/types.js';
import { renderPlanJson, renderPlanMarkdown, renderPlanText, shouldUseColor } from '../render/plan.js';
import { endProgress, failWithDiagnostics, loadDesiredOrExit, openGateway, progressReporter, withTenantOptions, type TenantCliOptions } from './common.js';
import { parseFormat } from './options.js';

interface PlanCliOptions extends TenantCliOptions {
  out?: string;
  format: string;
  detailedExitcode?: boolean;
}

export function renderPlan(plan: PlanFile, format: 'text' | 'markdown' | 'json'): string {
  if (format === 'json') return renderPlanJson(plan);
  if (format === 'markdown') return renderPlanMarkdown(plan);
  return renderPlanText(plan, { color: shouldUseColor(process.stdout) });
}

export function registerPlan(program: Command): void {
  withTenantOptions(program.command('plan').description('compare the policies with the live tenant and show every change'))
    .option('--out <file>', 'save the plan (JSON) for a later `apply <file>`')
    .option('--format <format>', 'text, markdown or json', 'text')
    .option('--detailed-exitcode', 'exit 0 when there is nothing to change, 2 when there are changes, 1 on errors')
    .action(async (opts: PlanCliOptions) => {
      const format = parseFormat(opts.format, ['text', 'markdown', 'json'] as const);
      const desired = loadDesiredOrExit(opts.config);
      const gw = await openGateway(desired, opts);
      const { planAgainstTenant } = await import('../tenant/planAgainstTenant.js');
      const progress = progressReporter();
      const result = await planAgainstTenant(gw, desired, new Date(), progress ? { progress } : {});
      endProgress();
      if (!result.plan) failWithDiagnostics(result.diagnostics);
      const plan = result.plan;
      if (opts.out) writePlanFile(opts.out, plan);
      process.stdout.write(renderPlan(plan, format));
      if (hasErrors(plan.diagnostics)) throw new ExitError(1);
      if (opts.detailedExitcode && planHasChanges(plan)) throw new ExitError(2);
    });
}
