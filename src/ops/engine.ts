/**
 * The bulk engine behind every `users` command. Tasks come from a streaming source; each task is a
 * small state machine (a TaskRunner) that asks for one Graph request at a time. The engine packs the
 * next requests of many tasks into `$batch` envelopes of 20, sends them through the gateway (its rate
 * limiter included), re-queues throttled and failed-but-safe items into later envelopes alongside
 * fresh work (a retry costs a slot, not an envelope), paces writes under Graph's write budget, and
 * journals every write before it goes out so a killed run can resume without repeating writes.
 */
import type { GraphGateway, GraphRequestError, HttpMethod } from '../graph/index.js';
import { THROTTLED_ATTEMPTS_FACTOR } from '../graph/middleware.js';
import { UserError } from '../errors.js';
import type { IntentEntry, Journal, TaskResult } from './journal.js';

export const ENVELOPE_SIZE = 20;

export interface OpRequest {
  method: HttpMethod;
  /** Relative to the version root. */
  url: string;
  body?: unknown;
  beta?: boolean;
  /** A change to the tenant: journalled before it is sent, paced, and counted. */
  write: boolean;
  /** A POST that may be repeated safely (revokeSignInSessions). Other methods are idempotent anyway. */
  idempotent?: boolean;
}

export interface Final {
  result: Exclude<TaskResult, 'unknown'> | 'unknown';
  detail: string;
  requestId?: string | undefined;
  status?: number | undefined;
}

export type Step = { request: OpRequest } | Final;

export interface ItemOutcome {
  status: number;
  ok: boolean;
  body: unknown;
  error?: GraphRequestError | undefined;
  /** A write that met a 5xx, reset or timeout: it may or may not have been applied. */
  unknown: boolean;
}

export interface TaskRunner {
  /** The first step. `pending`: a write an earlier run journalled without learning its outcome. */
  start(pending?: IntentEntry): Step | Promise<Step>;
  onResult(outcome: ItemOutcome): Step | Promise<Step>;
}

export interface BulkTask {
  /** Dedupe and journal key. */
  key: string;
  /** The user as given. */
  label: string;
  /** 1-based line of the input it came from. */
  line?: number;
  /** Same key and same fingerprint is a plain duplicate; a different one is a conflict. */
  fingerprint?: string;
  /** A bad input row: reported with its line and skipped. */
  invalid?: string;
  /** Start only after the task with this key has ended, if the input has one (alternateMobile after mobile). */
  after?: string;
  runner?: TaskRunner;
}

export interface TaskRecord {
  key: string;
  label: string;
  line?: number;
  result: TaskResult;
  detail: string;
  invalid?: boolean;
  /** Settled by an earlier run of the same journal. */
  earlier?: boolean;
  requestId?: string;
  status?: number;
}

export interface Progress {
  processed: number;
  done: number;
  skipped: number;
  failed: number;
  total?: number | undefined;
  elapsedMs: number;
}

export interface EngineOptions {
  gateway: GraphGateway;
  journal?: Journal | undefined;
  /** Envelopes in flight at once (default 4). */
  concurrency?: number;
  /** Graph's write budget: writes per window (default 3,000 per 150 s per app per tenant), divided by the gateway's time scale. */
  writeBudget?: { limit: number; windowMs: number };
  /**
   * Attempts per request before its last answer is handed to the task (default 8); throttled (429)
   * attempts, which never ran, may be THROTTLED_ATTEMPTS_FACTOR times as many.
   */
  maxAttempts?: number;
  total?: number;
  onProgress?: (p: Progress) => void;
  /** Tasks read ahead of the ones being sent (memory bound for huge inputs). */
  readAhead?: number;
  random?: () => number;
  /**
   * Aborted by SIGINT/SIGTERM: no new envelope is sent and no new task starts; the envelopes in
   * flight finish and their tasks move on as far as they can without another request.
   */
  signal?: AbortSignal | undefined;
}

export interface EngineResult {
  records: TaskRecord[];
  requests: { envelopes: number; items: number; retries: number; http: number };
  /** Set when the run stopped on `signal`: tasks started and not ended (a resume settles them by reading first). */
  interrupted?: { unfinished: number };
}

interface Queued {
  task: BulkTask;
  req: OpRequest;
  attempts: number;
  /** The part of `attempts` answered 429. */
  throttled: number;
  notBefore: number;
}

const RETRYABLE_5XX = new Set([0, 500, 502, 503, 504]);

function idempotent(req: OpRequest): boolean {
  return req.method !== 'POST' || req.idempotent === true;
}

function isFinal(step: Step): step is Final {
  return !('request' in step);
}

/** A wake-up signal for the workers: resolves the current waiters and makes a new one. */
class Signal {
  private waiters: Array<() => void> = [];
  wait(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
      if (timeoutMs !== undefined) timer = setTimeout(done, Math.max(1, timeoutMs));
    });
  }
  fire(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export async function runBulk(source: AsyncIterable<BulkTask>, options: EngineOptions): Promise<EngineResult> {
  const gw = options.gateway;
  const journal = options.journal;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const maxAttempts = options.maxAttempts ?? 8;
  const readAhead = options.readAhead ?? concurrency * ENVELOPE_SIZE * 4;
  const random = options.random ?? Math.random;
  const scale = gw.timeScale;
  const budget = options.writeBudget ?? { limit: 3000, windowMs: 150_000 };
  const refillPerMs = budget.limit / (budget.windowMs / scale);
  let tokens = budget.limit;
  let tokensAt = Date.now();

  const records: TaskRecord[] = [];
  const counts = { done: 0, skipped: 0, failed: 0 };
  const started = Date.now();
  const stats = { envelopes: 0, items: 0, retries: 0, http: 0 };
  const httpBefore = gw.stats().totalRequests;
  const queues = new Map<'v1.0' | 'beta', Queued[]>([
    ['v1.0', []],
    ['beta', []],
  ]);
  const firstLine = new Map<string, { line: number | undefined; fingerprint: string | undefined }>();
  const ended = new Set<string>();
  const waiting = new Map<string, BulkTask[]>();
  let active = 0; // tasks started and not yet ended
  let inputDone = false;
  let fatal: unknown;
  const signal = new Signal();
  const stopped = () => options.signal?.aborted === true;
  options.signal?.addEventListener('abort', () => signal.fire(), { once: true });

  const progress = () => options.onProgress?.({ processed: records.length, ...counts, total: options.total, elapsedMs: Date.now() - started });

  const record = (task: BulkTask, r: Omit<TaskRecord, 'key' | 'label' | 'line'>) => {
    const rec: TaskRecord = { key: task.key, label: task.label, ...(task.line !== undefined ? { line: task.line } : {}), ...r };
    records.push(rec);
    if (r.result === 'done') counts.done++;
    else if (r.result === 'skipped') counts.skipped++;
    else counts.failed++;
    progress();
  };

  const release = (key: string) => {
    ended.add(key);
    const list = waiting.get(key);
    if (list) {
      waiting.delete(key);
      for (const t of list) void begin(t);
    }
  };

  const finish = (task: BulkTask, f: Final) => {
    active--;
    journal?.append([{ t: 'end', k: task.key, r: f.result, d: f.detail }], false);
    record(task, { result: f.result, detail: f.detail, ...(f.requestId ? { requestId: f.requestId } : {}), ...(f.status ? { status: f.status } : {}) });
    release(task.key);
    signal.fire();
  };

  const advance = async (task: BulkTask, stepOrPromise: Step | Promise<Step>): Promise<void> => {
    let step: Step;
    try {
      step = await stepOrPromise;
    } catch (err) {
      if (!(err instanceof UserError)) {
        fatal ??= err;
        signal.fire();
        return;
      }
      step = { result: 'failed', detail: err.message };
    }
    if (isFinal(step)) finish(task, step);
    else {
      queues.get(step.request.beta ? 'beta' : 'v1.0')!.push({ task, req: step.request, attempts: 0, throttled: 0, notBefore: 0 });
      signal.fire();
    }
  };

  const begin = async (task: BulkTask): Promise<void> => {
    const prior = journal?.prior.get(task.key);
    if (prior?.end && (prior.end.r === 'done' || prior.end.r === 'skipped')) {
      record(task, { result: prior.end.r, detail: prior.end.d ?? '', earlier: true });
      release(task.key);
      return;
    }
    if (stopped()) return;
    active++;
    await advance(task, task.runner!.start(prior?.pending));
  };

  const admit = (task: BulkTask) => {
    const first = firstLine.get(task.key);
    if (first) {
      const where = first.line !== undefined ? `line ${first.line}` : 'an earlier entry';
      if (first.fingerprint === task.fingerprint) record(task, { result: 'skipped', detail: `duplicate of ${where}` });
      else record(task, { result: 'skipped', detail: `conflicts with ${where}; not applied`, invalid: true });
      return;
    }
    if (task.invalid !== undefined || !task.runner) {
      record(task, { result: 'skipped', detail: task.invalid ?? 'nothing to do', invalid: true });
      return;
    }
    firstLine.set(task.key, { line: task.line, fingerprint: task.fingerprint });
    if (task.after !== undefined && !ended.has(task.after) && firstLine.has(task.after)) {
      const list = waiting.get(task.after) ?? [];
      list.push(task);
      waiting.set(task.after, list);
      return;
    }
    // Held until the input ends, in case the task it follows comes later.
    if (task.after !== undefined && !firstLine.has(task.after)) {
      const list = waiting.get(task.after) ?? [];
      list.push(task);
      waiting.set(task.after, list);
      return;
    }
    void begin(task);
  };

  const queued = () => queues.get('v1.0')!.length + queues.get('beta')!.length;

  const pump = async () => {
    try {
      for await (const task of source) {
        if (fatal || stopped()) break;
        admit(task);
        while (!fatal && !stopped() && queued() + 0 >= readAhead) await signal.wait(50);
      }
    } catch (err) {
      fatal ??= err;
    }
    inputDone = true;
    // Tasks held for a dependency the input never had, or one that already ended.
    for (const [key, list] of [...waiting]) {
      if (!firstLine.has(key) || ended.has(key)) {
        waiting.delete(key);
        for (const t of list) void begin(t);
      }
    }
    signal.fire();
  };

  const takeTokens = async (n: number) => {
    if (n === 0) return;
    for (;;) {
      const now = Date.now();
      tokens = Math.min(budget.limit, tokens + (now - tokensAt) * refillPerMs);
      tokensAt = now;
      if (tokens >= n) {
        tokens -= n;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil((n - tokens) / refillPerMs)));
    }
  };

  /** Up to 20 ready requests of one version, or undefined when nothing should be sent yet. */
  const takeEnvelope = (): { version: 'v1.0' | 'beta'; items: Queued[] } | { waitMs: number } | undefined => {
    const now = Date.now();
    let soonest = Infinity;
    for (const version of ['v1.0', 'beta'] as const) {
      const q = queues.get(version)!;
      const ready: number[] = [];
      for (let i = 0; i < q.length && ready.length < ENVELOPE_SIZE; i++) {
        if (q[i]!.notBefore <= now) ready.push(i);
        else soonest = Math.min(soonest, q[i]!.notBefore);
      }
      // A partly filled envelope goes only when no more work can join it soon.
      const moreComing = !inputDone && queued() < readAhead;
      if (ready.length === ENVELOPE_SIZE || (ready.length > 0 && !moreComing)) {
        const items = ready.map((i) => q[i]!);
        const taken = new Set(ready);
        queues.set(version, q.filter((_, i) => !taken.has(i)));
        return { version, items };
      }
      if (ready.length > 0) soonest = Math.min(soonest, now + 20);
    }
    return soonest === Infinity ? undefined : { waitMs: soonest - now };
  };

  const handle = async (q: Queued, res: { status: number; ok: boolean; body: unknown; error?: GraphRequestError | undefined }) => {
    if (res.status === 429) q.throttled++;
    // The gateway marks what retrying cannot fix (a Retry-After beyond the budget, an unsafe id): fail it now.
    const retryable =
      !res.error?.final &&
      (res.status === 429 ? q.throttled < maxAttempts * THROTTLED_ATTEMPTS_FACTOR : RETRYABLE_5XX.has(res.status) && idempotent(q.req) && q.attempts - q.throttled < maxAttempts);
    if (!res.ok && retryable) {
      const backoff = (random() * Math.min(30_000, 1000 * 2 ** (q.attempts - 1))) / scale;
      q.notBefore = Date.now() + (res.error?.retryAfterMs ?? backoff);
      stats.retries++;
      queues.get(q.req.beta ? 'beta' : 'v1.0')!.push(q);
      return;
    }
    const unknown = !res.ok && !idempotent(q.req) && (res.status === 0 || res.status >= 500);
    await advance(q.task, q.task.runner!.onResult({ status: res.status, ok: res.ok, body: res.body, error: res.error, unknown }));
  };

  const worker = async () => {
    for (;;) {
      if (fatal || stopped()) return;
      const next = takeEnvelope();
      if (next === undefined || 'waitMs' in next) {
        if (inputDone && active === 0 && waiting.size === 0 && queued() === 0) return;
        await signal.wait(next ? next.waitMs : 200);
        continue;
      }
      const items = next.items;
      for (const q of items) q.attempts++;
      const writes = items.filter((q) => q.req.write);
      await takeTokens(writes.length);
      if (stopped()) return; // the signal came while pacing: this envelope never leaves
      if (journal && writes.length > 0) {
        const at = gw.serverNow().toISOString();
        await journal.appendDurable(writes.map((q) => ({ t: 'intent', k: q.task.key, m: q.req.method, u: q.req.url, at })));
      }
      stats.envelopes++;
      stats.items += items.length;
      const results = await gw.batch(
        items.map((q) => ({
          method: q.req.method,
          url: q.req.url,
          ...(q.req.body !== undefined ? { body: q.req.body } : {}),
          ...(q.req.idempotent ? { idempotent: true } : {}),
        })),
        { beta: next.version === 'beta', concurrency: 1, retryItems: false },
      );
      const denied = results.find((r) => !r.ok && (r.status === 401 || r.status === 403) && /the \$batch request failed/.test(r.error?.message ?? ''));
      if (denied) {
        fatal ??= new UserError(`stopped: ${denied.error!.message}`);
        signal.fire();
        return;
      }
      for (let i = 0; i < items.length; i++) await handle(items[i]!, results[i]!);
      signal.fire();
    }
  };

  const pumping = pump();
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  await pumping;
  journal?.append([], true);
  if (fatal) throw fatal;
  stats.http = gw.stats().totalRequests - httpBefore;
  return { records, requests: stats, ...(stopped() ? { interrupted: { unfinished: active + [...waiting.values()].reduce((n, l) => n + l.length, 0) } } : {}) };
}
