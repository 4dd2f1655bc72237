/**
 * The bulk engine behind every `users` command. Tasks come from a streaming source; each task is a
 * small state machine (a TaskRunner) that asks for one Graph request at a time. The engine packs the
 * next requests of many tasks into `$batch` envelopes of 20, sends them through the gateway (its rate
 * limiter included), re-queues throttled and failed-but-safe items into later envelopes alongside
 * fresh work (a retry costs a slot, not an envelope), paces writes under Graph's write budget, and
 * journals every write before it goes out so a killed run can resume without repeating writes.
 *
 * Retries follow the one policy of src/graph/retryPolicy.ts; time comes from one clock (the
 * gateway's, or `options.clock`); the run stops, resumable, at the command's deadline.
 */
import type { Clock, GraphRequestError } from '../graph/index.js';
import { AttemptCount, DEFAULT_RETRY, RateLimiter, classifyOutcome, describeDuration, retryDelay } from '../graph/index.js';
import { UserError } from '../errors.js';
import type { BulkTask, EngineOptions, EngineResult, Final, OpRequest, Step, TaskRecord } from './engineTypes.js';

export type { BulkTask, EngineOptions, EngineResult, Final, ItemOutcome, OpRequest, Progress, Step, TaskRecord, TaskRunner } from './engineTypes.js';

export const ENVELOPE_SIZE = 20;

interface Queued {
  task: BulkTask;
  req: OpRequest;
  count: AttemptCount;
  notBefore: number;
}

function idempotent(req: OpRequest): boolean {
  return req.method !== 'POST' || req.idempotent === true;
}

function isFinal(step: Step): step is Final {
  return !('request' in step);
}

/** A wake-up signal for the workers: resolves the current waiters and makes a new one. */
class Signal {
  private waiters: Array<() => void> = [];
  constructor(private readonly clock: Clock) {}
  /** Until the next fire(), or `timeoutMs` on the clock, whichever comes first. */
  wait(timeoutMs: number): Promise<void> {
    const woken = new AbortController();
    this.waiters.push(() => woken.abort());
    return this.clock.sleep(Math.max(1, timeoutMs), woken.signal);
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
  const clock = options.clock ?? gw.time;
  const scale = gw.timeScale;
  const budget = options.writeBudget ?? { limit: 3000, windowMs: 150_000 };
  // Graph's write budget, paced by the same limiter the gateway uses for its classes (one class here).
  const writes = new RateLimiter({ limits: { directory: { limit: budget.limit, intervalMs: budget.windowMs, concurrency: Number.MAX_SAFE_INTEGER } }, timeScale: 1 / scale, clock });
  const retryOptions = { ...DEFAULT_RETRY, maxAttempts };

  const records: TaskRecord[] = [];
  const counts = { done: 0, skipped: 0, failed: 0 };
  const started = clock.now();
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
  const signal = new Signal(clock);
  // At the deadline the run stops as on a signal (no new envelope, no new task) and says so, rather
  // than sending every remaining item to fail one by one on the gateway's deadline error.
  let deadlineHit = false;
  const pastDeadline = () => {
    if (!deadlineHit && gw.deadlineRemainingMs() <= 0) {
      deadlineHit = true;
      signal.fire();
    }
    return deadlineHit;
  };
  const stopped = () => options.signal?.aborted === true || pastDeadline();
  options.signal?.addEventListener('abort', () => signal.fire(), { once: true });

  const progress = () => options.onProgress?.({ processed: records.length, ...counts, total: options.total, elapsedMs: clock.now() - started });

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
      queues.get(step.request.beta ? 'beta' : 'v1.0')!.push({ task, req: step.request, count: new AttemptCount(), notBefore: 0 });
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
    if (n > 0) (await writes.acquire('directory', n))();
  };

  /** Up to 20 ready requests of one version, or undefined when nothing should be sent yet. */
  const takeEnvelope = (): { version: 'v1.0' | 'beta'; items: Queued[] } | { waitMs: number } | undefined => {
    const now = clock.now();
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
    // Cut off by the deadline: left unfinished (a resume settles it), not reported as failed.
    if (res.error?.kind === 'deadline') {
      deadlineHit = true;
      return;
    }
    q.count.record(res.status);
    // The gateway marks what retrying cannot fix (a Retry-After beyond the budget, an unsafe id): `final`.
    const verdict = classifyOutcome({ status: res.status, idempotent: idempotent(q.req), final: res.error?.final, transport: res.error?.kind === 'refused' ? 'notSent' : undefined });
    if (verdict === 'retry' && q.count.allowsAnother(res.status, maxAttempts)) {
      const wait = retryDelay({ attempt: q.count.attempts, retryAfterMs: res.error?.retryAfterMs, options: retryOptions, random, waitScale: 1 / scale, leftMs: gw.deadlineRemainingMs() });
      if (!('giveUp' in wait)) {
        q.notBefore = clock.now() + wait.waitMs;
        stats.retries++;
        queues.get(q.req.beta ? 'beta' : 'v1.0')!.push(q);
        return;
      }
    }
    await advance(q.task, q.task.runner!.onResult({ status: res.status, ok: res.ok, body: res.body, error: res.error, unknown: verdict === 'outcomeUnknown' }));
  };

  const worker = async () => {
    for (;;) {
      if (fatal || stopped()) return;
      const next = takeEnvelope();
      if (next === undefined || 'waitMs' in next) {
        if (inputDone && active === 0 && waiting.size === 0 && queued() === 0) return;
        // Never past the deadline: a wait for a retry's turn ends there (and the run with it).
        await signal.wait(Math.min(next ? next.waitMs : 200, Math.max(1, gw.deadlineRemainingMs())));
        continue;
      }
      const items = next.items;
      const writeItems = items.filter((q) => q.req.write);
      await takeTokens(writeItems.length);
      if (stopped()) {
        // The signal (or the deadline) came while pacing: this envelope never leaves; its tasks stay unfinished.
        return;
      }
      if (journal && writeItems.length > 0) {
        const at = gw.serverNow().toISOString();
        await journal.appendDurable(writeItems.map((q) => ({ t: 'intent', k: q.task.key, m: q.req.method, u: q.req.url, at })));
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
      // The whole envelope refused for want of permission: every later one would be too.
      const denied = results.find((r) => r.error?.wholeBatch && (r.error.kind === 'forbidden' || r.error.kind === 'unauthorized'));
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
  const unfinished = active + [...waiting.values()].reduce((n, l) => n + l.length, 0);
  if (!stopped()) return { records, requests: stats };
  const { totalMs, setting } = gw.deadlineSetting;
  const byDeadline = deadlineHit && options.signal?.aborted !== true;
  return {
    records,
    requests: stats,
    interrupted: { unfinished, ...(byDeadline ? { by: 'deadline' as const, detail: `the command's deadline of ${describeDuration(totalMs)}${setting ? ` (${setting})` : ''}` } : {}) },
  };
}
