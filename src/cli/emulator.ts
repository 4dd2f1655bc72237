// `entra-rollout emulator`: serve a local Graph tenant until SIGINT/SIGTERM. The emulator module is
// imported inside the action so other commands start fast.
import type { Command } from 'commander';
import { UserError } from '../errors.js';

interface EmulatorCliOptions {
  port: string;
  scenario: string;
  users?: string;
  latencyMs?: string;
  faults?: string;
  seed?: string;
  tenantId?: string;
  clock?: string;
  timeScale?: string;
  throttle: boolean;
}

function intOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new UserError(`--${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new UserError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function registerEmulator(program: Command): void {
  program
    .command('emulator')
    .description('run a local Microsoft Graph tenant emulator on 127.0.0.1 (for demos, tests and benchmarks)')
    .option('--port <n>', 'port to listen on (0 = any free port)', '0')
    .option('--scenario <name>', 'tenant to serve: demo | seeds | scale | coverage', 'demo')
    .option('--users <n>', 'number of users for the scale scenario (up to 300000)')
    .option('--latency-ms <n>', 'added latency per API request, in milliseconds')
    .option('--faults <spec>', 'fault injection, e.g. 429:0.1,503:0.03,504:0.02,reset:0.01 (also 429noretry, html502, html200, lost, truncated, novalue, slow:P:MS, redirect, 429huge, hugebody:P:MB, endless, stall, escape, dotid; scope a rule with @METHOD, ~PATH and #N strikes)')
    .option('--seed <n>', 'seed for generated data and faults (default 42)')
    .option('--tenant-id <guid>', 'tenant id the emulator serves (default the one policies/ declares)')
    .option('--clock <iso>', 'emulator clock start, ISO 8601 (default: now)')
    .option('--time-scale <n>', 'throttle buckets refill this many times faster')
    .option('--no-throttle', 'disable throttling')
    .action(async (o: EmulatorCliOptions) => {
      const scenario = o.scenario;
      if (scenario !== 'demo' && scenario !== 'seeds' && scenario !== 'scale' && scenario !== 'coverage') throw new UserError(`unknown --scenario "${scenario}" (expected demo, seeds, scale or coverage)`);
      const port = intOption('port', o.port, 0, 65535) ?? 0;
      const users = intOption('users', o.users, 3, 300_000);
      if (users !== undefined && scenario !== 'scale') throw new UserError('--users applies only to --scenario scale');
      const latencyMs = intOption('latency-ms', o.latencyMs, 0, 60_000);
      const seed = intOption('seed', o.seed, 0, 0xffffffff);
      let clockStart: Date | undefined;
      if (o.clock !== undefined) {
        clockStart = new Date(o.clock);
        if (Number.isNaN(clockStart.getTime())) throw new UserError(`--clock must be an ISO 8601 date-time, got "${o.clock}"`);
      }
      let timeScale: number | undefined;
      if (o.timeScale !== undefined) {
        timeScale = Number(o.timeScale);
        if (!(Number.isFinite(timeScale) && timeScale > 0)) throw new UserError(`--time-scale must be a positive number, got "${o.timeScale}"`);
      }
      const { startEmulator, parseFaultSpec } = await import('../emulator/index.js');
      try {
        parseFaultSpec(o.faults);
      } catch (e) {
        throw new UserError(`--faults: ${(e as Error).message}`);
      }
      let emu;
      try {
        emu = await startEmulator({
          scenario,
          port,
          throttle: o.throttle,
          ...(users !== undefined && { users }),
          ...(latencyMs !== undefined && { latencyMs }),
          ...(o.faults !== undefined && { faults: o.faults }),
          ...(seed !== undefined && { seed }),
          ...(o.tenantId !== undefined && { tenantId: o.tenantId.toLowerCase() }),
          ...(clockStart !== undefined && { clockStart }),
          ...(timeScale !== undefined && { timeScale }),
        });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'EADDRINUSE') throw new UserError(`port ${port} is already in use`);
        if (e instanceof RangeError) throw new UserError(e.message);
        throw e;
      }
      process.stdout.write(`listening on ${emu.url}\n`);
      process.stdout.write(`graph base url: ${emu.graphBaseUrl} (scenario ${scenario}, generated in ${Math.round(emu.generationMs)} ms; any bearer token)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await emu.close();
    });
}
