/**
 * The gateway: the only door to Microsoft Graph. Over ~400 lines on purpose: one class whose request,
 * paging and `$batch` methods share its private state (limiter, deadline, counters, origin checks);
 * what could stand alone lives beside it (response.ts reads answers, connect.ts builds a gateway
 * from the environment, retryMiddleware.ts and batch.ts retry).
 */
import { randomUUID } from 'node:crypto';
import { Client, ResponseType } from '@microsoft/microsoft-graph-client';
import type { Middleware } from '@microsoft/microsoft-graph-client';
import { UserError } from '../errors.js';
import type { BatchItem, BatchItemResult, HttpMethod } from './batch.js';
import { executeBatch } from './batch.js';
import type { TokenProvider } from './credentials.js';
import type { GraphEndpoints } from './endpoints.js';
import { assertAllowedGraphUrl, isLoopbackHost } from './endpoints.js';
import { GraphRequestError } from './graphError.js';
import { unsafePathReason } from './odata.js';
import { readResponse } from './response.js';
import { NodeHttpTransport, type HttpHeaders, type HttpResponse } from './transport.js';
import type { CommandDeadline, GraphStats, RetryOptions } from './middleware.js';
import { AuthMiddleware, DEFAULT_RETRY, NO_DEADLINE, RequestPolicy, ThrottleMiddleware, emptyStats } from './middleware.js';
import { RetryMiddleware } from './retryMiddleware.js';
import type { Clock, ThrottleClass, ThrottleLimit } from './rateLimiter.js';
import { RateLimiter, classifyPath, requestCost, systemClock } from './rateLimiter.js';
import type { GrantedPermissions } from './tokenClaims.js';
import { decodeJwtClaims, grantedPermissions } from './tokenClaims.js';

export interface GraphGatewayOptions {
  endpoints: GraphEndpoints;
  /** Omit for an anonymous endpoint (a local emulator that wants no token). */
  tokenProvider?: TokenProvider | undefined;
  retry?: Partial<RetryOptions> | undefined;
  limits?: Partial<Record<ThrottleClass, Partial<ThrottleLimit>>> | undefined;
  /**
   * Speed-up factor, as the emulator's `--time-scale`: limiter windows and backoff waits are divided by
   * it (200 = 200x shorter, for benchmarks against a time-scaled emulator); 1 for real Graph. A server's
   * Retry-After is always honoured as sent.
   */
  timeScale?: number | undefined;
  clock?: Clock | undefined;
  /** Jitter source in [0, 1). */
  random?: (() => number) | undefined;
  /** Per-attempt timeout (ms); 0 disables. */
  requestTimeoutMs?: number | undefined;
  /** Replaces the node:http transport at the end of the chain (tests, recording); it must set an HttpResponse. */
  transport?: Middleware | undefined;
  /** Largest response body read (bytes); a longer one is an error, read no further. */
  maxResponseBytes?: number | undefined;
  /** Most pages followed for one collection. */
  maxPages?: number | undefined;
  /** The whole command's time limit (ms, from the gateway's creation); 0 or Infinity: none. */
  deadlineMs?: number | undefined;
  /** Where the limits came from, for messages (`ENTRA_ROLLOUT_DEADLINE_SECONDS`…). */
  limitSettings?: Partial<Record<'maxResponseBytes' | 'maxPages' | 'deadlineMs', string>> | undefined;
}

/**
 * Bounds on what one command accepts from Graph, generous for real tenants: the largest real pages
 * (999 audit events with Conditional Access policy JSON in their modified properties) are a few MB;
 * 10,000 pages of 999 is ten million items; GitHub Actions ends a job after 6 hours.
 */
export const DEFAULT_LIMITS = {
  maxResponseBytes: 64 * 1024 * 1024,
  maxPages: 10_000,
  deadlineMs: 5 * 3_600_000,
} as const;

export interface RequestOptions {
  /** Send to the beta endpoint (derived from the v1.0 base). */
  beta?: boolean;
  /** POST only: the request may safely be repeated (reads in a `$batch`, `$ref` adds, revokeSignInSessions). */
  idempotent?: boolean;
  headers?: Record<string, string>;
}

export interface PageOptions extends RequestOptions {
  /** Called after each page with the number of items so far. */
  onProgress?: (itemsSoFar: number) => void;
  /** Stops paging before the next request once aborted (the signal's reason is thrown). */
  signal?: AbortSignal | undefined;
}

export interface BatchOptions {
  beta?: boolean;
  /** Envelopes in flight at once (default 4). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** false: no per-item retries; throttled or failed items come back for the caller to re-send. */
  retryItems?: boolean;
}

export interface GraphResponse<T> {
  status: number;
  headers: HttpHeaders;
  data: T | undefined;
}

interface ODataPage<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

interface Target {
  /** What the SDK gets: a path under its base, or an absolute https URL for a foreign host. */
  apiPath: string;
  version: string;
  /** Path relative to the version root (what messages and the throttle classifier use). */
  display: string;
  classPath: string;
}

const DEFAULT_TIMEOUT_MS = 100_000;

/** The only door to Microsoft Graph. */
export class GraphGateway {
  readonly endpoints: GraphEndpoints;
  private readonly client: Client;
  private readonly limiter: RateLimiter;
  private readonly counters: GraphStats = emptyStats();
  private readonly clock: Clock;
  private readonly random: () => number;
  /** Multiplier for client-side waits: 1 / options.timeScale. */
  private readonly waitScale: number;
  private readonly retry: RetryOptions;
  private readonly rootPath: string;
  private readonly loopback: boolean;
  private readonly tokenProvider: TokenProvider | undefined;
  private readonly maxResponseBytes: number;
  private readonly maxPages: number;
  private readonly deadline: CommandDeadline;
  private readonly settings: NonNullable<GraphGatewayOptions['limitSettings']>;

  constructor(options: GraphGatewayOptions) {
    this.endpoints = options.endpoints;
    this.tokenProvider = options.tokenProvider;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.waitScale = 1 / (options.timeScale ?? 1);
    this.retry = { ...DEFAULT_RETRY, ...(options.retry ?? {}) };
    this.limiter = new RateLimiter({ limits: options.limits, timeScale: this.waitScale, clock: this.clock });
    this.settings = options.limitSettings ?? {};
    this.maxResponseBytes = positiveLimit(options.maxResponseBytes, DEFAULT_LIMITS.maxResponseBytes, 'maxResponseBytes');
    this.maxPages = positiveLimit(options.maxPages, DEFAULT_LIMITS.maxPages, 'maxPages');
    const deadlineMs = options.deadlineMs ?? DEFAULT_LIMITS.deadlineMs;
    if (deadlineMs > 0 && Number.isFinite(deadlineMs)) {
      const at = this.clock.now() + deadlineMs;
      this.deadline = { remainingMs: () => at - this.clock.now(), totalMs: deadlineMs, setting: this.settings.deadlineMs ?? '' };
    } else this.deadline = NO_DEADLINE;
    const root = new URL(this.endpoints.rootUrl);
    this.rootPath = root.pathname.replace(/\/+$/, '');
    this.loopback = isLoopbackHost(root.hostname);
    const middleware: Middleware[] = [
      new AuthMiddleware(options.tokenProvider, (url) => this.isGraphOrigin(url), this.counters),
      new RetryMiddleware(this.retry, this.limiter, this.clock, this.random, this.waitScale, this.counters, this.deadline),
      new ThrottleMiddleware(this.limiter, this.counters, options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS, this.deadline),
      options.transport ?? new NodeHttpTransport(),
    ];
    this.client = Client.initWithMiddleware({
      middleware,
      baseUrl: this.endpoints.rootUrl,
      defaultVersion: this.endpoints.version,
    });
  }

  /** The gateway's time source: everything that paces or retries Graph work shares it (tests inject a fake). */
  get time(): Clock {
    return this.clock;
  }

  /** ms left before the command's deadline (Infinity without one). */
  deadlineRemainingMs(): number {
    return this.deadline.remainingMs();
  }

  /** How the deadline was set, for messages (`ENTRA_ROLLOUT_DEADLINE_SECONDS=…`), and its length. */
  get deadlineSetting(): { totalMs: number; setting: string } {
    return { totalMs: this.deadline.totalMs, setting: this.deadline.setting };
  }

  /** The speed-up factor client-side waits are divided by (1 for real Graph). */
  get timeScale(): number {
    return 1 / this.waitScale;
  }

  get baseUrl(): string {
    return this.endpoints.baseUrl;
  }

  get betaBaseUrl(): string {
    return this.endpoints.betaBaseUrl;
  }

  /** Same origin as the configured Graph; on loopback, localhost/127.x/[::1] with the same port count as one. */
  isGraphOrigin(url: URL): boolean {
    const base = new URL(this.endpoints.origin);
    if (url.origin === base.origin) return true;
    return this.loopback && isLoopbackHost(url.hostname) && url.protocol === base.protocol && url.port === base.port;
  }

  /**
   * What the bearer token grants (its `roles` or `scp` claim), read from the token's payload; the
   * token itself never leaves this method. `reason` says why nothing could be read.
   */
  async tokenGrants(): Promise<{ grants: GrantedPermissions } | { reason: string }> {
    if (!this.tokenProvider) return { reason: 'no token is used for this endpoint (anonymous)' };
    const claims = decodeJwtClaims(await this.tokenProvider.getToken());
    if (!claims) return { reason: 'the token is not a JWT, so its permissions cannot be read (an opaque ENTRA_ROLLOUT_TOKEN?)' };
    return { grants: grantedPermissions(claims) };
  }

  stats(): GraphStats {
    const s = structuredClone(this.counters);
    s.limiterWaitMs = this.limiter.totalWaitMs;
    return s;
  }

  /** Map a caller path or an absolute link (a nextLink) onto what the SDK can send. */
  private target(pathOrUrl: string, beta: boolean | undefined, method: string): Target {
    const defaultVersion = beta ? 'beta' : this.endpoints.version;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl)) {
      const rel = pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`;
      assertSafePath(method, rel, rel);
      return { apiPath: protectQuery(rel), version: defaultVersion, display: rel, classPath: rel };
    }
    let url: URL;
    try {
      url = new URL(pathOrUrl);
    } catch {
      throw new UserError(`Invalid Graph link ${JSON.stringify(pathOrUrl.slice(0, 200))}`);
    }
    if (this.isGraphOrigin(url)) {
      let rest = url.pathname;
      if (this.rootPath && (rest === this.rootPath || rest.startsWith(`${this.rootPath}/`))) rest = rest.slice(this.rootPath.length);
      const m = /^\/(v\d+(?:\.\d+)?|beta)(\/.*)?$/i.exec(rest);
      const version = m ? m[1]! : defaultVersion;
      const path = (m ? (m[2] ?? '/') : rest) + url.search;
      assertSafePath(method, path, path);
      return { apiPath: protectQuery(path), version, display: path, classPath: path };
    }
    // A foreign host: allowed over https only (the SDK parses https URLs), and never with our token.
    assertAllowedGraphUrl(url.href, 'link');
    if (url.protocol !== 'https:') {
      throw new UserError(`Cannot follow the plain-http link to ${url.origin}: it is not the configured Graph endpoint ${this.endpoints.origin}`);
    }
    assertSafePath(method, url.pathname, url.href);
    const classPath = url.pathname.replace(/^\/[^/]*/, '') + url.search;
    return { apiPath: url.href, version: defaultVersion, display: url.href, classPath };
  }

  /** Send one request; returns status, headers and the parsed JSON body (undefined when empty). */
  async request<T>(
    method: HttpMethod,
    pathOrUrl: string,
    body?: unknown,
    options: RequestOptions & { throttleClass?: ThrottleClass; cost?: number } = {},
  ): Promise<GraphResponse<T>> {
    const t = this.target(pathOrUrl, options.beta, method);
    const idempotent = method !== 'POST' || options.idempotent === true;
    const policy = new RequestPolicy(method, t.display, idempotent, options.throttleClass ?? classifyPath(t.classPath), options.cost ?? requestCost(method, t.classPath));
    const req = this.client
      .api(t.apiPath)
      .version(t.version)
      .responseType(ResponseType.RAW)
      .middlewareOptions([policy])
      .header('client-request-id', randomUUID());
    for (const [k, v] of Object.entries(options.headers ?? {})) {
      if (k.toLowerCase() !== 'authorization') req.header(k, v);
    }
    let res: HttpResponse;
    try {
      switch (method) {
        case 'GET':
          res = (await req.get()) as HttpResponse;
          break;
        case 'POST':
          res = (await req.post(body)) as HttpResponse;
          break;
        case 'PATCH':
          res = (await req.patch(body)) as HttpResponse;
          break;
        case 'PUT':
          res = (await req.put(body)) as HttpResponse;
          break;
        case 'DELETE':
          res = (await req.delete()) as HttpResponse;
          break;
      }
    } catch (err) {
      if (policy.error) throw policy.error;
      throw new GraphRequestError({
        method,
        path: t.display,
        status: 0,
        reason: `request failed: ${String((err as Error)?.message ?? err).split('\n')[0]}`,
        outcomeUnknown: !idempotent,
        kind: 'transport',
        cause: err,
      });
    }
    this.noteServerDate(res.headers.get('date'));
    return readResponse<T>(res, policy, this.maxResponseBytes, this.settings.maxResponseBytes);
  }

  private serverOffsetMs: number | undefined;

  private noteServerDate(header: string | null): void {
    const at = header ? Date.parse(header) : Number.NaN;
    if (Number.isFinite(at)) this.serverOffsetMs = at - this.clock.now();
  }

  /**
   * The tenant's time, from the last response's Date header (whole seconds), else the local clock.
   * Gates compare it with audit and report timestamps written by the same service, so a skewed
   * local clock cannot pass a soak gate early.
   */
  serverNow(): Date {
    return new Date(this.clock.now() + (this.serverOffsetMs ?? 0));
  }

  async get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('GET', path, undefined, options)).data as T;
  }

  /** GET that turns a 404 into `undefined`. */
  async getOrUndefined<T>(path: string, options: RequestOptions = {}): Promise<T | undefined> {
    try {
      return await this.get<T>(path, options);
    } catch (err) {
      if (err instanceof GraphRequestError && err.status === 404) return undefined;
      throw err;
    }
  }

  async post<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('POST', path, body, options)).data as T;
  }

  async patch<T = undefined>(path: string, body: unknown, options: RequestOptions = {}): Promise<T | undefined> {
    return (await this.request<T>('PATCH', path, body, options)).data;
  }

  async put<T = undefined>(path: string, body: unknown, options: RequestOptions = {}): Promise<T | undefined> {
    return (await this.request<T>('PUT', path, body, options)).data;
  }

  async delete(path: string, options: RequestOptions = {}): Promise<void> {
    await this.request('DELETE', path, undefined, options);
  }

  /** Pages of a collection, following `@odata.nextLink` (absolute on any allowed host, or relative). */
  async *pages<T>(path: string, options: PageOptions = {}): AsyncGenerator<T[], void, undefined> {
    let next: string | undefined = path;
    let count = 0;
    let pagesRead = 0;
    const seen = new Set<string>();
    while (next !== undefined) {
      options.signal?.throwIfAborted();
      if (pagesRead >= this.maxPages) {
        // A collection that never ends (a server handing out fresh nextLinks forever) must not run
        // until the deadline with every page kept in memory.
        throw new GraphRequestError({
          method: 'GET',
          path,
          status: 0,
          reason: `more than ${this.maxPages} pages${this.settings.maxPages ? ` (${this.settings.maxPages})` : ''}; stopped following @odata.nextLink`,
          kind: 'limit',
        });
      }
      pagesRead++;
      const res: GraphResponse<ODataPage<T>> = await this.request<ODataPage<T>>('GET', next, undefined, options);
      const page = res.data;
      const requestId = res.headers.get('request-id') ?? undefined;
      if (!page || typeof page !== 'object' || !Array.isArray(page.value)) {
        throw new GraphRequestError({
          method: 'GET',
          path: next,
          status: res.status,
          reason: 'malformed response: a collection without a "value" array',
          requestId,
          kind: 'malformed',
        });
      }
      // A null entity would surface later as a TypeError far from the page that brought it.
      const bad = page.value.indexOf(null as T);
      if (bad >= 0) {
        throw new GraphRequestError({
          method: 'GET',
          path: next,
          status: res.status,
          reason: `malformed response: item ${bad} of "value" is null, not an object`,
          requestId,
          kind: 'malformed',
        });
      }
      count += page.value.length;
      options.onProgress?.(count);
      yield page.value;
      const link: unknown = page['@odata.nextLink'];
      if (link === undefined || link === null || link === '') break;
      if (typeof link !== 'string') {
        throw new GraphRequestError({ method: 'GET', path: next, status: res.status, reason: 'malformed response: @odata.nextLink is not a string', requestId, kind: 'malformed' });
      }
      if (seen.has(link)) {
        throw new GraphRequestError({ method: 'GET', path: next, status: res.status, reason: 'paging loop: the same @odata.nextLink came back twice', requestId, kind: 'malformed' });
      }
      seen.add(link);
      next = this.resolveLink(link, options.beta);
    }
  }

  /** Every item of a collection. */
  async listAll<T>(path: string, options: PageOptions = {}): Promise<T[]> {
    const all: T[] = [];
    for await (const page of this.pages<T>(path, options)) all.push(...page);
    return all;
  }

  /** A relative nextLink is taken relative to the base (`/v1.0/users?…` or `users?…` both work). */
  private resolveLink(link: string, beta: boolean | undefined): string {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) return link;
    const base = beta ? this.endpoints.betaBaseUrl : this.endpoints.baseUrl;
    if (link.startsWith('/')) {
      const abs = new URL(link, this.endpoints.origin);
      // `/v1.0/users?…` carries its version; `/users?…` is under the current version.
      const under = abs.pathname.slice(this.rootPath.length);
      if (abs.pathname.startsWith(`${this.rootPath}/`) && /^\/(v\d+(?:\.\d+)?|beta)(\/|$)/i.test(under)) return abs.href;
      return link;
    }
    return new URL(link, `${base}/`).href;
  }

  /** Requests in `$batch` envelopes of 20; per-item results in input order. */
  async batch<T = unknown>(items: readonly BatchItem[], options: BatchOptions = {}): Promise<BatchItemResult<T>[]> {
    return executeBatch<T>(
      {
        send: async (envelope, throttleClass, cost, idempotent) => {
          const res = await this.request<unknown>('POST', '/$batch', envelope, {
            beta: options.beta ?? false,
            idempotent,
            throttleClass,
            cost,
          });
          const data = res.data as { responses?: unknown } | undefined;
          if (!data || !Array.isArray(data.responses)) {
            throw new GraphRequestError({
              method: 'POST',
              path: '/$batch',
              status: res.status,
              reason: 'malformed response: a $batch reply without a "responses" array',
              requestId: res.headers.get('request-id') ?? undefined,
              kind: 'malformed',
              outcomeUnknown: !idempotent,
            });
          }
          return data;
        },
        clock: this.clock,
        random: this.random,
        timeScale: this.waitScale,
        retry: this.retry,
        limiter: this.limiter,
        stats: this.counters,
        deadlineRemainingMs: () => this.deadline.remainingMs(),
      },
      items,
      {
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.retryItems !== undefined ? { retryItems: options.retryItems } : {}),
      },
    );
  }
}

/** The SDK strips an https URL from anywhere in the path: keep one inside a query encoded. */
function protectQuery(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  return path.slice(0, q) + path.slice(q).replace(/https:\/\//gi, 'https%3A%2F%2F');
}

function assertSafePath(method: string, path: string, shown: string): void {
  const why = unsafePathReason(path);
  if (why !== undefined) throw new GraphRequestError({ method, path: shown, status: 0, reason: `refused before sending: ${why}`, final: true, kind: 'refused' });
}

function positiveLimit(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!(n > 0)) throw new RangeError(`${name} must be positive, got ${n}`);
  return n;
}

export { LIMIT_ENV, connectGraph, limitsFromEnv, type ConnectGraphOptions } from './connect.js';
