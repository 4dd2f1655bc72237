/**
 * Client-side throttling per Graph throttle class, so the tool stays under Graph's limits instead
 * of bouncing off 429s. One limiter is shared by every request of a gateway.
 */

export type ThrottleClass = 'reports' | 'conditionalAccess' | 'directory';

export const THROTTLE_CLASSES: readonly ThrottleClass[] = ['reports', 'conditionalAccess', 'directory'];

export interface ThrottleLimit {
  /** Requests allowed to start in any window of `intervalMs`. */
  limit: number;
  intervalMs: number;
  /** Requests of this class in flight at once. */
  concurrency: number;
}

/**
 * reports: audit logs, sign-ins and the registration report share ~5 requests / 10 s per app per
 * tenant. conditionalAccess: ~1 request / s per tenant. directory: Graph's budget is in resource
 * units per 10 s; 200/s with 16 in flight keeps a single tool well inside it.
 */
export const DEFAULT_THROTTLE_LIMITS: Readonly<Record<ThrottleClass, ThrottleLimit>> = {
  reports: { limit: 5, intervalMs: 10_000, concurrency: 2 },
  conditionalAccess: { limit: 1, intervalMs: 1_000, concurrency: 1 },
  directory: { limit: 200, intervalMs: 1_000, concurrency: 16 },
};

/** Time source and sleeper; injected so tests (and benchmarks) control time. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** Which throttle class a path (relative to the version root, query allowed) falls into. */
export function classifyPath(path: string): ThrottleClass {
  const p = path.split('?')[0]!.replace(/^\/+/, '/').toLowerCase();
  const clean = p.startsWith('/') ? p : `/${p}`;
  if (clean === '/reports' || clean.startsWith('/reports/') || clean === '/auditlogs' || clean.startsWith('/auditlogs/')) {
    return 'reports';
  }
  if (clean === '/identity/conditionalaccess' || clean.startsWith('/identity/conditionalaccess/')) return 'conditionalAccess';
  return 'directory';
}

/** Most restrictive first: used to charge a `$batch` envelope to the class of its strictest item. */
export const CLASS_SEVERITY: Readonly<Record<ThrottleClass, number>> = { reports: 2, conditionalAccess: 1, directory: 0 };

interface ClassState {
  starts: number[];
  active: number;
  pausedUntil: number;
  tail: Promise<void>;
  slotWaiters: Array<() => void>;
}

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
      s = { starts: [], active: 0, pausedUntil: 0, tail: Promise.resolve(), slotWaiters: [] };
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
      const units = Math.max(1, Math.min(Math.floor(cost), lim.limit));
      const windowMs = lim.intervalMs * this.timeScale;
      for (;;) {
        const now = this.clock.now();
        while (s.starts.length > 0 && s.starts[0]! <= now - windowMs) s.starts.shift();
        let wait = s.pausedUntil > now ? s.pausedUntil - now : 0;
        const excess = s.starts.length + units - lim.limit;
        if (excess > 0) wait = Math.max(wait, s.starts[excess - 1]! + windowMs - now);
        if (wait <= 0) break;
        this.waitedMs += wait;
        await this.clock.sleep(wait);
      }
      const now = this.clock.now();
      for (let i = 0; i < units; i++) s.starts.push(now);
      // A cost above the window's limit (20 conditional-access reads in one $batch at 1/s) holds
      // the class for the extra windows it used up.
      if (cost > lim.limit) s.pausedUntil = Math.max(s.pausedUntil, now + Math.ceil(cost / lim.limit) * windowMs);
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

  /** Hold every caller of the class for `ms` (already time-scaled): Graph told us to back off. */
  pause(cls: ThrottleClass, ms: number): void {
    const s = this.st(cls);
    s.pausedUntil = Math.max(s.pausedUntil, this.clock.now() + Math.max(0, ms));
  }

  /** Total time callers spent waiting for the limiter (ms, summed over callers). */
  get totalWaitMs(): number {
    return this.waitedMs;
  }
}
