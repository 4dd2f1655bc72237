import { GraphRequestError, parseGraphErrorBody } from './graphError.js';
import type { GraphStats } from './middleware.js';
import type { Clock, RateLimiter, ThrottleClass } from './rateLimiter.js';
import { CLASS_SEVERITY, classifyPath, requestCost } from './rateLimiter.js';
import { unsafePathReason } from './odata.js';
import { parseRetryAfter } from './retryAfter.js';
import type { RetryOptions } from './retryPolicy.js';
import { AttemptCount, classifyOutcome, retryAfterNote, retryDelay } from './retryPolicy.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Graph accepts at most 20 requests per `$batch`. */
export const BATCH_LIMIT = 20;

export interface BatchItem {
  method: HttpMethod;
  /** Relative to the version root, query allowed: `/users/{id}?$select=id`. */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Only meaningful for POST (other methods are idempotent). Decides whether a 5xx item is retried. */
  idempotent?: boolean;
}

export interface BatchItemResult<T = unknown> {
  /** Position of the item in the input. */
  index: number;
  /** HTTP status of the item; 0 when Graph sent no response for it. */
  status: number;
  ok: boolean;
  body: T | undefined;
  headers: Record<string, string>;
  error?: GraphRequestError;
}

interface WireResponse {
  id?: unknown;
  status?: unknown;
  headers?: unknown;
  body?: unknown;
}

export interface BatchContext {
  /** POST one `$batch` envelope; returns the parsed envelope body. */
  send(envelope: { requests: unknown[] }, throttleClass: ThrottleClass, cost: number, idempotent: boolean): Promise<unknown>;
  clock: Clock;
  random: () => number;
  timeScale: number;
  retry: RetryOptions;
  limiter: RateLimiter;
  stats: GraphStats;
  /** What is left of the command's deadline (ms); Infinity or absent: none. */
  deadlineRemainingMs?: () => number;
}

function isIdempotent(item: BatchItem): boolean {
  return item.method !== 'POST' || item.idempotent === true;
}

function lowerHeaders(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k.toLowerCase()] = String(v);
  }
  return out;
}

function normaliseUrl(url: string): string {
  return url.startsWith('/') ? url : `/${url}`;
}

function itemError(item: BatchItem, status: number, body: unknown, headers: Record<string, string>, outcomeUnknown: boolean, now: number, note?: string): GraphRequestError {
  const parsed = body && typeof body === 'object' ? parseGraphErrorBody(JSON.stringify(body), 'application/json') : typeof body === 'string' ? parseGraphErrorBody(body, headers['content-type'] ?? null) : {};
  return new GraphRequestError({
    method: item.method,
    path: normaliseUrl(item.url),
    status,
    code: parsed.code,
    graphMessage: parsed.message,
    reason: status === 0 ? 'no response for this item in the $batch reply' : parsed.message ? undefined : 'malformed' in parsed ? parsed.malformed : undefined,
    requestId: parsed.requestId ?? headers['request-id'] ?? headers['client-request-id'],
    outcomeUnknown,
    retryAfterMs: parseRetryAfter(headers['retry-after'], now),
    note,
    final: note !== undefined,
  });
}

function envelopeError(item: BatchItem, err: unknown): GraphRequestError {
  const e = err instanceof GraphRequestError ? err : undefined;
  const status = e?.status ?? 0;
  // A definite rejection of the envelope (4xx) executed nothing; a 5xx, reset or timeout may have.
  const maybeRan = e ? e.outcomeUnknown || status === 0 || status >= 500 : true;
  const what = e ? (e.graphMessage ?? e.reason ?? 'no error message') : String((err as Error)?.message ?? err);
  return new GraphRequestError({
    method: item.method,
    path: normaliseUrl(item.url),
    status,
    code: e?.code,
    requestId: e?.requestId,
    reason: `the $batch request failed: ${what}`,
    outcomeUnknown: maybeRan && !isIdempotent(item),
    final: e?.final,
    // The envelope's kind, unless it is the envelope's own "outcome unknown" (an idempotent item is not).
    kind: e && e.kind !== 'outcomeUnknown' ? e.kind : undefined,
    wholeBatch: true,
    cause: err,
  });
}

function strictestClass(items: BatchItem[]): { cls: ThrottleClass; cost: number } {
  let cls: ThrottleClass = 'directory';
  for (const item of items) {
    const c = classifyPath(item.url);
    if (CLASS_SEVERITY[c] > CLASS_SEVERITY[cls]) cls = c;
  }
  // Graph evaluates $batch items one by one against its limits: the envelope costs what its items
  // of that class cost (resource units in the directory class; one each elsewhere).
  const cost = items.filter((i) => classifyPath(i.url) === cls).reduce((n, i) => n + requestCost(i.method, i.url), 0);
  return { cls, cost };
}

/**
 * Send any number of requests as `$batch` envelopes of 20, match the replies by id, retry the
 * throttled items (and 5xx items of idempotent requests) after the longest item Retry-After, and
 * return one result per input item, in input order. Never throws: a failed envelope becomes an
 * error on each of its items (outcomeUnknown for non-idempotent ones when it may have run).
 */
export async function executeBatch<T = unknown>(
  ctx: BatchContext,
  items: readonly BatchItem[],
  options: { concurrency?: number; onProgress?: (done: number, total: number) => void; retryItems?: boolean } = {},
): Promise<BatchItemResult<T>[]> {
  // retryItems: false hands throttled and failed items straight back (with their Retry-After) to a
  // caller that re-packs them with fresh work, so a retry does not cost an envelope of its own.
  const retryItems = options.retryItems !== false;
  const results: BatchItemResult<T>[] = new Array(items.length);
  const deadlineLeft = ctx.deadlineRemainingMs ?? (() => Number.POSITIVE_INFINITY);
  const budgetMs = ctx.retry.maxTotalWaitMs * ctx.timeScale;
  let done = 0;
  // An item whose URL carries an unsafe id (`..` read from a listing) is refused on its own, unsent.
  const sendable: number[] = [];
  items.forEach((item, i) => {
    const why = unsafePathReason(normaliseUrl(item.url));
    if (why === undefined) return void sendable.push(i);
    results[i] = {
      index: i,
      status: 0,
      ok: false,
      body: undefined,
      headers: {},
      error: new GraphRequestError({ method: item.method, path: normaliseUrl(item.url), status: 0, reason: `refused before sending: ${why}`, final: true, kind: 'refused' }),
    };
    done++;
  });
  const chunks: number[][] = [];
  for (let i = 0; i < sendable.length; i += BATCH_LIMIT) chunks.push(sendable.slice(i, i + BATCH_LIMIT));
  const runChunk = async (indices: number[]): Promise<void> => {
    let remaining = indices;
    let waited = 0;
    // Per item: throttled answers get more turns than 503s (retryPolicy.ts), as for whole requests.
    const counts = new Map(indices.map((i) => [i, new AttemptCount()]));
    for (let attempt = 1; remaining.length > 0; attempt++) {
      const subset = remaining.map((i) => items[i]!);
      const { cls, cost } = strictestClass(subset);
      const envelope = {
        requests: remaining.map((i) => {
          const item = items[i]!;
          const headers: Record<string, string> = { ...(item.headers ?? {}) };
          if (item.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
            headers['Content-Type'] = 'application/json';
          }
          return {
            id: String(i),
            method: item.method,
            url: normaliseUrl(item.url),
            ...(Object.keys(headers).length > 0 ? { headers } : {}),
            ...(item.body !== undefined ? { body: item.body } : {}),
          };
        }),
      };
      ctx.stats.batchRequests++;
      ctx.stats.batchItems += remaining.length;
      let reply: { responses?: unknown } | undefined;
      try {
        reply = (await ctx.send(envelope, cls, cost, subset.every(isIdempotent))) as { responses?: unknown } | undefined;
      } catch (err) {
        // The envelope itself failed (after the gateway's own retries). Turn it into item errors
        // rather than throwing, so results already obtained by other envelopes (clear-text TAPs)
        // are never lost.
        for (const i of remaining) {
          results[i] = { index: i, status: 0, ok: false, body: undefined, headers: {}, error: envelopeError(items[i]!, err) };
          done++;
        }
        options.onProgress?.(done, items.length);
        return;
      }
      const byId = new Map<string, WireResponse>();
      if (reply && Array.isArray(reply.responses)) {
        for (const r of reply.responses as WireResponse[]) byId.set(String(r.id), r);
      }
      const retry: number[] = [];
      let longest: number | undefined;
      let throttled = false;
      for (const i of remaining) {
        const item = items[i]!;
        const r = byId.get(String(i));
        const status = typeof r?.status === 'number' ? r.status : 0;
        const headers = lowerHeaders(r?.headers);
        const count = counts.get(i)!;
        count.record(status);
        // An item the reply does not answer is a malformed reply, not a transient failure: not re-sent
        // here (a caller with retryItems: false, the bulk engine, decides for itself).
        const verdict = classifyOutcome({ status, idempotent: isIdempotent(item), final: r === undefined });
        const ra = verdict === 'retry' ? parseRetryAfter(headers['retry-after'], ctx.clock.now()) : undefined;
        const left = Math.min(budgetMs - waited, deadlineLeft());
        // A Retry-After longer than the item may still wait fails the item now; it never pauses the class.
        const hopeless = ra !== undefined && ra > left;
        if (verdict === 'retry' && retryItems && count.allowsAnother(status, ctx.retry.maxAttempts) && !hopeless) {
          if (status === 429) {
            throttled = true;
            ctx.stats.throttled++;
            ctx.stats.throttledByClass[classifyPath(item.url)]++;
          }
          if (ra !== undefined) longest = Math.max(longest ?? 0, ra);
          retry.push(i);
          continue;
        }
        if (status === 429 && (!retryItems || hopeless)) {
          ctx.stats.throttled++;
          ctx.stats.throttledByClass[classifyPath(item.url)]++;
          if (ra !== undefined && !hopeless) ctx.limiter.pause(cls, ra);
        }
        const ok = status >= 200 && status < 300;
        // A 5xx on a non-idempotent item (a TAP creation) may have been executed: say so.
        const unknown = verdict === 'outcomeUnknown';
        results[i] = {
          index: i,
          status,
          ok,
          body: r?.body as T | undefined,
          headers,
          ...(ok ? {} : { error: itemError(item, status, r?.body, headers, unknown, ctx.clock.now(), hopeless ? retryAfterNote(ra, left, deadlineLeft() < budgetMs - waited) : undefined) }),
        };
        done++;
      }
      options.onProgress?.(done, items.length);
      if (retry.length === 0) break;
      // The longest item Retry-After, else our backoff: every item of the round waits it once.
      const wait = retryDelay({ attempt, retryAfterMs: longest, options: ctx.retry, random: ctx.random, waitScale: ctx.timeScale, leftMs: Math.min(budgetMs - waited, deadlineLeft()) });
      const delay = wait.waitMs;
      if (throttled) ctx.limiter.pause(cls, delay, retry.length);
      if ('giveUp' in wait) {
        // Out of patience: report what Graph said last for each of them.
        for (const i of retry) {
          const item = items[i]!;
          const r = byId.get(String(i));
          const headers = lowerHeaders(r?.headers);
          const status = typeof r?.status === 'number' ? r.status : 0;
          results[i] = { index: i, status, ok: false, body: r?.body as T | undefined, headers, error: itemError(item, status, r?.body, headers, false, ctx.clock.now()) };
          done++;
        }
        options.onProgress?.(done, items.length);
        break;
      }
      if (throttled) ctx.limiter.pause(cls, delay);
      ctx.stats.batchItemRetries += retry.length;
      ctx.stats.retryWaitMs += delay;
      waited += delay;
      if (delay > 0) await ctx.clock.sleep(delay);
      remaining = retry;
    }
  };
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, chunks.length) }, async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      await runChunk(chunk);
    }
  });
  await Promise.all(workers);
  return results;
}
