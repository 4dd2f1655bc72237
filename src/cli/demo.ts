// `entra-rollout demo`: the whole job against the embedded emulator, no tenant or account needed.
import type { Command } from 'commander';
import { ExitError } from '../errors.js';
import { failWithDiagnostics, loadDesiredOrExit } from './common.js';
import { shouldUseColor } from '../render/ansi.js';
import { renderPlan } from './plan.js';
import { statusReport } from './waves.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start the tenant emulator (demo scenario) and plan policies/ against it: no Azure account needed')
    .option('-c, --config <dir>', 'policy folder', 'policies')
    .action(async (opts: { config: string }) => {
      const desired = loadDesiredOrExit(opts.config);
      const { startEmulator } = await import('../emulator/index.js');
      const { connectGraph } = await import('../graph/index.js');
      const { planAgainstTenant } = await import('../tenant/planAgainstTenant.js');
      // Graph's throttles (about 5 report reads per 10 s) scaled 10x on both sides so the demo takes seconds.
      const timeScale = 10;
      const emulator = await startEmulator({ scenario: 'demo', port: 0, timeScale });
      try {
        process.stderr.write(`Tenant emulator (demo scenario, throttles ${timeScale}x faster) listening on ${emulator.url}\n\n`);
        const gw = await connectGraph({ graphUrl: emulator.graphBaseUrl, token: 'demo-token', timeScale });
        const result = await planAgainstTenant(gw, desired, new Date());
        if (!result.plan) failWithDiagnostics(result.diagnostics);
        process.stdout.write(renderPlan(result.plan, 'text'));
        if (result.rollouts) {
          const { renderWavesStatusText, WAVES_STATUS_FORMAT_VERSION } = await import('../render/wavesStatus.js');
          const report = statusReport(desired, result.plan, result.rollouts.now, WAVES_STATUS_FORMAT_VERSION, result.rollouts.readiness.unavailable);
          process.stdout.write(`\nWaves status (what \`entra-rollout waves status\` shows):\n\n${renderWavesStatusText(report, { color: shouldUseColor(process.stdout) })}`);
        }
        const s = gw.stats();
        process.stderr.write(`\n${s.totalRequests} Graph request(s) to the emulator. Try: npx entra-rollout emulator --port 8080, then plan --graph-url http://127.0.0.1:8080/v1.0\n`);
        if (result.plan.diagnostics.some((d) => d.severity === 'error')) throw new ExitError(1);
      } finally {
        await emulator.close();
      }
    });
}
