// Runs a workflow to completion the way a user would, and remembers fault-free reference results.
import type { EmulatorOptions } from '../../src/emulator/index.js';
import { canonicalJson } from '../../src/util/canonicalJson.js';
import type { CliResult } from '../helpers/cli.js';
import { startTenant, tmp, unclean, type Tenant } from './harness.js';
import { WORKFLOWS, type Workflow, type WorkflowName } from './scenarios.js';

export interface Reference {
  /** comparableState() after a fault-free run. */
  state: string;
  /** Writes the fault-free run made. */
  writes: number;
}

const references = new Map<string, Promise<Reference>>();

/**
 * The fault-free result of a workflow on a fresh tenant with this seed and these emulator options,
 * computed once per worker: test files that share a worker (vitest.config.ts) share the result, so
 * the key holds everything the run depends on (a Date would serialise as {}, hence the ISO string).
 */
export function reference(name: WorkflowName, seed: number, options: Partial<EmulatorOptions> = {}): Promise<Reference> {
  const key = referenceKey(name, seed, options);
  let ref = references.get(key);
  if (!ref) {
    ref = (async () => {
      const wf: Workflow = WORKFLOWS[name];
      const t = await startTenant({ scenario: wf.scenario, seed, throttle: false, ...options });
      try {
        const results = await wf.run(t, tmp());
        const failed = results.find((r) => r.code !== 0);
        if (failed) throw new Error(`the fault-free ${name} workflow failed:\n${failed.stderr}`);
        return { state: await t.comparableState(), writes: (await t.log()).writes.length };
      } finally {
        await t.close();
      }
    })();
    references.set(key, ref);
  }
  return ref;
}

export function referenceKey(name: WorkflowName, seed: number, options: Partial<EmulatorOptions>): string {
  return canonicalJson({ name, seed, options: { ...options, clockStart: options.clockStart?.toISOString() } });
}

export interface Completion {
  /** Every CLI result, in order, first run and recoveries. */
  results: CliResult[];
  /** Problems: a failure that was not a clean one-line error, or no success within the allowed recoveries. */
  problems: string[];
  recoveries: number;
  /** The folder the workflow ran in (its files: plan, journal, pass file). */
  dir: string;
}

/**
 * First run (or, with `from: 'recover'`, straight to recovering, as after a crash), then recoveries
 * until one succeeds (at most `maxRecoveries`).
 */
export async function runToCompletion(t: Tenant, name: WorkflowName, options: { maxRecoveries?: number; dir?: string; from?: 'run' | 'recover' } = {}): Promise<Completion> {
  const wf: Workflow = WORKFLOWS[name];
  const { maxRecoveries = 3, dir = tmp() } = options;
  const results: CliResult[] = [];
  const problems: string[] = [];
  let recoveries = options.from === 'recover' ? 1 : 0;
  let batch = options.from === 'recover' ? await wf.recover(t, dir) : await wf.run(t, dir);
  for (;;) {
    results.push(...batch);
    for (const r of batch) {
      if (r.code === 0) continue;
      const why = (wf.failure ?? unclean)(r);
      if (why) problems.push(why);
    }
    if (batch.every((r) => r.code === 0)) break;
    if (recoveries >= maxRecoveries) {
      problems.push(`still failing after ${recoveries} recoveries:\n${batch.at(-1)!.stderr}`);
      break;
    }
    recoveries++;
    batch = await wf.recover(t, dir);
  }
  return { results, problems, recoveries, dir };
}
