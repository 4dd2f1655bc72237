import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { ExitError } from '../errors.js';
import type { DoctorIdentity, DoctorLicence, DoctorReport } from '../permissions.js';
import { checkCommandPermissions, doctorVerdict, selectCommands } from '../permissions.js';
import { renderDoctorJson, renderDoctorText } from '../render/doctor.js';
import { parseFormat } from './options.js';

interface DoctorCliOptions {
  config: string;
  graphUrl?: string;
  command?: string;
  format: string;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check the signed-in identity: granted vs needed Graph permissions per command, and the Entra ID P1/P2 licence')
    .option('-c, --config <dir>', 'policy folder (for the cloud, the tenant and whether a Rollout is declared)', 'policies')
    .option('--command <name>', 'check one command (plan, apply, "waves status", export, users issue-tap, …) or a group (waves, users)')
    .option('--graph-url <url>', 'Graph endpoint to use instead of the cloud of the Tenant document (env ENTRA_ROLLOUT_GRAPH_URL; plain http only on loopback)')
    .option('--format <format>', 'text or json', 'text')
    .action(async (opts: DoctorCliOptions) => {
      const format = parseFormat(opts.format, ['text', 'json'] as const);
      const commands = selectCommands(opts.command);
      // The policy folder is optional here: doctor is what you run before anything works.
      const loaded = loadConfig(opts.config);
      const desired = loaded.state;
      if (!desired) process.stderr.write(`warning: could not read the policy folder ${opts.config} (run \`entra-rollout validate -c ${opts.config}\`); assuming the global cloud and a Rollout\n`);
      const { connectGraph, probeEntraPremium, premiumVerdict } = await import('../graph/index.js');
      const gw = await connectGraph({
        cloud: desired?.tenant.spec.cloud,
        graphUrl: opts.graphUrl,
        tenantId: desired?.tenant.spec.tenantId,
      });
      const token = await gw.tokenGrants();
      const identity: DoctorIdentity | { unreadable: string } = 'grants' in token ? token.grants : { unreadable: token.reason };
      const checks = checkCommandPermissions(commands, {
        granted: 'grants' in token ? token.grants.permissions : [],
        delegated: 'grants' in token && token.grants.kind === 'delegated',
        hasRollout: desired ? desired.rollouts.length > 0 : undefined,
      });
      const needed = checks.some((c) => c.premiumNeeded);
      let licence: DoctorLicence = { needed, verdict: 'not checked', probes: [] };
      if (needed) {
        const probes = await probeEntraPremium(gw);
        licence = { needed, verdict: premiumVerdict(probes), probes };
      }
      const partial: Omit<DoctorReport, 'ok'> = {
        identity,
        ...(desired ? { policyTenantId: desired.tenant.spec.tenantId } : {}),
        commands: checks,
        licence,
      };
      const report: DoctorReport = { ...partial, ok: doctorVerdict(partial) };
      process.stdout.write(format === 'json' ? renderDoctorJson(report) : renderDoctorText(report));
      if (!report.ok) throw new ExitError(1);
    });
}
