/**
 * The HTTP front: request ids, auth, latency, fault injection (before any effect, so a faulted
 * write is never applied), throttling, routing, the error envelope, and the request log.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runBatch } from './batch.js';
import { handleControl } from './control.js';
import { FaultInjector } from './faults.js';
import { checkPremium, checkRoles } from './permissions.js';
import { errorBody, GraphError } from './graphError.js';
import { RequestLog, type WriteRecord } from './requestLog.js';
import type { ApiRequest, ApiResponse, Ctx } from './routes/common.js';
import { registerConditionalAccessRoutes } from './routes/conditionalAccess.js';
import { registerGroupRoutes } from './routes/groups.js';
import { registerPolicyRoutes } from './routes/policies.js';
import { registerReportRoutes } from './routes/reports.js';
import { Router } from './routes/router.js';
import { registerUserRoutes } from './routes/users.js';
import type { ScenarioName } from './scenarios.js';
import type { Tenant } from './tenant.js';
import { throttleClassOf, Throttler } from './throttle.js';

export interface ServerOptions {
  scenario: ScenarioName;
  seed: number;
  latencyMs: number;
  faults: string | undefined;
  timeScale: number;
  throttle: boolean;
}

export interface AuthSettings {
  /** null = any bearer token is accepted */
  acceptedTokens: string[] | null;
  tokenExpired: boolean;
  /**
   * The application permissions granted to the app; null = not enforced. When set, a request whose
   * endpoint needs a permission not in the list gets Graph's 403 Authorization_RequestDenied.
   */
  roles: string[] | null;
}

const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export function buildRouter(): Router {
  const r = new Router();
  registerPolicyRoutes(r);
  registerConditionalAccessRoutes(r);
  registerGroupRoutes(r);
  registerUserRoutes(r);
  registerReportRoutes(r);
  return r;
}

interface Outcome {
  res: ApiResponse | 'reset';
  kind: WriteRecord['outcome'];
}

export class EmulatorServer {
  readonly router = buildRouter();
  readonly log = new RequestLog();
  readonly faults: FaultInjector;
  readonly throttler: Throttler;
  readonly auth: AuthSettings = { acceptedTokens: null, tokenExpired: false, roles: null };
  /** Entra ID P1/P2 licence: false makes the registration report and sign-in logs answer 403. */
  premium = true;
  origin = '';
  private batchCount = 0;

  constructor(readonly tenant: Tenant, readonly options: ServerOptions) {
    this.faults = new FaultInjector(options.faults, options.seed);
    this.throttler = new Throttler(options.throttle, options.timeScale);
  }

  private ctx(): Ctx {
    return { tenant: this.tenant, origin: this.origin };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const clientRequestId = headerValue(req.headers['client-request-id']);
    const send = (r: ApiResponse): void => {
      const headers: Record<string, string> = { 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId, 'Cache-Control': 'no-cache', ...(r.headers ?? {}) };
      // Like Graph's, the Date header tells the tenant's time (here the emulator's clock, which tests move).
      headers.Date = this.tenant.clock.now().toUTCString();
      if (r.body !== undefined && r.status !== 204) {
        const text = JSON.stringify(r.body);
        headers['Content-Type'] = JSON_TYPE;
        headers['Content-Length'] = String(Buffer.byteLength(text));
        res.writeHead(r.status, headers).end(text);
      } else res.writeHead(r.status, headers).end();
    };
    const fail = (e: unknown): ApiResponse => this.errorResponse(e, requestId, clientRequestId);

    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      send(fail(new GraphError(400, 'BadRequest', 'Invalid request URL.')));
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (e) {
      send(fail(e));
      return;
    }

    if (url.pathname.startsWith('/_emulator/') || url.pathname === '/_emulator') {
      try {
        send(await handleControl(this, method, url.pathname, url.searchParams, body));
      } catch (e) {
        send(fail(e));
      }
      return;
    }

    if (this.options.latencyMs > 0) await new Promise((r) => setTimeout(r, this.options.latencyMs));

    const vm = /^\/(v1\.0|beta)(\/.*)?$/i.exec(url.pathname);
    if (!vm) {
      send(fail(new GraphError(400, 'BadRequest', `Invalid version: the path must start with /v1.0 or /beta ('${url.pathname}').`)));
      return;
    }
    const query = new Map<string, string>();
    for (const [k, v] of url.searchParams) query.set(k.toLowerCase(), v);
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = headerValue(v);
    const apiReq: ApiRequest = { method, version: vm[1]!.toLowerCase(), path: (vm[2] ?? '/').replace(/\/+$/, '') || '/', query, headers, body };

    const authError = this.checkAuth(headers.authorization);
    if (authError) {
      this.log.record(method, throttleClassOf(apiReq.path), apiReq.path, 401, requestId, false, 'error');
      send({ ...fail(authError), headers: { 'WWW-Authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"' } });
      return;
    }

    if (apiReq.path.toLowerCase() === '/$batch') {
      if (method !== 'POST') {
        send(fail(new GraphError(405, 'Request_BadRequest', 'Only POST is allowed on $batch.')));
        return;
      }
      const items = (body as { requests?: unknown } | undefined)?.requests;
      const carriesWrite = !Array.isArray(items) || items.some((r) => String((r as { method?: unknown } | null)?.method ?? '').toUpperCase() !== 'GET');
      const fault = this.faults.draw(true);
      if (fault !== undefined) {
        this.log.record(method, 'batch', apiReq.path, fault === 'reset' ? 0 : fault, requestId, false, fault === 'reset' ? 'reset' : 'fault', carriesWrite);
        if (fault === 'reset') req.socket.destroy();
        else send(this.faultResponse(fault, requestId, clientRequestId));
        return;
      }
      try {
        const result = await runBatch(apiReq, async (item) => {
          const itemId = randomUUID();
          const out = await this.execute(item, itemId, undefined, true);
          return out.res === 'reset' ? this.faultResponse(503, itemId, undefined) : out.res;
        }, this.options.seed ^ ++this.batchCount);
        this.log.record(method, 'batch', apiReq.path, result.status, requestId, false, 'applied', carriesWrite);
        send(result);
      } catch (e) {
        const r = fail(e);
        this.log.record(method, 'batch', apiReq.path, r.status, requestId, false, 'error', carriesWrite);
        send(r);
      }
      return;
    }

    const out = await this.execute(apiReq, requestId, clientRequestId, false);
    if (out.res === 'reset') {
      req.socket.destroy();
      return;
    }
    send(out.res);
  }

  /** One API request or $batch item: fault → throttle → handler, logged once. */
  private async execute(req: ApiRequest, requestId: string, clientRequestId: string | undefined, inBatch: boolean): Promise<Outcome> {
    const cls = throttleClassOf(req.path);
    const done = (o: Outcome): Outcome => {
      const status = o.res === 'reset' ? 0 : o.res.status;
      this.log.record(req.method, cls, req.path, status, requestId, inBatch, o.kind);
      return o;
    };
    const fault = this.faults.draw(!inBatch);
    if (fault === 'reset') return done({ res: 'reset', kind: 'reset' });
    if (fault !== undefined) return done({ res: this.faultResponse(fault, requestId, clientRequestId), kind: 'fault' });
    const denied = checkRoles(this.auth.roles, req.method, req.path) ?? checkPremium(this.premium, req.method, req.path);
    if (denied) return done({ res: this.errorResponse(denied, requestId, clientRequestId), kind: 'error' });
    const verdict = this.throttler.check(cls, req.method, performance.now());
    if (verdict) {
      const r = this.errorResponse(new GraphError(429, 'TooManyRequests', verdict.message), requestId, clientRequestId);
      if (verdict.retryAfterSeconds !== undefined) r.headers = { ...(r.headers ?? {}), 'Retry-After': verdict.retryAfterSeconds };
      return done({ res: r, kind: 'throttled' });
    }
    try {
      const res = await this.router.dispatch(req, this.ctx());
      if (req.method === 'GET' && res.status === 200) {
        const value = (res.body as { value?: unknown } | undefined)?.value;
        this.log.recordRead(cls, req.path, req.query, Array.isArray(value) ? value.length : 1, inBatch);
      }
      return done({ res, kind: 'applied' });
    } catch (e) {
      return done({ res: this.errorResponse(e, requestId, clientRequestId), kind: 'error' });
    }
  }

  private checkAuth(header: string | undefined): GraphError | undefined {
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) return new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    if (this.auth.acceptedTokens && !this.auth.acceptedTokens.includes(m[1]!)) {
      return new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    }
    if (this.auth.tokenExpired) return new GraphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    return undefined;
  }

  private faultResponse(kind: 429 | 503 | 504, requestId: string, clientRequestId: string | undefined): ApiResponse {
    if (kind === 429) {
      const r = this.errorResponse(new GraphError(429, 'TooManyRequests', 'Too many requests (injected fault).'), requestId, clientRequestId);
      r.headers = { 'Retry-After': String(Math.max(0.001, Math.round(1000 / this.options.timeScale) / 1000)) };
      return r;
    }
    if (kind === 503) return this.errorResponse(new GraphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable (injected fault).'), requestId, clientRequestId);
    return this.errorResponse(new GraphError(504, 'UnknownError', 'Gateway timeout (injected fault).'), requestId, clientRequestId);
  }

  errorResponse(e: unknown, requestId: string, clientRequestId: string | undefined): ApiResponse {
    const date = this.tenant.clock.nowIso();
    if (e instanceof GraphError) {
      return { status: e.status, headers: { ...e.headers }, body: errorBody(e.code, e.message, requestId, date, clientRequestId) };
    }
    const message = e instanceof Error ? e.message : String(e);
    return { status: 500, body: errorBody('generalException', `Emulator failure: ${message}`, requestId, date, clientRequestId) };
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
}
