// The reliability suite's tables. A new command gets its reliability coverage by adding one
// workflow (what a user runs, and what they run again after a failure) and rows that use it.
import path from 'node:path';
import type { CliResult } from '../helpers/cli.js';
import type { Tenant } from './harness.js';

export interface Workflow {
  name: string;
  /** Emulator scenario the workflow runs against. */
  scenario: 'demo' | 'seeds';
  /** What a user runs first; every step must succeed for the run to count as a success. */
  run(t: Tenant, dir: string): Promise<CliResult[]>;
  /** What a user runs after a failure or a crash, until it succeeds. */
  recover(t: Tenant, dir: string): Promise<CliResult[]>;
  /** The step that writes, for the crash test: killed with SIGKILL part-way, then run again as is. */
  crash?: {
    /** Steps before it (made once per tenant). */
    prepare(t: Tenant, dir: string): Promise<CliResult[]>;
    args(dir: string): string[];
    /** Running it again after a crash that already wrote something must be refused like this, writing nothing. */
    refusedAfterPartialWrite: RegExp;
  };
}

/** Runs steps in order, stopping at the first that fails. */
async function steps(...commands: Array<() => Promise<CliResult>>): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (const command of commands) {
    const r = await command();
    results.push(r);
    if (r.code !== 0) break;
  }
  return results;
}

export const WORKFLOWS = {
  /**
   * Methods settings and CA policies (`--only config`: the plan's wave promotion is a workflow of its
   * own): review a saved plan, apply exactly that; after a failure, apply a fresh plan.
   */
  config: {
    name: 'plan --out, apply PLANFILE (recover: apply --auto-approve)',
    scenario: 'demo',
    run: (t, dir) =>
      steps(
        () => t.cli(['plan', '--out', path.join(dir, 'plan.json')]),
        () => t.cli(['apply', path.join(dir, 'plan.json'), '--only', 'config']),
      ),
    recover: (t) => steps(() => t.cli(['apply', '--auto-approve', '--only', 'config'])),
    crash: {
      prepare: (t, dir) => steps(() => t.cli(['plan', '--out', path.join(dir, 'plan.json')])),
      args: (dir) => ['apply', path.join(dir, 'plan.json'), '--only', 'config'],
      refusedAfterPartialWrite: /^error: plan is stale: /,
    },
  },
  // Wave promotion (`apply --only waves` after gates pass) and bulk user operations (`users issue-tap`
  // with a journal, resumed by re-running) are added here once they land, with rows below.
} satisfies Record<string, Workflow>;

export type WorkflowName = keyof typeof WORKFLOWS;

export const SEED = 7;

export interface FaultScenario {
  name: string;
  workflow: WorkflowName;
  /** The emulator's --faults spec, applied to every run of the workflow. */
  faults: string;
  /** Emulator seed (tenant data and fault draws); default SEED. Each distinct seed costs one fault-free reference run. */
  seed?: number;
  /** This fault kind (or `throttled`: the emulator's own throttle) must have struck a write at least once, else the row tests nothing. */
  mustHitWrite: string;
  /** It must also have struck a non-idempotent POST (where a blind retry would do harm). */
  mustHitPost?: boolean;
  /** Extra emulator options (latency for slow answers, Graph's real throttle). */
  emulator?: { latencyMs?: number; throttle?: boolean; timeScale?: number };
  /**
   * Re-runs allowed before the workflow must have succeeded (default 3). 0 where every fault of the
   * row is one the CLI must ride out by itself (throttling, lost or slow answers).
   */
  recoveries?: number;
  /** Overrides of the CLI's environment (a CLI time scale above the emulator's makes it outrun Graph's throttle). */
  cliEnv?: Record<string, string>;
  /** What keeps the workflow correct under this fault; removing it must make the row fail. */
  protection: string;
}

export const FAULT_SCENARIOS: FaultScenario[] = [
  {
    name: '429 with Retry-After',
    workflow: 'config',
    faults: '429:0.2,429:0.4@write',
    recoveries: 0,
    mustHitWrite: '429',
    protection: 'RetryMiddleware retries a 429 (POST included: Graph rejected it before running it) after Retry-After',
  },
  {
    name: '429 without Retry-After (CA throttle)',
    workflow: 'config',
    faults: '429noretry:0.2,429noretry:0.4@write',
    recoveries: 0,
    mustHitWrite: '429noretry',
    protection: 'RetryMiddleware backs off on its own (exponential, full jitter) when a 429 has no Retry-After',
  },
  {
    name: '503 service unavailable',
    workflow: 'config',
    faults: '503:0.2,503:0.4@PATCH,503:0.6@POST',
    mustHitWrite: '503',
    mustHitPost: true,
    protection: 'GETs and PATCHes are retried; a 503 on the CA create is not re-sent but looked up, and a re-run converges',
  },
  {
    name: '504 gateway timeout',
    workflow: 'config',
    faults: '504:0.2,504:0.4@PATCH,504:0.6@POST',
    mustHitWrite: '504',
    mustHitPost: true,
    protection: 'as 503: idempotent requests retried, the create never re-sent blindly',
  },
  {
    name: 'connection reset before the request runs',
    workflow: 'config',
    faults: 'reset:0.15,reset:0.4@PATCH,reset:0.7@POST',
    mustHitWrite: 'reset',
    mustHitPost: true,
    protection: 'a reset GET/PATCH is retried; a reset POST has outcomeUnknown and is looked up by displayName',
  },
  {
    name: 'response lost after the write ran',
    workflow: 'config',
    faults: 'lost:0.1@GET,lost:1@POST,lost:0.4@PATCH',
    recoveries: 0,
    mustHitWrite: 'lost',
    protection: 'createPolicy looks the policy up by displayName after an unknown outcome instead of POSTing again',
  },
  {
    name: 'slow responses',
    workflow: 'config',
    faults: 'slow:0.3:150,slow:0.6:300@write',
    recoveries: 0,
    mustHitWrite: 'slow',
    emulator: { latencyMs: 5 },
    protection: 'writes wait for their answers in order; nothing is re-sent while an answer is slow',
  },
  {
    // The CLI believes Graph is twice as fast as it is (another app shares the tenant's budget): its
    // Conditional Access requests come 100 ms apart where the emulator refills one every 200 ms.
    name: "Graph's own throttle (the client's limiter twice too fast)",
    workflow: 'config',
    faults: 'none',
    mustHitWrite: 'throttled',
    emulator: { throttle: true, timeScale: 5 },
    cliEnv: { ENTRA_ROLLOUT_TIME_SCALE: '10' },
    recoveries: 0,
    protection: 'RetryMiddleware on real throttle answers: Retry-After for directory writes, none for Conditional Access',
  },
  {
    name: 'every fault kind at once',
    workflow: 'config',
    faults: '429:0.08,429noretry:0.05,503:0.05,504:0.05,reset:0.04,lost:0.04,slow:0.05:100,503:0.15@write',
    mustHitWrite: '503',
    protection: 'all of the above together',
  },
];
