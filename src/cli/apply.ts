import type { Command } from 'commander';
import { hasErrors } from '../diagnostics.js';
import { ExitError, UserError } from '../errors.js';
import { readPlanFile } from '../plan/planFile.js';
import { restrictPlan } from '../plan/restrict.js';
import { planHasChanges, type PlanFile } from '../plan/types.js';
import type { TenantPlanResult } from '../tenant/planAgainstTenant.js';
import { heldOnUnreadData } from '../waves/unreadHolds.js';
import { confirm, endProgress, failWithDiagnostics, loadDesiredOrExit, openGateway, progressReporter, withTenantOptions, type TenantCliOptions } from './common.js';
import { renderPlan } from './plan.js';

interface ApplyCliOptions extends TenantCliOptions {
  autoApprove?: boolean;
  only?: string;
}


/** Apply fails when a wave is held only because its data could not be read (src/waves/unreadHolds.ts). */
function failIfHeldUnread(plan: PlanFile, fresh: TenantPlanResult | undefined): void {
  const hold = heldOnUnreadData(plan.waves, fresh?.rollouts?.readiness.unavailable);
  if (hold) throw new UserError(hold.message, { detail: hold.detail });
}

/**
 * What `apply --only` shows before it writes: only the part it acts on, and a line saying what it
 * leaves out (a change shown would read as one about to be made).
 */
function renderRestricted(plan: PlanFile, only: 'config' | 'waves'): string {
  if (only === 'config') return renderPlan(restrictPlan(plan, 'config'), 'text'); // the waves were not even read
  const left = plan.resources.filter((r) => r.action !== 'noop').length;
  return `${renderPlan({ ...plan, resources: [] }, 'text')}${left ? `(--only waves: ${left} configuration change(s) left out; \`entra-rollout plan\` shows everything)\n` : ''}`;
}

export function registerApply(program: Command): void {
  withTenantOptions(program.command('apply').description('write the changes of a saved plan (or of a fresh plan, after confirmation)'))
    .argument('[planfile]', 'a plan saved by `plan --out`: applied only if a fresh plan writes exactly the same, else refused')
    .option('--auto-approve', 'apply a fresh plan without asking (for CI)')
    .option('--only <part>', 'config (methods and CA policies) or waves')
    .action(async (planFile: string | undefined, opts: ApplyCliOptions) => {
      if (opts.only !== undefined && opts.only !== 'config' && opts.only !== 'waves') throw new UserError(`--only must be config or waves; got "${opts.only}"`);
      const desired = loadDesiredOrExit(opts.config);
      const saved = planFile ? readPlanFile(planFile) : undefined;
      const gw = await openGateway(desired, opts);
      const { planAgainstTenant } = await import('../tenant/planAgainstTenant.js');
      const { applyPlan } = await import('../apply/apply.js');

      const only = opts.only as 'config' | 'waves' | undefined;
      const progress = progressReporter();
      let plan: PlanFile;
      let fresh: TenantPlanResult | undefined;
      if (saved) plan = saved;
      else {
        fresh = await planAgainstTenant(gw, desired, new Date(), { waves: only !== 'config', ...(progress ? { progress } : {}) });
        endProgress();
        if (!fresh.plan) failWithDiagnostics(fresh.diagnostics);
        plan = fresh.plan;
        process.stdout.write(only ? renderRestricted(plan, only) : renderPlan(plan, 'text'));
        if (hasErrors(plan.diagnostics)) throw new ExitError(1);
        if (!planHasChanges(only ? restrictPlan(plan, only) : plan)) return failIfHeldUnread(plan, fresh);
        if (!opts.autoApprove) {
          if (!process.stdin.isTTY) throw new UserError('refusing to apply without confirmation in a non-interactive shell: pass --auto-approve, or apply a saved plan file');
          if (!(await confirm('\nApply these changes? Only "yes" is accepted: '))) throw new UserError('apply cancelled; nothing was written');
        }
      }

      const report = await applyPlan(gw, plan, desired, new Date(), {
        ...(only ? { only } : {}),
        ...(fresh ? { fresh } : {}),
        ...(progress ? { progress } : {}),
        onNotice: (message) => process.stderr.write(`note: ${message}\n`),
        onWrite: (r) => process.stdout.write(`${r.action === 'create' ? 'created' : 'updated'} ${r.address} (${r.displayName})\n`),
        onWave: (w) => process.stdout.write(`promoted ${w.rollout}/${w.wave}: ${w.changed} written, ${w.unchanged} already in place${w.failed.length ? `, ${w.failed.length} FAILED` : ''}\n`),
      });
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
      const failed = report.promoted.flatMap((p) => p.failed.map((f) => `${p.rollout}/${p.wave}: ${f.memberId}: ${f.error.message}`));
      for (const h of report.held) process.stderr.write(`not promoted: ${h.rollout}/${h.wave}: the gates no longer pass at apply time: ${h.reason}\n`);
      if (failed.length) {
        throw new UserError(`apply promoted only part of a wave: ${failed.length} member(s) could not be added`, { detail: `${failed.slice(0, 20).join('\n')}\nRun apply again to retry them.` });
      }
      if (report.held.length) throw new ExitError(1);
      failIfHeldUnread(plan, fresh);
      process.stdout.write(`Apply complete: ${report.written.length} resource(s) written, ${report.promoted.length} wave(s) promoted.\n`);
    });
}
