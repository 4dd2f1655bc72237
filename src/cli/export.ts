import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';

interface ExportCliOptions {
  out: string;
  tenantId?: string;
  cloud: string;
  graphUrl?: string;
  force?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write the live methods settings and every CA policy as policy YAML, to adopt an existing tenant')
    .option('--out <dir>', 'folder to write', 'policies')
    .option('--tenant-id <id>', 'tenant id for the Tenant document (default: read from /organization)')
    .option('--cloud <cloud>', 'global, usgov, usgovdod or china', 'global')
    .option('--graph-url <url>', 'Graph endpoint to use (env ENTRA_ROLLOUT_GRAPH_URL; plain http only on loopback)')
    .option('--force', 'overwrite files that already exist in --out')
    .action(async (opts: ExportCliOptions) => {
      if (!['global', 'usgov', 'usgovdod', 'china'].includes(opts.cloud)) throw new UserError(`--cloud must be global, usgov, usgovdod or china; got "${opts.cloud}"`);
      const { connectGraph } = await import('../graph/index.js');
      const { readForExport } = await import('../tenant/export.js');
      const { buildExportFiles, exportDiagnostics } = await import('../render/exportYaml.js');
      const { renderDiagnostics } = await import('../render/diagnostics.js');
      const gw = await connectGraph({ cloud: opts.cloud as 'global', graphUrl: opts.graphUrl, tenantId: opts.tenantId });
      const input = await readForExport(gw, { cloud: opts.cloud, ...(opts.tenantId ? { tenantId: opts.tenantId } : {}) });
      const files = buildExportFiles(input);
      const warnings = exportDiagnostics(input);
      const clashes = files.filter((f) => existsSync(path.join(opts.out, f.name)));
      if (clashes.length > 0 && !opts.force) {
        throw new UserError(`refusing to overwrite ${clashes.map((f) => path.join(opts.out, f.name)).join(', ')}: choose another --out or pass --force`);
      }
      mkdirSync(opts.out, { recursive: true });
      for (const f of files) writeFileSync(path.join(opts.out, f.name), f.text);
      if (warnings.length > 0) process.stderr.write(`${renderDiagnostics(warnings)}\n`);
      process.stdout.write(`Wrote ${files.map((f) => path.join(opts.out, f.name)).join(', ')}.\nNext: declare your emergency-access accounts in tenant.yaml, then run \`entra-rollout validate -c ${opts.out}\` and \`entra-rollout plan -c ${opts.out}\`.\n`);
    });
}
