/**
 * Per-class token buckets, as Graph throttles per app per tenant. `timeScale` speeds refill up so
 * benchmarks finish; Retry-After is reported in (scaled) seconds, fractional when below one.
 *
 * Facts from Learn "Microsoft Graph service-specific throttling limits":
 * - Identity and access reports: 5 requests per 10 s per app per tenant. The resources it lists
 *   include auditLogRoot, directoryAudit, signIn and authenticationMethod.
 * - Identity and access (directory): a resource-unit bucket per app+tenant of 3,500 / 5,000 / 8,000
 *   per 10 s for tenants under 50 / 50-500 / over 500 users, and a write quota of 3,000 per
 *   2 min 30 s. Base costs: GET users 2, GET groups/{id}/members 3, GET groups/{id}/transitiveMembers 5,
 *   POST me/checkMemberGroups 4 (the same for users/{id}/), anything else 1; `$select` -1, `$expand` +1,
 *   `$top` below 20 -1, never below 1; a write costs 1 of the write quota.
 * - Identity protection and conditional access: 1 request per second per tenant, no Retry-After.
 * - $batch items are evaluated one by one (each item is checked here, as the server runs it).
 * UNVERIFIED: which limit governs /users/{id}/authentication/*. The reports list names
 * authenticationMethod (its source notes "Changed authenticationMethodsRoot to authenticationMethod"),
 * so it may be 5 per 10 s; `authMethods: 'reports'` models that reading, 'directory' (the default) the
 * resource-unit one. Clients must pace from the 429s they see either way.
 */
export type ThrottleClass = 'reports' | 'conditionalAccess' | 'directory';

export interface BucketSpec {
  capacity: number;
  refillPerSecond: number;
  /** Graph's CA throttling may answer 429 with no Retry-After at all. */
  sendRetryAfter: boolean;
}

/** directoryRead is the smallest tenant's resource-unit bucket; see DIRECTORY_RESOURCE_UNITS. */
export const THROTTLE_LIMITS: Record<'reports' | 'conditionalAccess' | 'directoryRead' | 'directoryWrite', BucketSpec> = {
  reports: { capacity: 5, refillPerSecond: 5 / 10, sendRetryAfter: true },
  conditionalAccess: { capacity: 1, refillPerSecond: 1, sendRetryAfter: false },
  directoryRead: { capacity: 3500, refillPerSecond: 3500 / 10, sendRetryAfter: true },
  directoryWrite: { capacity: 3000, refillPerSecond: 3000 / 150, sendRetryAfter: true },
};

/** Resource units per 10 s by tenant size (S under 50 users, M 50-500, L above 500). */
export function directoryResourceUnits(userCount: number): number {
  return userCount < 50 ? 3500 : userCount <= 500 ? 5000 : 8000;
}

/** The resource-unit cost of a directory request, per Learn's base-cost table and its modifiers. */
export function resourceUnitCost(method: string, path: string, query: ReadonlyMap<string, string> = new Map()): number {
  const p = path.toLowerCase().replace(/\/+$/, '');
  let cost = 1;
  if (method === 'GET') {
    if (p === '/users') cost = 2;
    else if (/^\/groups\/[^/]+\/members(\/[^/]+)?$/.test(p)) cost = 3;
    else if (/^\/groups\/[^/]+\/transitivemembers(\/[^/]+)?$/.test(p)) cost = 5;
  } else if (method === 'POST' && /^\/users\/[^/]+\/checkmembergroups$/.test(p)) cost = 4;
  if (method === 'GET') {
    if (query.has('$select')) cost -= 1;
    if (query.has('$expand')) cost += 1;
    const top = Number(query.get('$top'));
    if (query.has('$top') && top < 20) cost -= 1;
  }
  return Math.max(1, cost);
}

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(private readonly spec: BucketSpec, private readonly timeScale: number, now: number) {
    this.tokens = spec.capacity;
    this.last = now;
  }
  private refill(now: number): number {
    const rate = this.spec.refillPerSecond * this.timeScale;
    this.tokens = Math.min(this.spec.capacity, this.tokens + ((now - this.last) / 1000) * rate);
    this.last = now;
    return rate;
  }
  /** Seconds (real) until `cost` tokens would be there; 0 when they are now. Takes nothing. */
  wait(cost: number, now: number): number {
    const rate = this.refill(now);
    return this.tokens >= cost ? 0 : (Math.min(cost, this.spec.capacity) - this.tokens) / rate;
  }
  take(cost: number): void {
    this.tokens -= cost;
  }
}

export type AuthMethodsThrottle = 'directory' | 'reports';

export function throttleClassOf(path: string, authMethods: AuthMethodsThrottle = 'directory'): ThrottleClass {
  const p = path.toLowerCase();
  if (p.startsWith('/reports') || p.startsWith('/auditlogs')) return 'reports';
  if (p.startsWith('/identity/conditionalaccess')) return 'conditionalAccess';
  if (authMethods === 'reports' && /^\/users\/[^/]+\/authentication(\/|$)/.test(p)) return 'reports';
  return 'directory';
}

export interface ThrottleVerdict {
  retryAfterSeconds?: string;
  message: string;
}

export class Throttler {
  private buckets = new Map<string, TokenBucket>();
  /** Which limit per-user authentication-method calls fall under (UNVERIFIED; see the module comment). */
  authMethods: AuthMethodsThrottle = 'directory';

  constructor(
    private enabled: boolean,
    private readonly timeScale: number,
    /** The tenant's size picks the resource-unit bucket. */
    private readonly userCount = 0,
  ) {}

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.buckets.clear();
  }
  get isEnabled(): boolean {
    return this.enabled;
  }

  classOf(path: string): ThrottleClass {
    return throttleClassOf(path, this.authMethods);
  }

  private bucket(key: keyof typeof THROTTLE_LIMITS, now: number): { bucket: TokenBucket; spec: BucketSpec } {
    let spec = THROTTLE_LIMITS[key];
    if (key === 'directoryRead') {
      const units = directoryResourceUnits(this.userCount);
      spec = { ...spec, capacity: units, refillPerSecond: units / 10 };
    }
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(spec, this.timeScale, now);
      this.buckets.set(key, bucket);
    }
    return { bucket, spec };
  }

  /**
   * Returns undefined when the request may proceed, else how to answer the 429. A directory request
   * takes its resource units (`units`, from resourceUnitCost), and a write also one of the write quota.
   */
  check(cls: ThrottleClass, method: string, now: number, units = 1): ThrottleVerdict | undefined {
    if (!this.enabled) return undefined;
    const isWrite = method !== 'GET';
    const takes: Array<{ key: keyof typeof THROTTLE_LIMITS; cost: number }> =
      cls === 'directory' ? [{ key: 'directoryRead', cost: units }, ...(isWrite ? [{ key: 'directoryWrite' as const, cost: 1 }] : [])] : [{ key: cls, cost: 1 }];
    let wait = 0;
    let sendRetryAfter = true;
    const held = takes.map((t) => ({ ...t, ...this.bucket(t.key, now) }));
    for (const h of held) {
      const w = h.bucket.wait(h.cost, now);
      if (w > 0) {
        wait = Math.max(wait, w);
        sendRetryAfter &&= h.spec.sendRetryAfter;
      }
    }
    if (wait === 0) {
      for (const h of held) h.bucket.take(h.cost);
      return undefined;
    }
    const message = 'Too many requests. Please retry after the interval in the Retry-After header, if any.';
    if (!sendRetryAfter) return { message };
    return { retryAfterSeconds: formatSeconds(wait), message };
  }
}

function formatSeconds(seconds: number): string {
  if (seconds >= 1) return String(Math.ceil(seconds));
  return String(Math.max(0.001, Math.ceil(seconds * 1000) / 1000));
}
