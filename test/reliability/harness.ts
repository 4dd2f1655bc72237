// Shared machinery of the reliability suite: a time-scaled emulator, the built CLI as a child
// process (killable), and the checks every scenario makes on the emulator's request log.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import type { WriteRecord } from '../../src/emulator/requestLog.js';
import { CLI, REPO_ROOT, cliEnv, runCli, STACK_TRACE, type CliResult } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

/** Graph's throttles run this many times faster on both sides (emulator and CLI). */
export const TIME_SCALE = 1000;

export interface RequestSummary {
  total: number;
  /** Graph requests received and not yet settled (answered, or their client gone). */
  inFlight: number;
  faults: number;
  injected: Record<string, number>;
  throttled: number;
  statuses: Record<string, number>;
  writes: WriteRecord[];
  gets: Array<{ seq: number; path: string; status: number }>;
}

/** The request log's counters (GET /_emulator/requests/counts): cheap enough to poll. */
export interface RequestCounts {
  total: number;
  /** Write records (`writes.length` of the full log). */
  writes: number;
  inFlight: number;
  /** Requests the emulator's hold point keeps unanswered (POST /_emulator/hold). */
  held: number;
}

export interface Tenant extends TestTenant {
  log(): Promise<RequestSummary>;
  counts(): Promise<RequestCounts>;
  /**
   * The counters once they differ from `last` (the emulator answers at its next request or answer),
   * or undefined once `until` settles first (the client it follows has ended): no timer.
   */
  nextCounts(last: RequestCounts, until: Promise<unknown>): Promise<RequestCounts | undefined>;
  /** Runs the CLI against this tenant (its env first, then `env`). */
  cli(args: string[], env?: NodeJS.ProcessEnv, cwd?: string): Promise<CliResult>;
}

export async function startTenant(options: Partial<EmulatorOptions> = {}): Promise<Tenant> {
  const timeScale = options.timeScale ?? TIME_SCALE;
  const base = await startTestTenant({ timeScale, ...options });
  const tenant: Tenant = Object.assign(base, {
    env: { ...base.env, ENTRA_ROLLOUT_TIME_SCALE: String(timeScale) },
    log: async () => (await base.control('GET', '/requests')) as RequestSummary,
    counts: async () => (await base.control('GET', '/requests/counts')) as RequestCounts,
    nextCounts: async (last: RequestCounts, until: Promise<unknown>) => {
      const abort = new AbortController();
      const poll = fetch(`${base.emulator.url}/_emulator/requests/counts?since=${last.total},${last.inFlight},${last.held}`, { signal: abort.signal }).then(async (r) => (await r.json()) as RequestCounts);
      poll.catch(() => undefined); // aborted below once `until` won
      const ended = until.then(() => undefined);
      try {
        return await Promise.race([poll, ended]);
      } finally {
        abort.abort();
      }
    },
    cli: (args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) =>
      runCli(args, { env: { ...tenant.env, ...env }, ...(cwd ? { cwd } : {}) }),
  });
  return tenant;
}

/** A Temporary Access Pass the emulator handed out; `current`: the user still holds it. */
export interface IssuedPass {
  userPrincipalName: string;
  pass: string;
  current: boolean;
}

/** Every pass the emulator handed out, oldest first (its control API; Graph keeps no such list). */
export async function issuedPasses(t: Pick<TestTenant, 'control'>): Promise<IssuedPass[]> {
  return ((await t.control('GET', '/issued-passes')) as { passes: IssuedPass[] }).passes;
}

export const tmp = (prefix = 'entra-rollout-rel-') => mkdtempSync(path.join(tmpdir(), prefix));

/** The built CLI as a child process that a test can kill at a moment of its choosing. */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = REPO_ROOT,
): {
  pid: number;
  kill: (signal?: NodeJS.Signals) => void;
  stdout: () => string;
  /** The first match of `re` in stdout, as soon as it is there; undefined if the process ends without one. */
  waitForStdout: (re: RegExp) => Promise<RegExpExecArray | undefined>;
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
} {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal, stdout, stderr }));
  });
  const waitForStdout = (re: RegExp) =>
    new Promise<RegExpExecArray | undefined>((resolve) => {
      const check = () => {
        const m = re.exec(stdout);
        if (m) {
          child.stdout.off('data', check);
          resolve(m);
        }
      };
      child.stdout.on('data', check);
      void done.then(() => resolve(re.exec(stdout) ?? undefined));
      check();
    });
  return { pid: child.pid!, kill: (signal = 'SIGKILL') => child.kill(signal), stdout: () => stdout, waitForStdout, done };
}

/**
 * A failed run must fail the way the CLI promises: exit 1, one `error:` line (detail lines may
 * follow), no stack trace. Returns what is wrong, or undefined.
 */
export function unclean(result: CliResult): string | undefined {
  if (result.code !== 1) return `exit ${result.code}, expected 1`;
  if (STACK_TRACE.test(result.stderr)) return `a stack trace:\n${result.stderr}`;
  const errorLines = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
  // One error line; a progress or selection line may come before it (e.g. "selected N user(s) of wave W").
  if (errorLines.length !== 1) return `expected one "error:" line, got:\n${result.stderr}`;
  return undefined;
}

/**
 * A bulk command (`users …`) that did not finish fails the way it promises: exit 1, no stack trace,
 * and either one `error:` line (the run stopped) or a summary whose `failed: N` matches the N
 * `failed …` lines on stderr, each naming the item and why. Returns what is wrong, or undefined.
 */
export function uncleanBulk(result: CliResult): string | undefined {
  if (result.code !== 1) return `exit ${result.code}, expected 1`;
  if (STACK_TRACE.test(result.stderr)) return `a stack trace:\n${result.stderr}`;
  const lines = result.stderr.split('\n');
  const errors = lines.filter((l) => l.startsWith('error: '));
  const failed = lines.filter((l) => /^failed \S+: \S/.test(l));
  if (errors.length === 1 && failed.length === 0) return undefined;
  const reported = Number(/^ {2}failed: (\d+)$/m.exec(result.stdout)?.[1] ?? NaN);
  if (errors.length === 0 && reported > 0 && failed.length === reported) return undefined;
  return `expected one "error:" line, or one "failed USER: why" line per failed item (summary: ${reported}), got:\n${result.stderr}`;
}

/** POSTs that create something each time they run (a CA policy, a TAP, a phone method). */
export function isNonIdempotentPost(w: Pick<WriteRecord, 'method' | 'path'>): boolean {
  if (w.method !== 'POST') return false;
  const p = w.path.toLowerCase();
  return !(p === '/$batch' || p.endsWith('/$ref') || p.endsWith('/revokesigninsessions'));
}

const RAN: ReadonlySet<WriteRecord['outcome']> = new Set(['applied', 'lost', 'damaged']);
/** The write ran in the tenant (whether or not its answer reached the client). */
export const ran = (w: Pick<WriteRecord, 'outcome'>): boolean => RAN.has(w.outcome);
/** Answers after which a client may safely send the same request again: nothing ran. */
const SAFE_TO_RESEND = new Set([401, 429]);

/**
 * The write-safety rules, checked on the emulator's request log (every run of a scenario together):
 * - a write answered with success (an answer the client lived to read) is never sent again (same
 *   method, path and body);
 * - a non-idempotent POST runs at most once, except one that matches `replaces`: a creation whose
 *   answer never arrived (a Temporary Access Pass whose code was lost) may be made once more per
 *   lost answer, to replace what nobody can use, and only after the client read that collection
 *   (it looked, found the creation, and said so; it did not re-send blindly);
 * - a non-idempotent POST is never re-sent by the client's own retry (same client-request-id)
 *   unless Graph's answer proved it had not run (401, 429).
 * `gets` (the log's GETs, numbered with the writes) is needed for `replaces`. `crashedAfter`: the
 * client was killed once the log had reached this `seq`, so the answers to writes up to it may never
 * have been processed even where Graph sent them.
 */
export function writeViolations(
  writes: readonly WriteRecord[],
  options: { replaces?: RegExp | undefined; gets?: ReadonlyArray<{ seq: number; path: string; status: number }>; crashedAfter?: number } = {},
): string[] {
  const out: string[] = [];
  const key = (w: WriteRecord) => `${w.method} ${w.path} body:${w.bodySha256 ?? '-'}`;
  const answered = new Map<string, number>();
  const runs = new Map<string, number>();
  /** Runs whose answer the client never got (lost or mangled) and that no repeat has used yet, per key. */
  const unanswered = new Map<string, WriteRecord[]>();
  const lookedBetween = (path: string, after: number, before: number) => (options.gets ?? []).some((g) => g.path === path && g.status === 200 && g.seq > after && g.seq < before);
  for (const w of writes) {
    if (w.path === '/$batch') continue;
    const reachedClient = w.outcome === 'applied' && w.seq > (options.crashedAfter ?? 0);
    if (reachedClient && w.status >= 200 && w.status < 300) answered.set(key(w), (answered.get(key(w)) ?? 0) + 1);
    if (!isNonIdempotentPost(w) || !RAN.has(w.outcome)) continue;
    const n = (runs.get(key(w)) ?? 0) + 1;
    runs.set(key(w), n);
    const lost = unanswered.get(key(w)) ?? [];
    if (n > 1) {
      const licence = options.replaces?.test(w.path) ? lost.findIndex((l) => lookedBetween(w.path, l.seq, w.seq)) : -1;
      if (licence >= 0) lost.splice(licence, 1);
      else out.push(`${key(w)} (not idempotent) ran ${n} times${lost.length ? `, again after a lost answer without reading ${w.path} first` : ''}`);
    }
    if (!reachedClient) unanswered.set(key(w), [...lost, w]);
  }
  for (const [k, n] of answered) if (n > 1) out.push(`${k} succeeded ${n} times`);
  const attempts = new Map<string, WriteRecord[]>();
  for (const w of writes) {
    if (!isNonIdempotentPost(w) || w.clientRequestId === undefined) continue;
    const k = `${w.clientRequestId} ${key(w)}`;
    attempts.set(k, [...(attempts.get(k) ?? []), w]);
  }
  for (const list of attempts.values()) {
    for (const w of list.slice(0, -1)) {
      if (!SAFE_TO_RESEND.has(w.status)) out.push(`${key(w)} was re-sent blindly after ${w.status === 0 ? 'a dropped connection' : w.status} (client-request-id ${w.clientRequestId})`);
    }
  }
  return out;
}

/** Where two comparable states differ, as JSON paths with both values (short), for a readable failure. */
export function stateDiff(expected: string, actual: string, limit = 8): string[] {
  const out: string[] = [];
  const show = (v: unknown) => {
    const s = JSON.stringify(v);
    return s === undefined ? 'absent' : s.length > 120 ? `${s.slice(0, 117)}...` : s;
  };
  const walk = (a: unknown, b: unknown, at: string): void => {
    if (out.length >= limit) return;
    if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
      const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
      for (const k of keys) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}/${k}`);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${at || '/'}: expected ${show(a)}, got ${show(b)}`);
  };
  walk(JSON.parse(expected), JSON.parse(actual), '');
  return out;
}
