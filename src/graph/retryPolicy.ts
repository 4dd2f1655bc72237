/**
 * The one retry policy for Microsoft Graph. Whole requests (RetryMiddleware), `$batch` items
 * (executeBatch) and the bulk engine's re-queued items (src/ops/engine.ts) all ask it what an
 * outcome means (retry / outcome unknown / fail), how many attempts it gets and how long to wait.
 *
 * Graph's documented guidance, which wins over older rules of this code base:
 * - learn.microsoft.com/graph/throttling, "Best practices to handle throttling": on 429 wait the
 *   Retry-After and retry, again and again while throttled; without a Retry-After, back off
 *   exponentially. A throttled request was not executed, so even a non-idempotent POST may be re-sent.
 * - learn.microsoft.com/graph/errors: 503 "You may repeat the request after a delay, the length of
 *   which may be specified in a Retry-After header"; 504 "May occur together with 503". Graph gives no
 *   such advice for 500 or 502, so they are not retried (the `$batch` code and the bulk engine used to
 *   retry them; the gateway did not: the documented set wins).
 * - learn.microsoft.com/graph/json-batching: every item of a `$batch` carries its own status and
 *   Retry-After; the SDKs do not retry items, the caller does.
 *
 * Rules kept from GRAPH.md / DESIGN.md: a non-idempotent POST (TAP or phone creation, CA policy
 * creation) is never re-sent after anything that may have run it (a 5xx, a reset, a timeout): that is
 * `outcomeUnknown` and the caller looks the result up with a GET. A Retry-After is honoured as sent,
 * within what the request may still wait (its retry budget and the command's deadline); a longer one
 * fails the request at once rather than stalling everyone.
 */

/** What went wrong with a Graph request, decided where its error is made. */
export type GraphErrorKind =
  /** 429: Graph's throttle; the request did not run. */
  | 'throttled'
  /** 503/504 (after the retries this policy allows). */
  | 'transient'
  /** A write that may or may not have been applied (5xx, reset or timeout on a non-idempotent request). */
  | 'outcomeUnknown'
  /** No answer: the connection failed or timed out. */
  | 'transport'
  /** The command's deadline (ENTRA_ROLLOUT_DEADLINE_SECONDS) ended it. */
  | 'deadline'
  | 'unauthorized'
  | 'forbidden'
  | 'notFound'
  | 'conflict'
  /** Graph's "One or more added object references already exist" (a member add of a member). */
  | 'alreadyExists'
  | 'badRequest'
  /** 500, 502 and other 5xx Graph gives no retry advice for. */
  | 'server'
  /** An answer that is not what Graph sends: HTML, truncated JSON, a page without `value`, a paging loop. */
  | 'malformed'
  /** A limit of ours: a body larger than allowed, more pages than allowed. */
  | 'limit'
  /** A 3xx: never followed. */
  | 'redirect'
  /** Refused before sending (an unsafe id in the path). */
  | 'refused';

/** What a caller does with an outcome. */
export type RetryVerdict = 'ok' | 'retry' | 'outcomeUnknown' | 'fail';

/** What a failed connection tells about the request: never sent, maybe run, or not worth another try. */
export type TransportFailure = 'notSent' | 'maybeSent' | 'fatal';

export interface Outcome {
  /** HTTP status; 0 when no answer came. */
  status: number;
  /** Repeating the request is harmless (every method but POST; POSTs marked idempotent). */
  idempotent: boolean;
  /** With status 0: what the failure tells (default `maybeSent`: an item without an answer, an envelope that failed). */
  transport?: TransportFailure | undefined;
  /** Retrying cannot help (a Retry-After beyond the budget, a refused path). */
  final?: boolean | undefined;
}

/** Statuses Graph documents as worth another try after a delay (see the top of this file). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

/** Retry, give up with "outcome unknown", or fail: the same answer for every caller. */
export function classifyOutcome(o: Outcome): RetryVerdict {
  const { status } = o;
  if (status >= 200 && status < 300) return 'ok';
  const transport = o.transport ?? 'maybeSent';
  const mayHaveRun = status >= 500 || (status === 0 && transport === 'maybeSent');
  if (mayHaveRun && !o.idempotent) return 'outcomeUnknown';
  if (o.final) return 'fail';
  if (status === 429) return 'retry';
  if (status === 0) return transport === 'fatal' ? 'fail' : 'retry';
  return RETRYABLE_STATUSES.has(status) ? 'retry' : 'fail';
}

/** The kind of an error from what Graph answered (callers pass a kind of their own for what is theirs: deadline, limit, malformed…). */
export function kindOfStatus(status: number, graphMessage: string | undefined, outcomeUnknown: boolean): GraphErrorKind {
  if (outcomeUnknown) return 'outcomeUnknown';
  if (status === 0) return 'transport';
  if (status === 429) return 'throttled';
  if (status === 503 || status === 504) return 'transient';
  if (status >= 500) return 'server';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 409) return 'conflict';
  // Graph's only signal for "already a member" is its message (GRAPH.md, Groups and membership).
  if (status === 400 && /already exist/i.test(graphMessage ?? '')) return 'alreadyExists';
  if (status >= 400) return 'badRequest';
  if (status >= 300) return 'redirect';
  return 'malformed';
}

export interface RetryOptions {
  /** Attempts in total, the first included (throttled ones may be THROTTLED_ATTEMPTS_FACTOR times as many). */
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

/**
 * A 429 proves the request did not run, and waiting it out is what Graph asks for: when several
 * clients share the app's throttle it takes more turns than a 503 deserves, so throttled attempts
 * may be this many times maxAttempts (the total wait still bounds them).
 */
export const THROTTLED_ATTEMPTS_FACTOR = 6;

/** Attempts of one request so far, throttled ones counted apart. */
export class AttemptCount {
  attempts = 0;
  throttled = 0;

  /** Count an attempt that was answered with `status`. */
  record(status: number): void {
    this.attempts++;
    if (status === 429) this.throttled++;
  }

  /** Whether another attempt is allowed after one answered with `status`. */
  allowsAnother(status: number, maxAttempts: number): boolean {
    return status === 429 ? this.throttled < maxAttempts * THROTTLED_ATTEMPTS_FACTOR : this.attempts - this.throttled < maxAttempts;
  }
}

/** Full-jitter exponential backoff for attempt `attempt` (1-based), before time scaling. */
export function backoffMs(attempt: number, options: RetryOptions, random: () => number): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}

export interface DelayInput {
  attempt: number;
  /** The answer's Retry-After (ms), if it had one. */
  retryAfterMs: number | undefined;
  options: RetryOptions;
  random: () => number;
  /** Our own backoff is multiplied by it (1 / the time scale); a server's Retry-After never is. */
  waitScale: number;
  /** What the request may still wait: its retry budget and the command's deadline (ms). */
  leftMs: number;
}

export type Delay = { waitMs: number } | { giveUp: 'retryAfter' | 'budget'; waitMs: number };

/**
 * How long to wait before the next attempt: the Retry-After as sent, else our backoff. A Retry-After
 * longer than what is left fails the request now (`giveUp: 'retryAfter'`, a final answer: waiting
 * would only end in failure, and pausing a class for it stalls everyone); a backoff longer than what
 * is left ends the retries (`giveUp: 'budget'`).
 */
export function retryDelay(d: DelayInput): Delay {
  if (d.retryAfterMs !== undefined) {
    const waitMs = Math.ceil(d.retryAfterMs);
    return waitMs > d.leftMs ? { giveUp: 'retryAfter', waitMs } : { waitMs };
  }
  const waitMs = Math.ceil(backoffMs(d.attempt, d.options, d.random) * d.waitScale);
  return waitMs > d.leftMs ? { giveUp: 'budget', waitMs } : { waitMs };
}

export function describeDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s * 10) / 10} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round((s / 3600) * 10) / 10} h`;
}

export function retryAfterNote(delayMs: number, leftMs: number, byDeadline: boolean): string {
  const limit = byDeadline ? "the command's deadline" : 'its retry budget';
  return `Graph asked to wait ${describeDuration(delayMs)} (Retry-After), more than the ${describeDuration(Math.max(0, leftMs))} ${limit} leaves; not retried`;
}
