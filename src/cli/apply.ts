import type { Command } from 'commander';
import { hasErrors } from '../diagnostics.js';
import { ExitError, UserError } from '../errors.js';
import { readPlanFile } from '../plan/planFile.js';
import { planHasChanges, type PlanFile } from '../plan/types.js';
import type { TenantPlanResult } from '../tenant/planAgainstTenant.js';
import { confirm, endProgress, failWithDiagnostics, loadDesiredOrExit, openGateway, progressReporter, withTenantOptions, type TenantCliOptions } from './common.js';
import { renderPlan } from './plan.js';

interface ApplyCliOptions extends TenantCliOptions {
  autoApprove?: boolean;
  only?: string;
}


/** The part of a plan `--only` acts on. */
function restrictPlan(plan: PlanFile, only: 'config' | 'waves'): PlanFile {
  return only === 'config' ? { ...plan, waves: [] } : { ...plan, resources: plan.resources.map((r) => ({ ...r, action: 'noop' as const })) };
}

const SOURCE_NAMES: Record<string, string> = { registrations: 'the registration report', audits: 'the directory audit log', signIns: 'the sign-in logs' };

/**
 * A wave held because part of the tenant could not be read is not a decision: say so and fail, so a
 * scheduled run shows red and the next one reads again (nothing was widened past an unchecked gate).
 */
function failIfHeldUnread(plan: PlanFile, fresh: TenantPlanResult | undefined): void {
  const unreadable = Object.entries(fresh?.rollouts?.readiness.unavailable ?? {});
  const held = unreadable.length ? plan.waves.filter((w) => w.decision === 'hold' && w.gates.some((g) => g.status === 'inconclusive')) : [];
  if (held.length === 0) return;
  const names = unreadable.map(([k]) => SOURCE_NAMES[k] ?? k);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0];
  throw new UserError(`${held.map((w) => `${w.rollout}/${w.wave}`).join(', ')} held: ${list} could not be read`, {
    detail: `${unreadable.map(([k, why]) => `${SOURCE_NAMES[k] ?? k}: ${why}`).join('\n')}\nNo wave was widened past a gate it could not check. Run apply again.`,
  });
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
