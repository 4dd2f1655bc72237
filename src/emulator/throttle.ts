/**
 * Per-class token buckets, as Graph throttles per app per tenant. `timeScale` speeds refill up so
 * benchmarks finish; Retry-After is reported in (scaled) seconds, fractional when below one.
 */
export type ThrottleClass = 'reports' | 'conditionalAccess' | 'directory';

export interface BucketSpec {
  capacity: number;
  refillPerSecond: number;
  /** Graph's CA throttling may answer 429 with no Retry-After at all. */
  sendRetryAfter: boolean;
}

export const THROTTLE_LIMITS: Record<'reports' | 'conditionalAccess' | 'directoryRead' | 'directoryWrite', BucketSpec> = {
  reports: { capacity: 5, refillPerSecond: 5 / 10, sendRetryAfter: true },
  conditionalAccess: { capacity: 1, refillPerSecond: 1, sendRetryAfter: false },
  directoryRead: { capacity: 3500, refillPerSecond: 3500 / 10, sendRetryAfter: true },
  directoryWrite: { capacity: 3000, refillPerSecond: 3000 / 150, sendRetryAfter: true },
};

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(private readonly spec: BucketSpec, private readonly timeScale: number, now: number) {
    this.tokens = spec.capacity;
    this.last = now;
  }
  /** Takes `cost` tokens, or returns the seconds (real) until they would be available. */
  take(cost: number, now: number): number | undefined {
    const rate = this.spec.refillPerSecond * this.timeScale;
    this.tokens = Math.min(this.spec.capacity, this.tokens + ((now - this.last) / 1000) * rate);
    this.last = now;
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return undefined;
    }
    return (cost - this.tokens) / rate;
  }
}

export function throttleClassOf(path: string): ThrottleClass {
  const p = path.toLowerCase();
  if (p.startsWith('/reports') || p.startsWith('/auditlogs')) return 'reports';
  if (p.startsWith('/identity/conditionalaccess')) return 'conditionalAccess';
  return 'directory';
}

export interface ThrottleVerdict {
  retryAfterSeconds?: string;
  message: string;
}

export class Throttler {
  private buckets = new Map<string, TokenBucket>();
  constructor(private enabled: boolean, private readonly timeScale: number) {}

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.buckets.clear();
  }
  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Returns undefined when the request may proceed, else how to answer the 429. */
  check(cls: ThrottleClass, method: string, now: number): ThrottleVerdict | undefined {
    if (!this.enabled) return undefined;
    const isWrite = method !== 'GET';
    const key = cls === 'directory' ? (isWrite ? 'directoryWrite' : 'directoryRead') : cls;
    const spec = THROTTLE_LIMITS[key];
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(spec, this.timeScale, now);
      this.buckets.set(key, bucket);
    }
    const wait = bucket.take(1, now);
    if (wait === undefined) return undefined;
    const message = 'Too many requests. Please retry after the interval in the Retry-After header, if any.';
    if (!spec.sendRetryAfter) return { message };
    return { retryAfterSeconds: formatSeconds(wait), message };
  }
}

function formatSeconds(seconds: number): string {
  if (seconds >= 1) return String(Math.ceil(seconds));
  return String(Math.max(0.001, Math.ceil(seconds * 1000) / 1000));
}
