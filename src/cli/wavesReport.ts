// `entra-rollout waves report --out FILE.html`: the rollout as one self-contained HTML page (charts,
// gates, the frontier wave's not-ready users) from the same reads and report as `waves status`.
import type { Command } from 'commander';
import type { DesiredState } from '../config/types.js';
import { hasErrors } from '../diagnostics.js';
import { UserError } from '../errors.js';
import type { GraphGateway } from '../graph/index.js';
import type { RolloutReportData } from '../render/rolloutReportData.js';
import { endProgress, failWithDiagnostics, loadDesiredOrExit, openGateway, progressReporter, withTenantOptions, type TenantCliOptions } from './common.js';

interface ReportOptions extends TenantCliOptions {
  out: string;
  rollout?: string;
}

export interface WavesReportOptions {
  /** Only this Rollout (by metadata.name). */
  rollout?: string;
  /** How many not-ready users of the frontier wave the page lists (default LISTED_USERS). */
  listed?: number;
  progress?: (message: string) => void;
}

/** The desired state narrowed to one Rollout, or a one-line error naming the known ones. */
export function selectRollout(desired: DesiredState, name: string | undefined, configDir: string): DesiredState {
  if (desired.rollouts.length === 0) throw new UserError(`no Rollout is declared in ${configDir}`);
  if (name === undefined) return desired;
  const picked = desired.rollouts.filter((r) => r.name === name);
  if (picked.length === 0) throw new UserError(`no Rollout named "${name}" (known: ${desired.rollouts.map((r) => r.name).join(', ')})`);
  return { ...desired, rollouts: picked };
}

/**
 * Display names and UPNs of the listed users, 20 per `$batch` (`GET /users/{id}`): the readiness
 * reads keep ids only. A user that cannot be read keeps its id; the page still says why it is listed.
 */
async function nameUsers(gw: GraphGateway, data: RolloutReportData): Promise<void> {
  const { BATCH_LIMIT, userPath } = await import('../graph/index.js');
  const users = data.rollouts.flatMap((r) => r.frontier?.users ?? []);
  for (let i = 0; i < users.length; i += BATCH_LIMIT) {
    const chunk = users.slice(i, i + BATCH_LIMIT);
    const results = await gw.batch<{ displayName?: string | null; userPrincipalName?: string | null }>(chunk.map((u) => ({ method: 'GET' as const, url: userPath(u.id, ['id', 'displayName', 'userPrincipalName']) })));
    for (const r of results) {
      const u = chunk[r.index];
      if (!u || !r.ok || !r.body) continue;
      if (r.body.displayName) u.displayName = r.body.displayName;
      if (r.body.userPrincipalName) u.userPrincipalName = r.body.userPrincipalName;
    }
  }
}

/** Reads the tenant like `waves status` and renders the page; the CLI writes it, tests look inside. */
export async function buildWavesReport(gw: GraphGateway, desired: DesiredState, options: WavesReportOptions = {}): Promise<{ html: string; data: RolloutReportData }> {
  const { planAgainstTenant } = await import('../tenant/planAgainstTenant.js');
  const { WAVES_STATUS_FORMAT_VERSION } = await import('../render/wavesStatus.js');
  const { statusReport } = await import('./waves.js');
  const { rolloutReportData } = await import('../render/rolloutReportData.js');
  const { renderRolloutReport } = await import('../render/rolloutReport.js');
  const result = await planAgainstTenant(gw, desired, new Date(), options.progress ? { progress: options.progress } : {});
  if (!result.plan || !result.rollouts) failWithDiagnostics(result.diagnostics);
  const errors = result.plan.diagnostics.filter((d) => d.severity === 'error');
  if (hasErrors(errors)) failWithDiagnostics(errors);
  const status = statusReport(desired, result.plan, result.rollouts.now, WAVES_STATUS_FORMAT_VERSION, result.rollouts.readiness.unavailable);
  const data = rolloutReportData(status, result.rollouts, options.listed);
  await nameUsers(gw, data);
  return { html: renderRolloutReport(data), data };
}

export function registerWavesReport(waves: Command): void {
  withTenantOptions(waves.command('report').description('one self-contained HTML page per tenant: timeline, readiness, registrations and ETA, sign-in health, gates, not-ready users'))
    .requiredOption('--out <file>', 'the HTML file to write')
    .option('--rollout <name>', 'only this Rollout (default: every declared Rollout)')
    .action(async (opts: ReportOptions) => {
      const { writeFileSync } = await import('node:fs');
      const desired = selectRollout(loadDesiredOrExit(opts.config), opts.rollout, opts.config);
      const gw = await openGateway(desired, opts);
      const progress = progressReporter();
      const { html, data } = await buildWavesReport(gw, desired, progress ? { progress } : {});
      endProgress();
      try {
        writeFileSync(opts.out, html);
      } catch (err) {
        throw new UserError(`cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const kb = Math.ceil(Buffer.byteLength(html) / 1024);
      process.stdout.write(`wrote ${opts.out} (${kb} KB, ${data.rollouts.length} rollout(s))${data.problems.length ? `; ${data.problems.length} problem(s) need attention` : ''}\n`);
    });
}
