// Fault injection across plan and apply, wave promotion and bulk operations: whatever Graph (or the
// network) does, the tenant ends up exactly as after a fault-free run, no write is repeated, and
// the workflow's own check holds (the pass file). One row per fault in scenarios.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { isNonIdempotentPost, startTenant, stateDiff, writeViolations, type Tenant } from './harness.js';
import { reference, runToCompletion } from './runner.js';
import { FAULT_SCENARIOS, SEED, WORKFLOWS, type Workflow } from './scenarios.js';

let tenant: Tenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

describe('reliability: injected faults', () => {
  it.each(FAULT_SCENARIOS)('$name ($workflow): same final state as without faults, no write repeated', async (row) => {
    const seed = row.seed ?? SEED;
    const expected = await reference(row.workflow, seed);
    tenant = await startTenant({ scenario: WORKFLOWS[row.workflow].scenario, seed, faults: row.faults, throttle: row.emulator?.throttle ?? false, ...(row.emulator?.latencyMs !== undefined ? { latencyMs: row.emulator.latencyMs } : {}), ...(row.emulator?.timeScale !== undefined ? { timeScale: row.emulator.timeScale } : {}) });
    Object.assign(tenant.env, row.cliEnv ?? {});
    const done = await runToCompletion(tenant, row.workflow, { maxRecoveries: row.recoveries ?? 3 });
    expect(done.problems).toEqual([]);
    const log = await tenant.log();
    const struck = log.writes.filter((w) => (row.mustHitWrite === 'throttled' ? w.outcome === 'throttled' : w.fault === row.mustHitWrite));
    expect(struck.length, `no ${row.mustHitWrite} fault struck a write: change the spec or seed`).toBeGreaterThan(0);
    if (row.mustHitPost) expect(struck.filter((w) => isNonIdempotentPost(w)).length, `no ${row.mustHitWrite} fault struck a POST: change the spec or seed`).toBeGreaterThan(0);
    expect(writeViolations(log.writes, { replaces: (WORKFLOWS[row.workflow] as Workflow).replaces, gets: log.gets })).toEqual([]);
    expect(stateDiff(expected.state, await tenant.comparableState())).toEqual([]);
    expect((await (WORKFLOWS[row.workflow] as Workflow).check?.(tenant, done.dir)) ?? []).toEqual([]);
  });
});
