import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { hasErrors } from '../diagnostics.js';
import { ExitError, UserError } from '../errors.js';
import { readPlanFile } from '../plan/planFile.js';
import { planHasChanges, type PlanFile } from '../plan/types.js';
import { failWithDiagnostics, loadDesiredOrExit, openGateway, withTenantOptions, type TenantCliOptions } from './common.js';
import { renderPlan } from './plan.js';

interface ApplyCliOptions extends TenantCliOptions {
  autoApprove?: boolean;
  only?: string;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

export function registerApply(program: Command): void {
  withTenantOptions(program.command('apply').description('write the changes of a saved plan (or of a fresh plan, after confirmation)'))
    .argument('[planfile]', 'a plan saved by `plan --out`; applied exactly, or refused when stale')
    .option('--auto-approve', 'apply a fresh plan without asking (for CI)')
    .option('--only <part>', 'config (methods and CA policies) or waves')
    .action(async (planFile: string | undefined, opts: ApplyCliOptions) => {
      if (opts.only !== undefined && opts.only !== 'config' && opts.only !== 'waves') throw new UserError(`--only must be config or waves; got "${opts.only}"`);
      const desired = loadDesiredOrExit(opts.config);
      const saved = planFile ? readPlanFile(planFile) : undefined;
      const gw = await openGateway(desired, opts);
      const { planAgainstTenant } = await import('../tenant/planAgainstTenant.js');
      const { applyPlan } = await import('../apply/apply.js');

      let plan: PlanFile;
      if (saved) plan = saved;
      else {
        const result = await planAgainstTenant(gw, desired, new Date());
        if (!result.plan) failWithDiagnostics(result.diagnostics);
        plan = result.plan;
        process.stdout.write(renderPlan(plan, 'text'));
        if (hasErrors(plan.diagnostics)) throw new ExitError(1);
        if (!planHasChanges(plan)) return;
        if (!opts.autoApprove) {
          if (!process.stdin.isTTY) throw new UserError('refusing to apply without confirmation in a non-interactive shell: pass --auto-approve, or apply a saved plan file');
          if (!(await confirm('\nApply these changes? Only "yes" is accepted: '))) throw new UserError('apply cancelled; nothing was written');
        }
      }
      if (opts.only === 'waves') plan = { ...plan, resources: plan.resources.map((r) => ({ ...r, action: 'noop' as const })) };

      const report = await applyPlan(gw, plan, desired, new Date(), (r) => process.stdout.write(`${r.action === 'create' ? 'created' : 'updated'} ${r.address} (${r.displayName})\n`));
      if (report.failure) {
        const { resource, error, notAttempted } = report.failure;
        throw new UserError(`apply failed at ${resource.address}: ${error.message}`, {
          detail: [
            `written before the failure: ${report.written.map((r) => r.address).join(', ') || 'nothing'}`,
            `not attempted: ${notAttempted.map((r) => r.address).join(', ') || 'nothing'}`,
            'Run `entra-rollout plan` to see what is still missing.',
          ].join('\n'),
        });
      }
      process.stdout.write(`Apply complete: ${report.written.length} resource(s) written.\n`);
    });
}
