/**
 * Our own middleware chain for the Graph SDK client: auth → retry → throttle → HTTPMessageHandler.
 * The SDK's stock handlers are not used because its RetryHandler also retries non-idempotent POSTs
 * (a duplicated Temporary Access Pass) and its AuthenticationHandler refuses plain-http loopback hosts.
 */
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { UserError } from '../errors.js';
import type { TokenProvider } from './credentials.js';
import { GraphRequestError, parseGraphErrorBody } from './graphError.js';
import type { Clock, RateLimiter, ThrottleClass } from './rateLimiter.js';
import { THROTTLE_CLASSES } from './rateLimiter.js';
import { parseRetryAfter } from './retryAfter.js';

/** Per-request state handed down the chain through the SDK's middleware options. */
export class RequestPolicy {
  attempts = 0;
  outcomeUnknown = false;
  retryAfterMs: number | undefined;
  /** Why the retry loop gave up early (a Retry-After beyond what is left of the budget): added to the error. */
  giveUpNote: string | undefined;
  /** The attempt's timeout was shortened to end at the command's deadline. */
  deadlineLimited = false;
  /** A typed error raised inside the chain; the SDK wraps thrown errors, so the gateway rethrows this. */
  error: Error | undefined;

  constructor(
    readonly method: string,
    /** For messages: path relative to the version root, or the foreign absolute URL. */
    readonly displayPath: string,
    readonly idempotent: boolean,
    readonly throttleClass: ThrottleClass,
    /** Units charged to the limiter (a `$batch` envelope is charged for its items). */
    readonly cost = 1,
  ) {}
}

export function policyOf(ctx: Context): RequestPolicy {
  const found = ctx.middlewareControl?.getMiddlewareOptions(RequestPolicy) as RequestPolicy | undefined;
  if (found) return found;
  // Not expected: every gateway request carries a policy. Be conservative (no blind retries).
  const policy = new RequestPolicy(String(ctx.options?.method ?? 'GET'), urlOf(ctx), false, 'directory');
  ctx.middlewareControl?.setMiddlewareOptions(RequestPolicy, policy);
  return policy;
}

function urlOf(ctx: Context): string {
  const r = ctx.request as unknown;
  if (typeof r === 'string') return r;
  if (r instanceof URL) return r.href;
  return (r as { url: string }).url;
}

function setHeader(ctx: Context, name: string, value: string | undefined): void {
  const options = (ctx.options ??= {});
  const headers = options.headers;
  if (headers instanceof Headers) {
    if (value === undefined) headers.delete(name);
    else headers.set(name, value);
    return;
  }
  const record: Record<string, string> = Array.isArray(headers)
    ? Object.fromEntries(headers as Array<[string, string]>)
    : { ...((headers as Record<string, string> | undefined) ?? {}) };
  for (const key of Object.keys(record)) if (key.toLowerCase() === name.toLowerCase()) delete record[key];
  if (value !== undefined) record[name] = value;
  options.headers = record;
}

async function discardBody(res: Response | undefined): Promise<void> {
  try {
    await res?.body?.cancel();
  } catch {
    // nothing to do
  }
}

export interface GraphStats {
  /** HTTP requests sent, retries included, per throttle class. */
  requests: Record<ThrottleClass, number>;
  totalRequests: number;
  /** Re-sends of a whole request after a 429/5xx/connection error. */
  retries: number;
  /** 429 responses seen (whole requests and `$batch` items). */
  throttled: number;
  throttledByClass: Record<ThrottleClass, number>;
  batchRequests: number;
  batchItems: number;
  batchItemRetries: number;
  /** Token refreshes after a 401 InvalidAuthenticationToken. */
  authRefreshes: number;
  /** Time spent sleeping before retries (ms, summed over callers). */
  retryWaitMs: number;
  /** Time spent waiting for the client-side limiter (ms, summed over callers; filled in by stats()). */
  limiterWaitMs: number;
}

export function emptyStats(): GraphStats {
  const zero = () => Object.fromEntries(THROTTLE_CLASSES.map((c) => [c, 0])) as Record<ThrottleClass, number>;
  return {
    requests: zero(),
    totalRequests: 0,
    retries: 0,
    throttled: 0,
    throttledByClass: zero(),
    batchRequests: 0,
    batchItems: 0,
    batchItemRetries: 0,
    authRefreshes: 0,
    retryWaitMs: 0,
    limiterWaitMs: 0,
  };
}

/** Attaches the bearer token to requests for the configured Graph origin only; refreshes once on 401. */
export class AuthMiddleware implements Middleware {
  private next!: Middleware;

  constructor(
    private readonly tokens: TokenProvider | undefined,
    private readonly isGraphOrigin: (url: URL) => boolean,
    private readonly stats: GraphStats,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(ctx: Context): Promise<void> {
    const policy = policyOf(ctx);
    let attach = false;
    try {
      attach = this.tokens !== undefined && this.isGraphOrigin(new URL(urlOf(ctx)));
    } catch {
      attach = false;
    }
    // Never forward a token to a foreign host (an absolute nextLink elsewhere), even if a caller set one.
    setHeader(ctx, 'Authorization', undefined);
    if (attach) setHeader(ctx, 'Authorization', `Bearer ${await this.token(policy, false)}`);
    await this.next.execute(ctx);
    const res = ctx.response;
    if (!attach || !res || res.status !== 401 || !this.tokens?.refreshable) return;
    let code: string | undefined;
    try {
      const copy = res.clone();
      code = parseGraphErrorBody(await copy.text(), res.headers.get('content-type')).code;
    } catch {
      code = undefined;
    }
    if (code !== 'InvalidAuthenticationToken') return;
    // A 401 means Graph did not execute the request, so a retry is safe even for a POST.
    await discardBody(res);
    this.stats.authRefreshes++;
    setHeader(ctx, 'Authorization', `Bearer ${await this.token(policy, true)}`);
    await this.next.execute(ctx);
  }

  private async token(policy: RequestPolicy, forceRefresh: boolean): Promise<string> {
    try {
      return await this.tokens!.getToken({ forceRefresh });
    } catch (err) {
      const error = err instanceof Error ? err : new UserError(String(err));
      policy.error = error;
      throw error;
    }
  }
}

export interface RetryOptions {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** Give up rather than wait longer than this in total for one request (ms, before timeScale). */
  maxTotalWaitMs: number;
  /** Backoff base and cap when there is no Retry-After (full jitter: random() * min(cap, base * 2^n)). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 5,
  maxTotalWaitMs: 180_000,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
};

const RETRY_STATUSES = new Set([429, 503, 504]);
/** A 429 proves the request did not run: throttled attempts may be this many times maxAttempts (the total wait still bounds them). */
export const THROTTLED_ATTEMPTS_FACTOR = 6;

const TIMED_OUT = 'request timed out';

type NetworkFailure = { kind: 'notSent' | 'maybeSent' | 'fatal'; reason: string };

function describeNetworkError(err: unknown): NetworkFailure {
  const chain: Array<{ name?: string; code?: string; message?: string }> = [];
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    chain.push(cur as { name?: string; code?: string; message?: string });
    cur = (cur as { cause?: unknown }).cause;
  }
  const codes = chain.map((e) => e.code).filter((c): c is string => typeof c === 'string');
  const messages = chain.map((e) => e.message ?? '').join(' | ');
  const names = chain.map((e) => e.name ?? '');
  const code = codes[0];
  const reason = code ? `${code}${chain.at(-1)?.message ? ` (${chain.at(-1)!.message})` : ''}` : (chain.at(-1)?.message ?? String(err));
  if (names.includes('TimeoutError') || names.includes('AbortError')) return { kind: 'maybeSent', reason: TIMED_OUT };
  if (codes.some((c) => c === 'ECONNREFUSED' || c === 'EAI_AGAIN' || c === 'UND_ERR_CONNECT_TIMEOUT')) {
    return { kind: 'notSent', reason };
  }
  if (codes.includes('ENOTFOUND')) return { kind: 'fatal', reason };
  if (
    codes.some((c) => /^(ECONNRESET|EPIPE|ETIMEDOUT|ECONNABORTED|EHOSTUNREACH|ENETUNREACH|ENETDOWN|UND_ERR_(SOCKET|CLOSED|HEADERS_TIMEOUT|BODY_TIMEOUT))$/.test(c)) ||
    /socket hang up|other side closed|terminated/i.test(messages)
  ) {
    return { kind: 'maybeSent', reason };
  }
  return { kind: 'fatal', reason };
}

/**
 * Retries 429/503/504 and connection failures of idempotent requests, honouring Retry-After.
 *
 * Non-idempotent POSTs (TAP creation, phone method creation, CA policy creation) are never retried
 * after a 5xx, a reset or a timeout: Graph may have executed them, so they surface with
 * `outcomeUnknown` and the caller checks with a GET. A 429 on them IS retried: Graph's throttling
 * rejects a request before it is executed, so nothing happened yet. Likewise a refused connection
 * (nothing was sent).
 */
export class RetryMiddleware implements Middleware {
  private next!: Middleware;

  constructor(
    private readonly options: RetryOptions,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly timeScale: number,
    private readonly stats: GraphStats,
    private readonly deadline: CommandDeadline = NO_DEADLINE,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  private backoff(attempt: number): number {
    const cap = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * cap);
  }

  async execute(ctx: Context): Promise<void> {
    const policy = policyOf(ctx);
    const cls = policy.throttleClass;
    const budget = this.options.maxTotalWaitMs * this.timeScale;
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      policy.attempts = attempt;
      ctx.response = undefined;
      if (this.deadline.remainingMs() <= 0) throw (policy.error = deadlineError(policy, this.deadline, attempt > 1));
      let failure: unknown;
      let failed = false;
      try {
        await this.next.execute(ctx);
      } catch (err) {
        failure = err;
        failed = true;
      }
      if (!failed) {
        const res = ctx.response as Response | undefined;
        if (!res || !RETRY_STATUSES.has(res.status)) return;
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'), this.clock.now());
        policy.retryAfterMs = retryAfter;
        if (res.status === 429) {
          this.stats.throttled++;
          this.stats.throttledByClass[cls]++;
        }
        // A server's Retry-After is honoured as sent; only our own backoff is time-scaled.
        const delay = retryAfter !== undefined ? Math.ceil(retryAfter) : Math.ceil(this.backoff(attempt) * this.timeScale);
        // What this request may still wait: its own retry budget, and what is left of the command's deadline.
        const left = Math.min(budget - waited, this.deadline.remainingMs());
        if (!policy.idempotent && res.status !== 429) {
          policy.outcomeUnknown = true;
          return;
        }
        if (retryAfter !== undefined && delay > left) {
          // Waiting would only end in failure, and pausing the class for it would stall every other
          // request with it (one `Retry-After: 999999` froze a whole plan): fail this request now.
          policy.giveUpNote = retryAfterNote(delay, left, budget - waited > this.deadline.remainingMs());
          return;
        }
        // Everyone in the class waits, not just this caller: Graph's throttle is per app and tenant.
        if (res.status === 429) this.limiter.pause(cls, delay);
        // A 429 was not executed, and waiting it out is what Graph asks for: when several clients
        // share the app's throttle it takes more turns than a 503 deserves, so 429s get six times
        // the attempts (still bounded by the total wait). 503/504 may be an outage: maxAttempts.
        const outOfAttempts = attempt >= this.options.maxAttempts * (res.status === 429 ? THROTTLED_ATTEMPTS_FACTOR : 1);
        if (outOfAttempts || delay > left) return;
        await discardBody(res);
        this.stats.retries++;
        this.stats.retryWaitMs += delay;
        waited += delay;
        if (delay > 0) await this.clock.sleep(delay);
        continue;
      }
      if (policy.error) throw failure; // already typed (token failure and the like)
      // The per-attempt timeout was cut short by the command's deadline: say so, not "timed out".
      const net = describeNetworkError(failure);
      if (this.deadline.remainingMs() <= 0 || (policy.deadlineLimited && net.reason === TIMED_OUT)) {
        throw (policy.error = deadlineError(policy, this.deadline, true, failure));
      }
      const safe = net.kind === 'notSent' || (net.kind === 'maybeSent' && policy.idempotent);
      const delay = Math.ceil(this.backoff(attempt) * this.timeScale);
      if (net.kind === 'fatal' || !safe || attempt >= this.options.maxAttempts || delay > Math.min(budget - waited, this.deadline.remainingMs())) {
        const error = new GraphRequestError({
          method: policy.method,
          path: policy.displayPath,
          status: 0,
          reason: net.kind === 'fatal' ? `request failed: ${net.reason}` : `connection failed: ${net.reason}`,
          outcomeUnknown: net.kind === 'maybeSent' && !policy.idempotent,
          cause: failure,
        });
        policy.error = error;
        throw error;
      }
      this.stats.retries++;
      this.stats.retryWaitMs += delay;
      waited += delay;
      if (delay > 0) await this.clock.sleep(delay);
    }
  }
}

/** The per-command deadline: every request and every wait must end before it. */
export interface CommandDeadline {
  /** ms left (Infinity without a deadline). */
  remainingMs(): number;
  /** The whole deadline in ms, and where it was set, for messages. */
  readonly totalMs: number;
  readonly setting: string;
}

export const NO_DEADLINE: CommandDeadline = { remainingMs: () => Number.POSITIVE_INFINITY, totalMs: Number.POSITIVE_INFINITY, setting: '' };

export function describeDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s * 10) / 10} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round((s / 3600) * 10) / 10} h`;
}

export function retryAfterNote(delayMs: number, leftMs: number, byDeadline: boolean): string {
  const limit = byDeadline ? 'the command\'s deadline' : 'its retry budget';
  return `Graph asked to wait ${describeDuration(delayMs)} (Retry-After), more than the ${describeDuration(Math.max(0, leftMs))} ${limit} leaves; not retried`;
}

export function deadlineError(policy: RequestPolicy, deadline: CommandDeadline, maybeSent: boolean, cause?: unknown): GraphRequestError {
  return new GraphRequestError({
    method: policy.method,
    path: policy.displayPath,
    status: 0,
    reason: `the command reached its deadline of ${describeDuration(deadline.totalMs)}${deadline.setting ? ` (${deadline.setting})` : ''}; nothing more is sent`,
    outcomeUnknown: maybeSent && !policy.idempotent,
    cause,
  });
}

/** Client-side rate limit per throttle class plus a per-attempt timeout; counts requests. */
export class ThrottleMiddleware implements Middleware {
  private next!: Middleware;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly stats: GraphStats,
    private readonly timeoutMs: number,
    private readonly deadline: CommandDeadline = NO_DEADLINE,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(ctx: Context): Promise<void> {
    const policy = policyOf(ctx);
    const release = await this.limiter.acquire(policy.throttleClass, policy.cost);
    this.stats.requests[policy.throttleClass]++;
    this.stats.totalRequests++;
    const options = (ctx.options ??= {});
    // fetch follows redirects by default, re-sending a POST body (and on a 307 to any host it is
    // told): Graph does not redirect API calls, so a 3xx is returned as is and becomes an error.
    options.redirect = 'manual';
    const left = this.deadline.remainingMs();
    const timeout = this.timeoutMs > 0 ? Math.min(this.timeoutMs, left) : left;
    policy.deadlineLimited = left < (this.timeoutMs > 0 ? this.timeoutMs : Number.POSITIVE_INFINITY);
    if (Number.isFinite(timeout)) options.signal = AbortSignal.timeout(Math.max(1, Math.ceil(timeout)));
    try {
      await this.next.execute(ctx);
    } finally {
      release();
    }
  }
}
