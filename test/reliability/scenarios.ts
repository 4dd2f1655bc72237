// The reliability suite's tables. A new command gets its reliability coverage by adding one
// workflow (what a user runs, and what they run again after a failure) and rows that use it.
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CliResult } from '../helpers/cli.js';
import { issuedPasses, uncleanBulk, type Tenant } from './harness.js';

export interface Workflow {
  name: string;
  /** Emulator scenario the workflow runs against. */
  scenario: 'demo' | 'seeds';
  /** What a user runs first; every step must succeed for the run to count as a success. */
  run(t: Tenant, dir: string): Promise<CliResult[]>;
  /** What a user runs after a failure or a crash, until it succeeds. */
  recover(t: Tenant, dir: string): Promise<CliResult[]>;
  /** How a failed step must look (default `unclean`: exit 1 and one `error:` line). */
  failure?: (result: CliResult) => string | undefined;
  /** What must hold for the user besides the tenant's state once the workflow succeeded (problems, or none). */
  check?(t: Tenant, dir: string): Promise<string[]>;
  /** Creations the workflow makes again on purpose after their answer was lost (see writeViolations). */
  replaces?: RegExp;
  /** The step that writes, for the crash test: killed with SIGKILL part-way, then run again as is. */
  crash?: {
    /** Steps before it, made once on a tenant of the same seed; the folder they wrote is copied for every kill point. */
    prepare?(t: Tenant, dir: string): Promise<CliResult[]>;
    args(dir: string): string[];
    /**
     * Running it again as is after the crash may be refused like this, writing nothing (and then the
     * workflow's recovery must finish the work); without it, running it again must succeed.
     * `onlyAfterAWrite`: the refusal is right only when the crashed run had already written something.
     */
    refusedAgain?: { message: RegExp; onlyAfterAWrite: boolean };
  };
}

const WAVES_APPLY = ['apply', '-c', 'test/fixtures/reliability/waves', '--only', 'waves', '--auto-approve'];
const tapArgs = (dir: string) => ['users', 'issue-tap', '--wave', 'early', '--not-ready', '--out', path.join(dir, 'passes.csv'), '--lifetime', '120'];

/**
 * The pass file is what the helpdesk hands out: it must hold each user once, with the code of the
 * pass the user holds now (not one that a later creation replaced), for every user given a pass.
 */
async function passFileHoldsTheLivePasses(t: Tenant, dir: string): Promise<string[]> {
  const file = path.join(dir, 'passes.csv');
  const live = new Map((await issuedPasses(t)).filter((p) => p.current).map((p) => [p.userPrincipalName.toLowerCase(), p.pass]));
  const problems: string[] = [];
  if ((statSync(file).mode & 0o777) !== 0o600) problems.push(`${file} has mode ${(statSync(file).mode & 0o777).toString(8)}`);
  const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const seen = new Set<string>();
  for (const [upn = '', pass] of rows) {
    const key = upn.toLowerCase();
    if (seen.has(key)) problems.push(`${upn} is in the pass file twice`);
    seen.add(key);
    if (live.get(key) !== pass) problems.push(`${upn}: the pass file's code is not the pass the user holds`);
  }
  for (const upn of live.keys()) if (!seen.has(upn)) problems.push(`${upn} holds a pass whose code is not in the pass file`);
  if (rows.length === 0) problems.push('the pass file is empty');
  return problems;
}

/**
 * `--resume` as a user runs it after a crash: a SIGKILLed run leaves its journal's lock behind, the
 * resume refuses naming the stale lock and the step that clears it, and the user takes that step.
 */
async function resumeClearingStaleLock(t: Tenant, args: string[]): Promise<CliResult> {
  const first = await t.cli(args);
  const clear = /^error: journal .* has a stale lock: .* clear the lock with `rm (.+)` and run again$/m.exec(first.stderr);
  if (!clear) return first;
  rmSync(clear[1]!);
  return t.cli(args);
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
      refusedAgain: { message: /^error: plan is stale: /, onlyAfterAWrite: true },
    },
  },
  /**
   * Wave promotion as the scheduled job runs it: `apply --only waves --auto-approve`, again after a
   * failure. The members strategy on a 2,000-user wave: 100 PATCHes of 20 users in five `$batch`
   * requests; a partly written wave is finished by the next run (what is in place is left alone).
   */
  waves: {
    name: 'apply --only waves --auto-approve (members strategy, 2,000 users)',
    scenario: 'demo',
    run: (t) => steps(() => t.cli(WAVES_APPLY)),
    recover: (t) => steps(() => t.cli(WAVES_APPLY)),
    crash: { args: () => WAVES_APPLY },
  },
  /**
   * Helpdesk bulk work during a rollout: a Temporary Access Pass for each of the 51 users of the
   * `early` wave who are not ready (seven `$batch` requests with the user look-ups, four at once),
   * journalled; after a failure or a crash, `--resume` the journal. A pass whose code was lost (the
   * creation ran, its answer did not arrive) is reported as failed and replaced by the resumed run.
   */
  users: {
    name: 'users issue-tap --wave early --not-ready --journal (recover: --resume)',
    scenario: 'demo',
    run: (t, dir) => steps(() => t.cli([...tapArgs(dir), '--journal', path.join(dir, 'tap.journal')])),
    recover: (t, dir) => steps(() => resumeClearingStaleLock(t, [...tapArgs(dir), '--resume', path.join(dir, 'tap.journal')])),
    failure: uncleanBulk,
    check: passFileHoldsTheLivePasses,
    replaces: /\/authentication\/temporaryAccessPassMethods$/,
    crash: {
      args: (dir) => [...tapArgs(dir), '--journal', path.join(dir, 'tap.journal')],
      // The journal (and the pass file) exist from the start: the same command again refuses to overwrite them.
      refusedAgain: { message: /^error: (journal .* already exists: resume it with --resume|.*passes\.csv already exists: refusing to overwrite)/m, onlyAfterAWrite: false },
    },
  },
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
    // Each recovery's create meets a 60 % fault rate (after its name check): a run may need several.
    recoveries: 8,
    mustHitWrite: '503',
    mustHitPost: true,
    protection: 'GETs and PATCHes are retried; a 503 on the CA create is not re-sent but looked up, and a re-run converges',
  },
  {
    name: '504 gateway timeout',
    workflow: 'config',
    faults: '504:0.2,504:0.4@PATCH,504:0.6@POST',
    // Each recovery's create meets a 60 % fault rate (after its name check): a run may need several.
    recoveries: 8,
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
  {
    name: 'throttling, 503 and 504 on member writes',
    workflow: 'waves',
    faults: '429:0.1,429noretry:0.1@write,503:0.08@write,504:0.05@write',
    recoveries: 0,
    mustHitWrite: '503',
    protection: 'gw.batch re-sends the items that failed with 429/503/504 (PATCHes of members: safe to repeat) and keeps the rest',
  },
  {
    name: 'member writes that ran but whose answer was lost',
    workflow: 'waves',
    faults: 'lost:0.15@write',
    recoveries: 0,
    mustHitWrite: 'lost',
    protection:
      'a PATCH of members is re-sent after a lost answer; as its members already joined it fails as a whole (400), and addMembersBulk adds those users one by one, counting "already a member" as done',
  },
  {
    name: 'connection resets during a promotion',
    workflow: 'waves',
    faults: 'reset:0.1,reset:0.2@write',
    // No re-run: fault draws are keyed on request content (src/emulator/faults.ts), so this row is the
    // same run every time (it once failed when four concurrent envelopes shared one random sequence).
    recoveries: 0,
    mustHitWrite: 'reset',
    protection: 'a reset $batch of member PATCHes is re-sent (its items are idempotent)',
  },
  {
    name: 'every fault kind at once, during a promotion',
    workflow: 'waves',
    faults: '429:0.08,429noretry:0.05,503:0.05,504:0.05,reset:0.04,lost:0.1,slow:0.05:100,503:0.15@write',
    mustHitWrite: 'lost',
    protection: 'all of the above together',
  },
  {
    name: '429 (with and without Retry-After) on pass creations',
    workflow: 'users',
    faults: '429:0.1,429:0.25@POST,429noretry:0.15@POST',
    recoveries: 0,
    mustHitWrite: '429',
    mustHitPost: true,
    protection: 'a 429 proves the creation did not run: it is re-sent after the wait',
  },
  {
    // A 504 may come after the creation ran (`lost` answers 504 inside a $batch) or before.
    name: '503 and 504 on pass creations, some after the creation ran',
    workflow: 'users',
    faults: '503:0.08@POST,504:0.08@POST,lost:0.04@POST',
    recoveries: 8,
    mustHitWrite: '504',
    mustHitPost: true,
    protection:
      "a creation answered 5xx may have run: it is settled by reading the user's passes before any new attempt, never re-sent blindly (a second POST would replace a pass silently); the resume finishes what is left",
  },
  {
    name: 'pass creations that ran but whose answer (and code) was lost',
    workflow: 'users',
    faults: 'lost:0.08@POST',
    // Every run (resumes included) loses answers at this rate (an envelope's loss loses 20): it can take a few to replace them all.
    recoveries: 8,
    mustHitWrite: 'lost',
    mustHitPost: true,
    protection: 'the read after a lost answer finds the pass: the user is reported as failed (code never received) and --resume replaces that pass, once',
  },
  {
    name: 'every fault kind at once, issuing passes',
    workflow: 'users',
    // Lower rates than the other rows: the 51 creations and every resume meet all of them.
    faults: '429:0.05,429noretry:0.03,503:0.03,504:0.03,reset:0.02,lost:0.02,slow:0.03:100,lost:0.02@POST,503:0.05@POST',
    recoveries: 8,
    mustHitWrite: 'lost',
    mustHitPost: true,
    protection: 'all of the above together, with the journal and --resume',
  },
];
