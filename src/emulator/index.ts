/** Local Microsoft Graph tenant emulator: `startEmulator` serves a scenario on 127.0.0.1. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultClockStart, EmulatorClock } from './clock.js';
import { parseFaultSpec } from './faults.js';
import { buildScenario, SCENARIOS, type ScenarioName } from './scenarios.js';
import { EmulatorServer } from './server.js';

export type { ScenarioName } from './scenarios.js';
export { GROUP_NAMES, SCALE_WAVES, SEEDS_USERS, TENANT_ID, DOMAIN } from './scenarios.js';
export { parseFaultSpec } from './faults.js';
export { THROTTLE_LIMITS } from './throttle.js';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  scenario: ScenarioName;
  /** Users for the `scale` scenario (default 10,000; at most 300,000). */
  users?: number;
  /** Added before each API request runs (the request is on its way). */
  latencyMs?: number;
  /**
   * Added after a write ran, before its answer leaves (the answer is on its way back): a client
   * killed meanwhile has a write that ran but whose answer it never read. Reads answer at once.
   */
  answerLatencyMs?: number;
  /** e.g. "429:0.1,503:0.03,504:0.02,reset:0.01" */
  faults?: string;
  seed?: number;
  /** The tenant id (a GUID) served by /organization and put in issued tokens; default TENANT_ID, which policies/ declares. */
  tenantId?: string;
  clockStart?: Date;
  /** The clock moves only when told to (POST /_emulator/clock/advance), not with real time. */
  frozenClock?: boolean;
  /** Token buckets refill this many times faster (and Retry-After shrinks accordingly). */
  timeScale?: number;
  /** false disables throttling. */
  throttle?: boolean;
}

export interface RunningEmulator {
  /** http://127.0.0.1:PORT */
  url: string;
  /** url + '/v1.0' */
  graphBaseUrl: string;
  port: number;
  /** Milliseconds it took to generate the scenario. */
  generationMs: number;
  close(): Promise<void>;
}

export const MAX_SCALE_USERS = 300_000;

/** Throws a RangeError with a clear message for invalid options. */
export function validateEmulatorOptions(o: EmulatorOptions): void {
  if (!SCENARIOS.includes(o.scenario)) throw new RangeError(`unknown scenario "${String(o.scenario)}" (expected ${SCENARIOS.join(', ')})`);
  const int = (name: string, v: number | undefined, min: number, max: number): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) throw new RangeError(`${name} must be an integer between ${min} and ${max}`);
  };
  int('port', o.port, 0, 65535);
  int('users', o.users, 3, MAX_SCALE_USERS);
  int('latencyMs', o.latencyMs, 0, 60_000);
  int('answerLatencyMs', o.answerLatencyMs, 0, 60_000);
  int('seed', o.seed, 0, 0xffffffff);
  if (o.users !== undefined && o.scenario !== 'scale') throw new RangeError('users applies only to the scale scenario');
  if (o.timeScale !== undefined && !(Number.isFinite(o.timeScale) && o.timeScale > 0 && o.timeScale <= 1_000_000)) throw new RangeError('timeScale must be a number above 0 (at most 1000000)');
  if (o.tenantId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(o.tenantId)) throw new RangeError('tenantId must be a lower-case GUID');
  if (o.clockStart !== undefined && Number.isNaN(o.clockStart.getTime())) throw new RangeError('clockStart is not a valid date');
  parseFaultSpec(o.faults);
}

export async function startEmulator(opts: EmulatorOptions): Promise<RunningEmulator> {
  validateEmulatorOptions(opts);
  const seed = opts.seed ?? 42;
  const clock = new EmulatorClock(opts.clockStart ?? defaultClockStart(), opts.frozenClock === true);
  const t0 = performance.now();
  const tenant = buildScenario(opts.scenario, { seed, clock, ...(opts.users !== undefined ? { users: opts.users } : {}), ...(opts.tenantId !== undefined ? { tenantId: opts.tenantId } : {}) });
  const generationMs = performance.now() - t0;
  const emu = new EmulatorServer(tenant, {
    scenario: opts.scenario,
    seed,
    latencyMs: opts.latencyMs ?? 0,
    answerLatencyMs: opts.answerLatencyMs ?? 0,
    faults: opts.faults,
    timeScale: opts.timeScale ?? 1,
    throttle: opts.throttle ?? true,
  });
  const server = createServer((req, res) => {
    emu.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(err));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  emu.origin = url;
  return {
    url,
    graphBaseUrl: `${url}/v1.0`,
    port,
    generationMs,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
