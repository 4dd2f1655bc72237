// `entra-rollout waves status|rollback`: the rollout as the controller sees it, and the way back.
import type { Command } from 'commander';
import type { DesiredState } from '../config/types.js';
import { hasErrors } from '../diagnostics.js';
import { ExitError, UserError } from '../errors.js';
import type { GraphGateway } from '../graph/index.js';
import type { PlanFile } from '../plan/types.js';
import type { TenantRollouts } from '../tenant/rollouts.js';
import type { RolloutStatus, WavesStatusReport } from '../render/wavesStatus.js';
import { shouldUseColor } from '../render/ansi.js';
import { confirm, endProgress, failWithDiagnostics, interruptSignal, loadDesiredOrExit, openGateway, progressReporter, withTenantOptions, type TenantCliOptions } from './common.js';
import { parseFormat } from './options.js';
import { registerWavesReport } from './wavesReport.js';
import { NOT_READY_REASONS, type ReadinessInput } from '../waves/types.js';
import { strategyName } from '../waves/strategies.js';
import { statusExitCode, statusSummary, statusVerdict, type FailOn } from '../waves/statusVerdict.js';

const NOT_READY_REASON_LIST = NOT_READY_REASONS.join(', ');

interface StatusOptions extends TenantCliOptions {
  format: string;
  failOn: string;
  watch?: boolean | string;
}

interface RollbackOptions extends TenantCliOptions {
  to?: string;
  all?: boolean;
  rollout?: string;
  autoApprove?: boolean;
}

async function readStatus(gw: GraphGateway, desired: DesiredState, failOn: FailOn = 'attention') {
  const { planAgainstTenant } = await import('../tenant/planAgainstTenant.js');
  const { WAVES_STATUS_FORMAT_VERSION } = await import('../render/wavesStatus.js');
  const progress = progressReporter();
  const result = await planAgainstTenant(gw, desired, new Date(), progress ? { progress } : {});
  endProgress();
  if (!result.plan || !result.rollouts) failWithDiagnostics(result.diagnostics);
  const errors = result.plan.diagnostics.filter((d) => d.severity === 'error');
  if (hasErrors(errors)) failWithDiagnostics(errors);
  const report = statusReport(desired, result.plan, result.rollouts.now, WAVES_STATUS_FORMAT_VERSION, result.rollouts.readiness.unavailable, failOn);
  return { report, rollouts: result.rollouts };
}

/** The status report of every rollout, from a plan's waves (the same objects, grouped per rollout). */
export function statusReport(
  desired: DesiredState,
  plan: PlanFile,
  now: Date,
  formatVersion: WavesStatusReport['formatVersion'],
  unavailable?: ReadinessInput['unavailable'],
  failOn: FailOn = 'attention',
): WavesStatusReport {
  const rollouts: RolloutStatus[] = desired.rollouts.map((doc) => ({
    name: doc.name,
    strategy: strategyName(doc.spec),
    policy: doc.spec.policy,
    ...(doc.spec.targetGroup ? { targetGroup: doc.spec.targetGroup } : {}),
    waves: plan.waves.filter((w) => w.rollout === doc.name),
  }));
  // The verdict is the controller's (src/waves), not the renderer's: exit code and summary come from it.
  const verdict = statusVerdict(rollouts, unavailable);
  return {
    formatVersion,
    evaluatedAt: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    tenantId: plan.tenantId,
    rollouts,
    problems: verdict.attention,
    holds: verdict.holds,
    summary: statusSummary(verdict),
    exitCode: statusExitCode(verdict, failOn),
  };
}


/** Mermaid charts per rollout for the markdown status (issue 17.2), from the same data as `waves report`. */
async function markdownCharts(report: WavesStatusReport, rollouts: TenantRollouts): Promise<(rollout: string) => string[]> {
  const { rolloutReportData } = await import('../render/rolloutReportData.js');
  const { rolloutMermaidCharts } = await import('../render/mermaid.js');
  const sections = new Map(rolloutReportData(report, rollouts).rollouts.map((s) => [s.status.name, s]));
  return (name) => {
    const section = sections.get(name);
    return section ? rolloutMermaidCharts(section) : [];
  };
}

export function registerWaves(program: Command): void {
  const waves = program.command('waves').description('the staged rollout: per-wave readiness, gates and decisions; rollback');

  withTenantOptions(waves.command('status').description('per-wave members, MFA capable share, not-ready reasons, each gate, decision and ETA'))
    .option('--format <format>', 'text, markdown or json', 'text')
    .option('--watch [seconds]', 'evaluate again every N seconds (default 300) until interrupted')
    .option('--fail-on <what>', 'attention (default: exit 1 only when a person must act) or hold (also when a wave is held for an expected reason)', 'attention')
    .action(async (opts: StatusOptions) => {
      const format = parseFormat(opts.format, ['text', 'markdown', 'json'] as const);
      if (opts.failOn !== 'attention' && opts.failOn !== 'hold') throw new UserError(`--fail-on must be attention or hold; got "${opts.failOn}"`);
      const failOn: FailOn = opts.failOn;
      const desired = loadDesiredOrExit(opts.config);
      if (desired.rollouts.length === 0) throw new UserError(`no Rollout is declared in ${opts.config}`);
      const interval = opts.watch === undefined || opts.watch === false ? undefined : opts.watch === true ? 300 : Number(opts.watch);
      if (interval !== undefined && !(Number.isFinite(interval) && interval >= 10)) throw new UserError(`--watch takes a number of seconds, at least 10; got "${String(opts.watch)}"`);
      const gw = await openGateway(desired, opts);
      const render = await import('../render/wavesStatus.js');
      for (;;) {
        const { report, rollouts } = await readStatus(gw, desired, failOn);
        const text =
          format === 'json'
            ? render.renderWavesStatusJson(report)
            : format === 'markdown'
              ? render.renderWavesStatusMarkdown(report, await markdownCharts(report, rollouts))
              : render.renderWavesStatusText(report, { color: shouldUseColor(process.stdout) });
        if (interval !== undefined && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
        process.stdout.write(text);
        if (interval === undefined) {
          if (report.exitCode !== 0) throw new ExitError(report.exitCode);
          return;
        }
        // Ctrl-C while waiting ends the watch at once (exit 130), not after the next read.
        const stop = interruptSignal();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, interval * 1000);
          stop.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
        if (stop.aborted) return;
      }
    });

  registerWavesReport(waves);

  withTenantOptions(waves.command('users').description('read-only: the not-ready users of the waves with their reason, its evidence and the last sign-in (--all: the ready ones too), and the enforced users failing sign-in health'))
    .option('--rollout <name>', 'only this Rollout')
    .option('--wave <wave>', 'only this wave')
    .option('--reason <reason...>', `only these reasons (repeatable or comma-separated): ${NOT_READY_REASON_LIST}`)
    .option('--all', 'also the ready users, with the evidence that proves them')
    .option('--format <format>', 'text, csv or json (the CSV feeds users … --from-file)', 'text')
    .action(async (opts: TenantCliOptions & { rollout?: string; wave?: string; reason?: string[]; all?: boolean; format: string }) => {
      const format = parseFormat(opts.format, ['text', 'csv', 'json'] as const);
      const wu = await import('../ops/waveUsers.js');
      const reasons = wu.parseReasons(opts.reason);
      const desired = loadDesiredOrExit(opts.config);
      const gw = await openGateway(desired, opts);
      const { rows, signInFailures, preflightFailures } = await wu.readWaveUsers(gw, desired, { rollout: opts.rollout, wave: opts.wave, reasons, all: opts.all === true, includeDisabled: true });
      // The CSV is the not-ready selection (it feeds --from-file); the sign-in failures go to text and JSON.
      process.stdout.write(
        format === 'csv'
          ? wu.renderWaveUsersCsv(rows, reasons.length ? [] : preflightFailures)
          : format === 'json'
            ? wu.renderWaveUsersJson(rows, signInFailures, preflightFailures)
            : wu.renderWaveUsersText(rows) + wu.renderSignInFailuresText(signInFailures) + wu.renderPreflightFailuresText(preflightFailures),
      );
    });

  withTenantOptions(waves.command('rollback').description('take the waves after WAVE (or every wave: --to none) out of the rollout again (with confirmation)'))
    .option('--to <wave>', 'the last wave that stays enforced; "none" takes every wave out')
    .option('--all', 'take every wave out (the same as --to none)')
    .option('--rollout <name>', 'which Rollout (needed when several are declared)')
    .option('--auto-approve', 'do not ask for confirmation (for CI)')
    .action(async (opts: RollbackOptions) => {
      const { checkRollbackRequest, planRollback, rollbackScope, rollbackTarget } = await import('../waves/rollback.js');
      const request = { ...(opts.to !== undefined ? { to: opts.to } : {}), ...(opts.all !== undefined ? { all: opts.all } : {}) };
      checkRollbackRequest(request);
      const desired = loadDesiredOrExit(opts.config);
      const doc = rollbackTarget(desired.rollouts, opts.rollout, opts.config);
      const scope = rollbackScope(doc, request);

      const gw = await openGateway(desired, opts);
      const { rollouts } = await readStatus(gw, desired);
      const observation = rollouts.observations.find((o) => o.name === doc.name)!;
      const { takeOut: later, keep, users } = planRollback(observation, scope);
      const { everything, after } = scope;
      if (later.length === 0) {
        process.stdout.write(everything ? `Nothing to roll back: no wave is widened in rollout ${doc.name}.\n` : `Nothing to roll back: no wave after ${after} is widened in rollout ${doc.name}.\n`);
        return;
      }
      process.stdout.write(`Rollback of ${doc.name} to ${everything ? 'no wave' : after} takes out: ${later.map((w) => `${w.name} (${w.group})`).join(', ')}; about ${users} user(s) stop being enforced.\n`);
      if (!opts.autoApprove) {
        if (!process.stdin.isTTY) throw new UserError('refusing to roll back without confirmation in a non-interactive shell: pass --auto-approve');
        if (!(await confirm('Roll back? Only "yes" is accepted: '))) throw new UserError('rollback cancelled; nothing was written');
      }
      const { rollbackWaves } = await import('../apply/waves.js');
      const results = await rollbackWaves(gw, observation, later, keep);
      for (const r of results) process.stdout.write(`rolled back ${r.rollout}/${r.wave}: ${r.changed} removed, ${r.unchanged} already out${r.failed.length ? `, ${r.failed.length} FAILED` : ''}\n`);
      process.stdout.write(
        `The audit log records the rollback; ${later.map((w) => w.name).join(', ')} stay held until each wave declares resumeAfter (the rollback time) in ${doc.source.file}.\n`,
      );
      const failed = results.flatMap((r) => r.failed);
      if (failed.length) throw new UserError(`${failed.length} member(s) could not be removed; run the rollback again`, { detail: failed.slice(0, 20).map((f) => `${f.memberId}: ${f.error.message}`).join('\n') });
    });
}
