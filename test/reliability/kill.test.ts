// `apply` killed with SIGKILL at seeded random points (after k writes the emulator has seen, plus a
// random delay inside the next request's latency), then run again as a user would: the tenant
// converges to the state of an uninterrupted run and no write is repeated.
import { cpSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Prng } from '../../src/emulator/prng.js';
import { spawnCli, startTenant, stateDiff, tmp, unclean, writeViolations, type Tenant } from './harness.js';
import { reference, runToCompletion } from './runner.js';
import { SEED, WORKFLOWS, type Workflow, type WorkflowName } from './scenarios.js';

const POINTS = 10;
const KILL_SEED = 2026;
/** Per-request latency: every write is in flight this long, so a kill can land inside one. */
const LATENCY_MS = 30;

let tenant: Tenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

interface KillPoint {
  point: number;
  afterWrites: number;
  delayMs: number;
}

function killPoints(writes: number): KillPoint[] {
  const rng = new Prng(KILL_SEED);
  return Array.from({ length: POINTS }, (_, point) => ({ point, afterWrites: rng.int(writes), delayMs: rng.int(2 * LATENCY_MS) }));
}

const crashWorkflows: WorkflowName[] = (Object.keys(WORKFLOWS) as WorkflowName[]).filter((n) => (WORKFLOWS[n] as Workflow).crash);
let killedRuns = 0;

describe.each(crashWorkflows)('reliability: %s killed with SIGKILL, then run again', (name) => {
  const wf: Workflow = WORKFLOWS[name];
  const crash = wf.crash!;
  // Tenants with one seed are identical, so the steps before the crash run once and their output
  // (the saved plan) serves every point.
  let prepared: Promise<string> | undefined;
  const prepare = () =>
    (prepared ??= (async () => {
      const t = await startTenant({ scenario: wf.scenario, seed: SEED, throttle: false });
      try {
        const dir = tmp();
        const results = await crash.prepare(t, dir);
        if (!results.every((r) => r.code === 0)) throw new Error(results.map((r) => r.stderr).join('\n'));
        return dir;
      } finally {
        await t.close();
      }
    })());

  it.each(killPoints(5))('point $point: killed after $afterWrites write(s) + $delayMs ms', async ({ afterWrites, delayMs }) => {
    const expected = await reference(name, SEED);
    const dir = tmp();
    cpSync(await prepare(), dir, { recursive: true });
    tenant = await startTenant({ scenario: wf.scenario, seed: SEED, throttle: false, latencyMs: LATENCY_MS });

    const before = (await tenant.log()).total;
    const child = spawnCli(crash.args(dir), tenant.env);
    let exited = false;
    void child.done.then(() => (exited = true));
    for (;;) {
      const log = await tenant.log();
      if ((log.total > before && log.writes.length >= afterWrites) || exited) break;
      await sleep(3);
    }
    await sleep(delayMs);
    child.kill();
    const killed = await child.done;
    if (killed.signal === 'SIGKILL') killedRuns++;
    else expect(killed.code, killed.stderr).toBe(0);
    // Answers still in the emulator's latency land after the kill: let them, as Graph would.
    await sleep(LATENCY_MS * 2);

    const ranBefore = (await tenant.log()).writes.filter((w) => w.outcome === 'applied').length;
    const again = await tenant.cli(crash.args(dir));
    if (again.code !== 0) {
      expect(unclean(again)).toBeUndefined();
      expect(ranBefore, 'a re-run of an untouched plan was refused').toBeGreaterThan(0);
      expect(again.stderr).toMatch(crash.refusedAfterPartialWrite);
      expect((await tenant.log()).writes.filter((w) => w.outcome === 'applied').length, 'the refused re-run wrote').toBe(ranBefore);
      const done = await runToCompletion(tenant, name, { from: 'recover', dir });
      expect(done.problems).toEqual([]);
    }
    const log = await tenant.log();
    expect(writeViolations(log.writes)).toEqual([]);
    expect(stateDiff(expected.state, await tenant.comparableState())).toEqual([]);
  }, 120_000);

  it('most points really killed a running apply', () => {
    expect(killedRuns).toBeGreaterThanOrEqual(POINTS - 2);
  });
});
