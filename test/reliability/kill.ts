// The crash test's body, one file per workflow (kill-config, kill-waves, kill-users) so the three
// long runs land on different workers. Each workflow's writing command (`apply`, `apply --only waves`, `users issue-tap`) killed with
// SIGKILL at seeded random points (after k writes have run and 0-2 more requests have arrived, the
// emulator holding every later request until the kill has landed), then run again as a user would (as is, then the workflow's recovery
// if that is refused): the tenant converges to the state of an uninterrupted run and no write is
// repeated.
import { cpSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Prng } from '../../src/emulator/prng.js';
import { ran, spawnCli, startTenant, stateDiff, tmp, unclean, writeViolations, type RequestCounts, type Tenant } from './harness.js';
import { reference, runToCompletion } from './runner.js';
import { SEED, WORKFLOWS, type Workflow, type WorkflowName } from './scenarios.js';

const POINTS = 10;
const KILL_SEED = 2026;
/**
 * Latency: every request runs 10 ms after it is sent, and a write's answer takes 150 ms more to come
 * back, so a kill can land while a write has run but its answer is unread, before the client sends
 * what comes next (a promotion's next `$batch`), even on a loaded machine.
 */
const REQUEST_LATENCY_MS = 10;
const ANSWER_LATENCY_MS = 150;

interface KillPoint {
  point: number;
  /** Killed once this share (per mille) of an uninterrupted run's writes has reached the emulator. */
  permille: number;
  /** …and this many more Graph requests have arrived (0–2); later ones are held until the kill: it lands between, or amid, requests. */
  moreRequests: number;
}

function killPoints(): KillPoint[] {
  const rng = new Prng(KILL_SEED);
  return Array.from({ length: POINTS }, (_, point) => ({ point, permille: rng.int(1000), moreRequests: rng.int(3) }));
}

/** The workflows with a crash step; each has a kill-<name>.test.ts calling killTests (checked in kill-config). */
export const CRASH_WORKFLOWS: WorkflowName[] = (Object.keys(WORKFLOWS) as WorkflowName[]).filter((n) => (WORKFLOWS[n] as Workflow).crash);

/** The crash test of one workflow (the test names are those the single kill.test.ts had). */
export const killTests = (only: WorkflowName) => describe.each([only])('reliability: %s killed with SIGKILL, then run again', (name) => {
  let tenant: Tenant | undefined;
  afterEach(async () => {
    await tenant?.close();
    tenant = undefined;
  });
  const wf: Workflow = WORKFLOWS[name];
  const crash = wf.crash!;
  let killedRuns = 0;
  /** Points where the crash left the work part-done: it had written, and the runs after it wrote more. */
  let partDone = 0;
  // Tenants with one seed are identical, so the steps before the crash run once and their output
  // (the saved plan) serves every point.
  let prepared: Promise<string> | undefined;
  const prepare = () =>
    (prepared ??= (async () => {
      const dir = tmp();
      if (!crash.prepare) return dir;
      const t = await startTenant({ scenario: wf.scenario, seed: SEED, throttle: false });
      try {
        const results = await crash.prepare(t, dir);
        if (!results.every((r) => r.code === 0)) throw new Error(results.map((r) => r.stderr).join('\n'));
        return dir;
      } finally {
        await t.close();
      }
    })());

  it.each(killPoints())('point $point: killed after $permille‰ of the writes + $moreRequests request(s)', async ({ permille, moreRequests }) => {
    const expected = await reference(name, SEED);
    const afterWrites = Math.floor((permille / 1000) * expected.writes);
    const dir = tmp();
    cpSync(await prepare(), dir, { recursive: true });
    tenant = await startTenant({ scenario: wf.scenario, seed: SEED, throttle: false, latencyMs: REQUEST_LATENCY_MS, answerLatencyMs: ANSWER_LATENCY_MS });

    // The emulator holds every request that arrives past the point until the kill has landed: where
    // the kill falls is decided by the requests alone, not by how busy the machine is.
    await tenant.control('POST', '/hold', { afterWrites, moreRequests });
    let seen: RequestCounts | undefined = await tenant.counts();
    const child = spawnCli(crash.args(dir), tenant.env);
    // Each step waits for the emulator's next event (a request arrived, was answered or held), never a timer.
    while (seen && seen.held === 0) seen = await tenant.nextCounts(seen, child.done);
    child.kill();
    const killed = await child.done;
    await tenant.control('POST', '/release');
    if (killed.signal === 'SIGKILL') killedRuns++;
    else expect(killed.code, killed.stderr).toBe(0);
    // Answers still in the emulator's latency land after the kill: let them, as Graph would.
    for (let c: RequestCounts | undefined = await tenant.counts(); c && c.inFlight > 0; c = await tenant.nextCounts(c, new Promise(() => undefined)));

    const atCrash = await tenant.log();
    const ranBefore = atCrash.writes.filter(ran).length;
    const crashedAfter = Math.max(0, ...atCrash.writes.map((w) => w.seq), ...atCrash.gets.map((g) => g.seq));
    const again = await tenant.cli(crash.args(dir));
    if (again.code !== 0) {
      expect(crash.refusedAgain, `running it again failed:\n${again.stderr}`).toBeDefined();
      expect(unclean(again)).toBeUndefined();
      if (crash.refusedAgain!.onlyAfterAWrite) expect(ranBefore, 'a re-run after a crash that wrote nothing was refused').toBeGreaterThan(0);
      expect(again.stderr).toMatch(crash.refusedAgain!.message);
      expect((await tenant.log()).writes.filter(ran).length, 'the refused re-run wrote').toBe(ranBefore);
      const done = await runToCompletion(tenant, name, { from: 'recover', dir });
      expect(done.problems).toEqual([]);
    }
    const log = await tenant.log();
    if (ranBefore > 0 && log.writes.filter(ran).length > ranBefore) partDone++;
    expect(writeViolations(log.writes, { replaces: wf.replaces, gets: log.gets, crashedAfter })).toEqual([]);
    expect(stateDiff(expected.state, await tenant.comparableState())).toEqual([]);
    expect((await wf.check?.(tenant, dir)) ?? []).toEqual([]);
  });

  it('most points really killed a running command, and some left its work part-done', () => {
    expect.soft(killedRuns, `${killedRuns} of ${POINTS} points killed a running command`).toBeGreaterThanOrEqual(POINTS - 2);
    expect(partDone, `no crash interrupted the writes (${partDone} of ${POINTS} left them part-done): the points test only before and after`).toBeGreaterThanOrEqual(2);
  });
});
