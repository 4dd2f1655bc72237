/**
 * The retry step of the gateway's middleware chain (middleware.ts): re-sends a whole request when
 * the one retry policy (retryPolicy.ts) says so, waiting what it says, within the request's retry
 * budget and the command's deadline.
 */
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { GraphRequestError } from './graphError.js';
import type { CommandDeadline, GraphStats } from './middleware.js';
import { NO_DEADLINE, deadlineError, discardBody, policyOf } from './middleware.js';
import type { Clock, RateLimiter } from './rateLimiter.js';
import { parseRetryAfter } from './retryAfter.js';
import type { RetryOptions, TransportFailure } from './retryPolicy.js';
import { AttemptCount, classifyOutcome, retryAfterNote, retryDelay } from './retryPolicy.js';
import { responseOf, setResponse } from './transport.js';

const TIMED_OUT = 'request timed out';

/** What a transport failure (node:http's, or fetch's) tells about the request: never sent (refused), maybe run (reset, timeout), or hopeless. */
export function describeNetworkError(err: unknown): { kind: TransportFailure; reason: string } {
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
 * Retries what retryPolicy.ts calls retryable (429 for every method; 503/504 and connection failures
 * of idempotent requests; a refused connection, which sent nothing), honouring Retry-After.
 *
 * Non-idempotent POSTs (TAP creation, phone method creation, CA policy creation) are never retried
 * after a 5xx, a reset or a timeout: Graph may have executed them, so they surface with
 * `outcomeUnknown` and the caller checks with a GET.
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

  async execute(ctx: Context): Promise<void> {
    const policy = policyOf(ctx);
    const cls = policy.throttleClass;
    const budget = this.options.maxTotalWaitMs * this.timeScale;
    const count = new AttemptCount();
    let waited = 0;
    // What this request may still wait: its own retry budget, and what is left of the command's deadline.
    const left = () => Math.min(budget - waited, this.deadline.remainingMs());
    for (let attempt = 1; ; attempt++) {
      policy.attempts = attempt;
      setResponse(ctx, undefined);
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
        const res = responseOf(ctx);
        if (!res) return;
        const verdict = classifyOutcome({ status: res.status, idempotent: policy.idempotent });
        if (verdict === 'ok' || verdict === 'fail') return;
        policy.retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.clock.now());
        if (res.status === 429) {
          this.stats.throttled++;
          this.stats.throttledByClass[cls]++;
        }
        if (verdict === 'outcomeUnknown') {
          policy.outcomeUnknown = true;
          return;
        }
        count.record(res.status);
        const delay = retryDelay({ attempt, retryAfterMs: policy.retryAfterMs, options: this.options, random: this.random, waitScale: this.timeScale, leftMs: left() });
        if ('giveUp' in delay && delay.giveUp === 'retryAfter') {
          // Waiting would only end in failure, and pausing the class for it would stall every other
          // request with it (one `Retry-After: 999999` froze a whole plan): fail this request now.
          policy.giveUpNote = retryAfterNote(delay.waitMs, left(), budget - waited > this.deadline.remainingMs());
          return;
        }
        // Everyone in the class waits, not just this caller: Graph's throttle is per app and tenant.
        if (res.status === 429) this.limiter.pause(cls, delay.waitMs);
        if ('giveUp' in delay || !count.allowsAnother(res.status, this.options.maxAttempts)) return;
        await discardBody(res);
        await this.wait(delay.waitMs);
        waited += delay.waitMs;
        continue;
      }
      if (policy.error) throw failure; // already typed (token failure and the like)
      // The per-attempt timeout was cut short by the command's deadline: say so, not "timed out".
      const net = describeNetworkError(failure);
      if (this.deadline.remainingMs() <= 0 || (policy.deadlineLimited && net.reason === TIMED_OUT)) {
        throw (policy.error = deadlineError(policy, this.deadline, true, failure));
      }
      count.record(0);
      const verdict = classifyOutcome({ status: 0, idempotent: policy.idempotent, transport: net.kind });
      const delay = retryDelay({ attempt, retryAfterMs: undefined, options: this.options, random: this.random, waitScale: this.timeScale, leftMs: left() });
      if (verdict !== 'retry' || 'giveUp' in delay || !count.allowsAnother(0, this.options.maxAttempts)) {
        const error = new GraphRequestError({
          method: policy.method,
          path: policy.displayPath,
          status: 0,
          reason: net.kind === 'fatal' ? `request failed: ${net.reason}` : `connection failed: ${net.reason}`,
          outcomeUnknown: verdict === 'outcomeUnknown',
          kind: 'transport',
          cause: failure,
        });
        policy.error = error;
        throw error;
      }
      await this.wait(delay.waitMs);
      waited += delay.waitMs;
    }
  }

  private async wait(ms: number): Promise<void> {
    this.stats.retries++;
    this.stats.retryWaitMs += ms;
    if (ms > 0) await this.clock.sleep(ms);
  }
}
