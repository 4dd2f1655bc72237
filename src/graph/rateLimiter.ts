/**
 * Client-side throttling per Graph throttle class, so the tool stays under Graph's limits instead
 * of bouncing off 429s. One limiter is shared by every request of a gateway.
 */

export type ThrottleClass = 'reports' | 'conditionalAccess' | 'authMethods' | 'directory';

export const THROTTLE_CLASSES: readonly ThrottleClass[] = ['reports', 'conditionalAccess', 'authMethods', 'directory'];

export interface ThrottleLimit {
  /** Units (requests; resource units for `directory`) allowed to start in any window of `intervalMs`. */
  limit: number;
  intervalMs: number;
  /** Requests of this class in flight at once. */
  concurrency: number;
  /**
   * Graph's limit for the class is not known for sure: `limit` per `intervalMs` is only where pacing
   * starts. When at least half of what was sent since the last change came back 429, it slows to one
   * start per Retry-After when that is slower, else halves the starts per window (then stretches the
   * window, up to a minute); every full clean window speeds it up again, up to `limit` per `intervalMs`.
   * A 429 always pauses the class for its Retry-After.
   */
  adaptive?: boolean;
}

/**
 * From Learn "Microsoft Graph service-specific throttling limits":
 * - reports: "Identity and access reports", 5 requests per 10 s per app per tenant (audit logs,
 *   sign-ins, the registration report).
 * - conditionalAccess: "Identity protection and conditional access", 1 request per second per tenant.
 * - directory: "Identity and access", a bucket of resource units per app+tenant per 10 s: 3,500 for
 *   the smallest tenants (5,000 and 8,000 for larger ones; the smallest is assumed). Each request
 *   costs its units (requestCost).
 * - authMethods: /users/{id}/authentication/*. The reports list names the authenticationMethod
 *   resource, so these may share 5 per 10 s, or fall under the directory bucket: the page's own
 *   source is unsure. Not hard-coded either way: paced adaptively from the 429s and Retry-After seen,
 *   starting at the directory pace.
 */
export const DEFAULT_THROTTLE_LIMITS: Readonly<Record<ThrottleClass, ThrottleLimit>> = {
  reports: { limit: 5, intervalMs: 10_000, concurrency: 2 },
  conditionalAccess: { limit: 1, intervalMs: 1_000, concurrency: 1 },
  authMethods: { limit: 200, intervalMs: 1_000, concurrency: 16, adaptive: true },
  directory: { limit: 3500, intervalMs: 10_000, concurrency: 16 },
};

/**
 * Time source and sleeper, the one clock of Graph work: the gateway, its limiter and retries, and the
 * bulk engine all take it, so tests (and benchmarks) control time.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (a waiter woken early leaves no timer behind). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const stop = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', stop);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', stop, { once: true });
    }),
};

const cleanPath = (path: string): string => {
  const p = path.split('?')[0]!.replace(/^\/+/, '/').toLowerCase();
  return p.startsWith('/') ? p : `/${p}`;
};

/** Which throttle class a path (relative to the version root, query allowed) falls into. */
export function classifyPath(path: string): ThrottleClass {
  const clean = cleanPath(path);
  if (clean === '/reports' || clean.startsWith('/reports/') || clean === '/auditlogs' || clean.startsWith('/auditlogs/')) {
    return 'reports';
  }
  if (clean === '/identity/conditionalaccess' || clean.startsWith('/identity/conditionalaccess/')) return 'conditionalAccess';
  if (/^\/users\/[^/]+\/authentication(\/|$)/.test(clean)) return 'authMethods';
  return 'directory';
}

/**
 * What a request takes from its class's window: one, except in `directory`, where it is its resource
 * units per Learn's "Identity and access service limits" table: GET users 2, GET groups/{id}/members 3,
 * GET groups/{id}/transitiveMembers 5, POST users/{id}/checkMemberGroups 4 (as me/), anything else 1;
 * `$select` -1, `$expand` +1, `$top` below 20 -1; never below 1.
 */
export function requestCost(method: string, path: string): number {
  if (classifyPath(path) !== 'directory') return 1;
  const p = cleanPath(path).replace(/\/+$/, '');
  const query = new URLSearchParams(path.includes('?') ? path.slice(path.indexOf('?') + 1) : '');
  let cost = 1;
  if (method === 'GET') {
    if (p === '/users') cost = 2;
    else if (/^\/groups\/[^/]+\/members(\/[^/]+)?$/.test(p)) cost = 3;
    else if (/^\/groups\/[^/]+\/transitivemembers(\/[^/]+)?$/.test(p)) cost = 5;
    if (query.has('$select')) cost -= 1;
    if (query.has('$expand')) cost += 1;
    if (query.has('$top') && Number(query.get('$top')) < 20) cost -= 1;
  } else if (method === 'POST' && /^\/users\/[^/]+\/checkmembergroups$/.test(p)) cost = 4;
  return Math.max(1, cost);
}

/** Most restrictive first: used to charge a `$batch` envelope to the class of its strictest item. */
export const CLASS_SEVERITY: Readonly<Record<ThrottleClass, number>> = { reports: 3, conditionalAccess: 2, authMethods: 1, directory: 0 };

interface ClassState {
  starts: number[];
  active: number;
  pausedUntil: number;
  tail: Promise<void>;
  slotWaiters: Array<() => void>;
  /** Adaptive classes: the pace now (starts the window allows, and the window, unscaled ms). */
  pace: { limit: number; intervalMs: number; sinceChange: number; changedAt: number; sent: number; throttled: number };
}

/** The longest an adaptive class's window stretches to after repeated 429s. */
const MAX_ADAPTIVE_INTERVAL_MS = 60_000;

export interface RateLimiterOptions {
  limits?: Partial<Record<ThrottleClass, Partial<ThrottleLimit>>> | undefined;
  /** Multiplies every window (0.01 makes 5 per 10 s into 5 per 100 ms, for benchmarks). */
  timeScale?: number | undefined;
  clock?: Clock | undefined;
}

export class RateLimiter {
  readonly limits: Readonly<Record<ThrottleClass, ThrottleLimit>>;
  private readonly timeScale: number;
  private readonly clock: Clock;
  private readonly state = new Map<ThrottleClass, ClassState>();
  private waitedMs = 0;

  constructor(options: RateLimiterOptions = {}) {
    const limits = {} as Record<ThrottleClass, ThrottleLimit>;
    for (const cls of THROTTLE_CLASSES) {
      const merged = { ...DEFAULT_THROTTLE_LIMITS[cls], ...(options.limits?.[cls] ?? {}) };
      if (!(merged.limit >= 1) || !(merged.intervalMs >= 0) || !(merged.concurrency >= 1)) {
        throw new RangeError(`invalid throttle limit for ${cls}: ${JSON.stringify(merged)}`);
      }
      limits[cls] = merged;
    }
    this.limits = limits;
    this.timeScale = options.timeScale ?? 1;
    this.clock = options.clock ?? systemClock;
  }

  private st(cls: ThrottleClass): ClassState {
    let s = this.state.get(cls);
    if (!s) {
      const lim = this.limits[cls];
      s = { starts: [], active: 0, pausedUntil: 0, tail: Promise.resolve(), slotWaiters: [], pace: { limit: lim.limit, intervalMs: lim.intervalMs, sinceChange: 0, changedAt: 0, sent: 0, throttled: 0 } };
      this.state.set(cls, s);
    }
    return s;
  }

  /**
   * Wait for a slot (FIFO per class), then return the release function. `cost` counts against the
   * window like that many requests (a `$batch` of 20 conditional-access reads costs 20).
   */
  async acquire(cls: ThrottleClass, cost = 1): Promise<() => void> {
    const s = this.st(cls);
    const lim = this.limits[cls];
    const prev = s.tail;
    let done!: () => void;
    s.tail = new Promise<void>((resolve) => (done = resolve));
    await prev;
    try {
      while (s.active >= lim.concurrency) {
        await new Promise<void>((resolve) => s.slotWaiters.push(resolve));
      }
      const pace = lim.adaptive ? s.pace : lim;
      // An adaptive pace may change while this caller waits: re-read it on every turn.
      let units = 1;
      let windowMs = 0;
      for (;;) {
        units = Math.max(1, Math.min(Math.floor(cost), pace.limit));
        windowMs = pace.intervalMs * this.timeScale;
        const now = this.clock.now();
        while (s.starts.length > 0 && s.starts[0]! <= now - windowMs) s.starts.shift();
        let wait = s.pausedUntil > now ? s.pausedUntil - now : 0;
        const excess = Math.min(s.starts.length, s.starts.length + units - pace.limit);
        if (excess > 0) wait = Math.max(wait, s.starts[excess - 1]! + windowMs - now);
        if (wait <= 0) break;
        this.waitedMs += wait;
        await this.clock.sleep(wait);
      }
      const now = this.clock.now();
      for (let i = 0; i < units; i++) s.starts.push(now);
      // A cost above the window's limit (20 conditional-access reads in one $batch at 1/s) holds
      // the class for the extra windows it used up.
      if (cost > pace.limit) s.pausedUntil = Math.max(s.pausedUntil, now + Math.ceil(cost / pace.limit) * windowMs);
      if (lim.adaptive) this.recover(s, lim, Math.max(1, Math.floor(cost)), now);
      s.active++;
    } finally {
      done();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      s.active--;
      s.slotWaiters.shift()?.();
    };
  }

  /**
   * Hold every caller of the class for `ms` (already time-scaled): Graph told us to back off (a 429).
   * An adaptive class may also slow down (see ThrottleLimit.adaptive); `throttledUnits` is how many
   * requests this one 429 answer stands for (the throttled items of a $batch round).
   */
  pause(cls: ThrottleClass, ms: number, throttledUnits = 1): void {
    const s = this.st(cls);
    const now = this.clock.now();
    // 429s that arrive together (the items of one $batch) are one signal, not one each.
    const alreadyBackingOff = s.pausedUntil > now;
    s.pausedUntil = Math.max(s.pausedUntil, now + Math.max(0, ms));
    if (!this.limits[cls].adaptive) return;
    const p = s.pace;
    p.throttled += throttledUnits;
    // Slow down only when at least half of what went out since the last change came back 429: the
    // odd 429 (a busy moment) is waited out, a pace Graph cannot take is changed.
    if (alreadyBackingOff || p.throttled * 2 < p.sent) return;
    // A Retry-After is the wait for one more unit: Graph's pace, so start again from one unit per that
    // wait (or slower). Without one, halve the starts per window, then stretch the window.
    const told = ms / this.timeScale;
    if (told > p.intervalMs / p.limit) {
      p.limit = 1;
      p.intervalMs = Math.min(MAX_ADAPTIVE_INTERVAL_MS, Math.max(p.intervalMs, told));
    } else if (p.limit > 1) p.limit = Math.floor(p.limit / 2);
    else p.intervalMs = Math.min(MAX_ADAPTIVE_INTERVAL_MS, p.intervalMs * 2);
    p.sinceChange = 0;
    p.changedAt = now;
    p.sent = 0;
    p.throttled = 0;
    // The starts already in the window count against the slower pace too.
    s.starts.splice(0, Math.max(0, s.starts.length - p.limit));
  }

  /** After a whole window (and a window's worth of starts) without a 429, speed an adaptive class up again. */
  private recover(s: ClassState, lim: ThrottleLimit, units: number, now: number): void {
    const p = s.pace;
    if (p.sinceChange >= p.limit && now - p.changedAt >= p.intervalMs * this.timeScale) {
      if (p.intervalMs > lim.intervalMs) p.intervalMs = Math.max(lim.intervalMs, p.intervalMs / 2);
      else p.limit = Math.min(lim.limit, p.limit + Math.max(1, Math.floor(p.limit / 4)));
      p.sinceChange = 0;
      p.changedAt = now;
      p.sent = 0;
      p.throttled = 0;
    }
    p.sinceChange += units;
    p.sent += units;
  }

  /** The pace an adaptive class runs at now (for progress lines and tests). */
  currentPace(cls: ThrottleClass): { limit: number; intervalMs: number } {
    const p = this.st(cls).pace;
    return { limit: p.limit, intervalMs: p.intervalMs };
  }

  /** Total time callers spent waiting for the limiter (ms, summed over callers). */
  get totalWaitMs(): number {
    return this.waitedMs;
  }
}
