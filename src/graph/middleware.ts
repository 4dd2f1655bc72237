/**
 * Our own middleware chain for the Graph SDK client: auth → retry (retryMiddleware.ts) → throttle →
 * HTTPMessageHandler. The SDK's stock handlers are not used because its RetryHandler also retries
 * non-idempotent POSTs (a duplicated Temporary Access Pass) and its AuthenticationHandler refuses
 * plain-http loopback hosts.
 */
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { UserError } from '../errors.js';
import type { TokenProvider } from './credentials.js';
import { GraphRequestError, parseGraphErrorBody } from './graphError.js';
import type { RateLimiter, ThrottleClass } from './rateLimiter.js';
import { THROTTLE_CLASSES } from './rateLimiter.js';
import { readBodyCapped } from './response.js';
import { describeDuration } from './retryPolicy.js';
import { bufferedResponse, headerRecord, responseOf, setResponse, type HttpResponse } from './transport.js';

/** A 401's error body is read ahead to see whether the token expired; Graph's are a few hundred bytes. */
const AUTH_ERROR_MAX_BYTES = 64 * 1024;

export type { RetryOptions } from './retryPolicy.js';
export { DEFAULT_RETRY, THROTTLED_ATTEMPTS_FACTOR, describeDuration, retryAfterNote } from './retryPolicy.js';

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

export function urlOf(ctx: Context): string {
  const r = ctx.request as unknown;
  if (typeof r === 'string') return r;
  if (r instanceof URL) return r.href;
  return (r as { url: string }).url;
}

function isHeadersObject(h: unknown): h is Headers {
  return typeof h === 'object' && h !== null && !Array.isArray(h) && typeof (h as Headers).set === 'function' && typeof (h as Headers).delete === 'function';
}

function setHeader(ctx: Context, name: string, value: string | undefined): void {
  const options = (ctx.options ??= {});
  const headers = options.headers;
  // Structurally, not `instanceof Headers`: touching that global loads fetch's whole engine (~100 ms).
  if (isHeadersObject(headers)) {
    if (value === undefined) headers.delete(name);
    else headers.set(name, value);
    return;
  }
  const record = headerRecord(headers);
  for (const key of Object.keys(record)) if (key.toLowerCase() === name.toLowerCase()) delete record[key];
  if (value !== undefined) record[name] = value;
  options.headers = record;
}

export async function discardBody(res: HttpResponse | undefined): Promise<void> {
  try {
    await res?.discard();
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
    const res = responseOf(ctx);
    if (!attach || !res || res.status !== 401 || !this.tokens?.refreshable) return;
    let code: string | undefined;
    try {
      // Read ahead (an error body is small), and leave a copy for the caller to read as usual.
      const text = await readBodyCapped(res, AUTH_ERROR_MAX_BYTES);
      setResponse(ctx, bufferedResponse(res.status, res.headers, text ?? ''));
      code = text === undefined ? undefined : parseGraphErrorBody(text, res.headers.get('content-type')).code;
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

/** The per-command deadline: every request and every wait must end before it. */
export interface CommandDeadline {
  /** ms left (Infinity without a deadline). */
  remainingMs(): number;
  /** The whole deadline in ms, and where it was set, for messages. */
  readonly totalMs: number;
  readonly setting: string;
}

export const NO_DEADLINE: CommandDeadline = { remainingMs: () => Number.POSITIVE_INFINITY, totalMs: Number.POSITIVE_INFINITY, setting: '' };

export function deadlineError(policy: RequestPolicy, deadline: CommandDeadline, maybeSent: boolean, cause?: unknown): GraphRequestError {
  return new GraphRequestError({
    method: policy.method,
    path: policy.displayPath,
    status: 0,
    reason: `the command reached its deadline of ${describeDuration(deadline.totalMs)}${deadline.setting ? ` (${deadline.setting})` : ''}; nothing more is sent`,
    outcomeUnknown: maybeSent && !policy.idempotent,
    kind: 'deadline',
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
    // Graph does not redirect API calls: a 3xx is returned as is and becomes an error. The node:http
    // transport never follows one; `manual` says so to any other transport (fetch would follow it,
    // re-sending a POST body, on a 307 to any host it is told).
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
