/**
 * The HTTP front: request ids, auth, latency, fault injection (before any effect, so a faulted
 * write is never applied), throttling, routing, the error envelope, and the request log.
 * Over ~400 lines on purpose: one pipeline, read top to bottom in the order Graph applies its steps,
 * whose stages share the request's state; routes, faults, throttle and log live in their own files.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runBatch } from './batch.js';
import { handleControl } from './control.js';
import { AFTER_EXECUTION, type FaultRule, FaultInjector, faultContent } from './faults.js';
import { checkPremium, checkRoles, tokenTenantId } from './permissions.js';
import { errorBody, GraphError } from './graphError.js';
import type { HoldPoint } from './hold.js';
import { RequestLog, type WriteRecord } from './requestLog.js';
import type { ApiRequest, ApiResponse, Ctx, UndocumentedQueryMode } from './routes/common.js';
import { registerConditionalAccessRoutes } from './routes/conditionalAccess.js';
import { registerGroupRoutes } from './routes/groups.js';
import { registerOrganizationRoutes } from './routes/organization.js';
import { registerPolicyRoutes } from './routes/policies.js';
import { registerReportRoutes } from './routes/reports.js';
import { Router } from './routes/router.js';
import { registerUserRoutes } from './routes/users.js';
import { registerStrengthAndLocationRoutes } from './routes/strengthsLocations.js';
import type { ScenarioName } from './scenarios.js';
import { sortKeysDeep, type Tenant } from './tenant.js';
import { resourceUnitCost, Throttler } from './throttle.js';

export interface ServerOptions {
  scenario: ScenarioName;
  seed: number;
  latencyMs: number;
  answerLatencyMs: number;
  faults: string | undefined;
  timeScale: number;
  throttle: boolean;
}

export interface AuthSettings {
  /** null = any bearer token is accepted */
  acceptedTokens: string[] | null;
  tokenExpired: boolean;
  /** These tokens get Graph's 401 for an expired token (others are still accepted). */
  expiredTokens: string[];
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
  registerOrganizationRoutes(r);
  registerStrengthAndLocationRoutes(r);
  return r;
}

/** A response as it goes on the wire, possibly damaged by an injected fault. */
interface WireResponse extends ApiResponse {
  /** Send this text as is instead of JSON (an HTML error page). */
  raw?: { contentType: string; text: string };
  /** No request-id / client-request-id headers: the answer did not come from Graph. */
  bare?: boolean;
  /** Cut the JSON body short (Content-Length matches what is sent). */
  truncate?: boolean;
  /** Send no answer at all (the `stall` fault): the client waits until it gives up. */
  stall?: boolean;
  /** Stream a JSON collection of this many megabytes, chunked (the `hugebody` fault). */
  streamMb?: number;
}

interface Outcome {
  res: WireResponse | 'reset';
  kind: WriteRecord['outcome'];
  /** The request log's record of it, when it was a write. */
  record?: WriteRecord | undefined;
}

export class EmulatorServer {
  readonly router = buildRouter();
  readonly log = new RequestLog();
  readonly faults: FaultInjector;
  readonly throttler: Throttler;
  readonly auth: AuthSettings = { acceptedTokens: null, tokenExpired: false, expiredTokens: [], roles: null };
  /** Entra ID P1/P2 licence: false makes the registration report and sign-in logs answer 403. */
  premium = true;
  origin = '';
  private batchCount = 0;
  /** Requests that arrived at the `redirect` fault's target: anything here was re-sent by a client. */
  readonly redirected: Array<{ method: string; path: string; hasBody: boolean; authorization: boolean }> = [];
  private endlessCount = 0;

  constructor(readonly tenant: Tenant, readonly options: ServerOptions) {
    this.faults = new FaultInjector(options.faults, options.seed);
    this.throttler = new Throttler(options.throttle, options.timeScale, tenant.userCount);
  }

  /** Query options an endpoint's page does not document: ignored (default), rejected or honoured. */
  undocumentedQuery: UndocumentedQueryMode = 'ignore';

  private ctx(): Ctx {
    return { tenant: this.tenant, origin: this.origin, undocumentedQuery: this.undocumentedQuery, roles: this.auth.roles };
  }

  /** Graph requests received whose handling has not finished (answered, or the client gone). */
  inFlight = 0;
  /** A crash test's hold point (POST /_emulator/hold), if one is set. */
  hold: HoldPoint | undefined;

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Counted so a test can wait for a killed client's last requests to settle instead of sleeping.
    const api = !(req.url ?? '').startsWith('/_emulator');
    if (api) {
      this.inFlight++;
      this.log.changed();
    }
    try {
      const held = api ? this.hold?.arrive(this.log.writes.length) : undefined;
      if (held) {
        this.log.changed();
        await held;
      }
      await this.handleRequest(req, res);
    } finally {
      if (api) {
        this.inFlight--;
        this.log.changed();
      }
    }
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const clientRequestId = headerValue(req.headers['client-request-id']);
    const gone = (): boolean => res.destroyed || req.socket.destroyed;
    const send = (r: WireResponse): void => {
      if (gone()) return; // the client went away (a timeout while a slow fault held the answer)
      if (r.stall) return; // never answered; closing the emulator ends the connection
      const ids: Record<string, string> = r.bare ? {} : { 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId };
      const headers: Record<string, string> = { ...ids, 'Cache-Control': 'no-cache', ...(r.headers ?? {}) };
      // Like Graph's, the Date header tells the tenant's time (here the emulator's clock, which tests move).
      headers.Date = this.tenant.clock.now().toUTCString();
      if (r.streamMb !== undefined) {
        headers['Content-Type'] = JSON_TYPE;
        void streamHugeCollection(res, r.status, headers, r.streamMb);
      } else if (r.raw) {
        headers['Content-Type'] = r.raw.contentType;
        headers['Content-Length'] = String(Buffer.byteLength(r.raw.text));
        res.writeHead(r.status, headers).end(r.raw.text);
      } else if (r.body !== undefined && r.status !== 204) {
        let text = JSON.stringify(r.body);
        if (r.truncate) text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
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
        send(await handleControl(this, method, url.pathname, url.searchParams, body, req.headers.authorization !== undefined));
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
      this.log.record(method, this.throttler.classOf(apiReq.path), apiReq.path, 401, requestId, false, 'error', { clientRequestId, bodySha256: method !== 'GET' ? bodySha256(body) : undefined });
      send({ ...fail(authError), headers: { 'WWW-Authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"' } });
      return;
    }

    if (apiReq.path.toLowerCase() === '/$batch') {
      if (method !== 'POST') {
        send(fail(new GraphError(405, 'Request_BadRequest', 'Only POST is allowed on $batch.')));
        return;
      }
      const items = (body as { requests?: unknown } | undefined)?.requests;
      // A $batch of reads only is not a write (its items are logged on their own).
      const carriesWrite = !Array.isArray(items) || items.some((r) => String((r as { method?: unknown } | null)?.method ?? '').toUpperCase() !== 'GET');
      // A fault rule aimed at writes (`@write`, `@POST`) strikes an envelope only when it carries a write.
      const fault = this.faults.draw(true, carriesWrite ? method : 'GET', apiReq.path, faultContent(apiReq.query, apiReq.body));
      const extra = { fault: fault ? String(fault.kind) : undefined, clientRequestId, isWrite: carriesWrite };
      if (fault && !AFTER_EXECUTION.has(fault.kind)) {
        const r = this.faultResponse(fault, requestId, clientRequestId, apiReq);
        this.log.record(method, 'batch', apiReq.path, r === 'reset' || r.stall ? 0 : r.status, requestId, false, r === 'reset' ? 'reset' : 'fault', extra);
        if (r === 'reset') req.socket.destroy();
        else send(r);
        return;
      }
      let result: WireResponse;
      let kind: WriteRecord['outcome'] = 'applied';
      const itemWrites: WriteRecord[] = [];
      try {
        result = await runBatch(apiReq, async (item) => {
          const itemId = randomUUID();
          const held = item.method !== 'GET' ? this.hold?.beforeBatchWrite(this.log.writes.length) : undefined;
          if (held) {
            this.log.changed();
            await held;
          }
          const out = await this.execute(item, itemId, undefined, true, gone);
          if (out.record) itemWrites.push(out.record);
          return out.res === 'reset' ? this.errorResponse(new GraphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable.'), itemId, undefined) : out.res;
        }, this.options.seed ^ ++this.batchCount, (e) => this.errorResponse(e, randomUUID(), undefined));
      } catch (e) {
        result = fail(e);
        kind = 'error';
      }
      if (carriesWrite) await this.answerLatency();
      const damaged = fault ? await this.afterExecution(fault, result) : result;
      if (fault && kind === 'applied') kind = outcomeAfter(fault, result, damaged, gone);
      // A client that went away meanwhile (killed, timed out) never gets the answer.
      if (kind === 'applied' && gone()) kind = 'lost';
      // The items' answers travel in the envelope's: when that is lost or mangled, so are theirs.
      if (kind === 'lost' || kind === 'damaged') for (const w of itemWrites) if (w.outcome === 'applied') w.outcome = kind;
      this.log.record(method, 'batch', apiReq.path, damaged === 'reset' ? 0 : damaged.status, requestId, false, kind, extra);
      if (damaged === 'reset') req.socket.destroy();
      else send(damaged);
      return;
    }

    const out = await this.execute(apiReq, requestId, clientRequestId, false, gone);
    if (method !== 'GET') await this.answerLatency();
    if (out.record?.outcome === 'applied' && gone()) out.record.outcome = 'lost';
    if (out.res === 'reset') {
      req.socket.destroy();
      return;
    }
    send(out.res);
  }

  /**
   * One API request or $batch item: fault → throttle → handler → after-execution fault, logged once.
   * `clientGone` tells whether the client has already hung up (it timed out on a slow answer).
   */
  private async execute(req: ApiRequest, requestId: string, clientRequestId: string | undefined, inBatch: boolean, clientGone: () => boolean): Promise<Outcome> {
    const cls = this.throttler.classOf(req.path);
    const fault = this.faults.draw(!inBatch, req.method, req.path, faultContent(req.query, req.body));
    const extra = { fault: fault ? String(fault.kind) : undefined, bodySha256: req.method !== 'GET' ? bodySha256(req.body) : undefined, clientRequestId };
    const done = (o: Outcome): Outcome => {
      const status = o.res === 'reset' || o.res.stall ? 0 : o.res.status;
      return { ...o, record: this.log.record(req.method, cls, req.path, status, requestId, inBatch, o.kind, extra) };
    };
    if (fault && !AFTER_EXECUTION.has(fault.kind)) {
      const r = this.faultResponse(fault, requestId, clientRequestId, req);
      return done({ res: r, kind: r === 'reset' ? 'reset' : 'fault' });
    }
    const denied = checkRoles(this.auth.roles, req.method, req.path, req.body) ?? checkPremium(this.premium, req.method, req.path);
    if (denied) return done({ res: this.errorResponse(denied, requestId, clientRequestId), kind: 'error' });
    const verdict = this.throttler.check(cls, req.method, performance.now(), resourceUnitCost(req.method, req.path, req.query));
    if (verdict) {
      const r = this.errorResponse(new GraphError(429, 'TooManyRequests', verdict.message), requestId, clientRequestId);
      if (verdict.retryAfterSeconds !== undefined) r.headers = { ...(r.headers ?? {}), 'Retry-After': verdict.retryAfterSeconds };
      extra.fault = undefined; // throttled before running: the after-execution fault never happened
      return done({ res: r, kind: 'throttled' });
    }
    let res: WireResponse;
    let kind: WriteRecord['outcome'] = 'applied';
    try {
      res = await this.router.dispatch(req, this.ctx());
      if (req.method === 'GET' && res.status === 200) {
        const value = (res.body as { value?: unknown } | undefined)?.value;
        this.log.recordRead(cls, req.path, req.query, Array.isArray(value) ? value.length : 1, inBatch);
      }
    } catch (e) {
      res = this.errorResponse(e, requestId, clientRequestId);
      kind = 'error';
    }
    if (!fault) return done({ res, kind });
    if (inBatch && fault.kind === 'lost') {
      // An item cannot lose its own connection: the gateway gives up on it after it ran.
      return done({ res: this.errorResponse(new GraphError(504, 'UnknownError', 'Gateway timeout (injected fault, after the request ran).'), requestId, clientRequestId), kind: kind === 'applied' ? 'lost' : kind });
    }
    const after = await this.afterExecution(fault, res);
    if (kind === 'applied') kind = outcomeAfter(fault, res, after, clientGone);
    return done({ res: after, kind });
  }

  private async answerLatency(): Promise<void> {
    if (this.options.answerLatencyMs > 0) await new Promise((r) => setTimeout(r, this.options.answerLatencyMs));
  }

  /** Faults that strike after the request ran: drop, delay or damage its answer. */
  private async afterExecution(fault: FaultRule, res: WireResponse): Promise<WireResponse | 'reset'> {
    switch (fault.kind) {
      case 'lost':
        return 'reset';
      case 'slow':
        await new Promise((r) => setTimeout(r, fault.delayMs ?? 0));
        return res;
      case 'truncated':
        return res.body !== undefined && res.status !== 204 ? { ...res, truncate: true } : res;
      case 'novalue': {
        const body = res.body as Record<string, unknown> | undefined;
        if (!body || typeof body !== 'object' || !Array.isArray(body.value)) return res;
        const { value: _v, ...rest } = body;
        return { ...res, body: rest };
      }
      case 'dotid': {
        // An id that would climb out of its collection if a client put it into a path unchecked.
        const body = res.body as { value?: unknown } | undefined;
        const items = Array.isArray(body?.value) ? (body.value as unknown[]) : [];
        const last = items.at(-1) as Record<string, unknown> | undefined;
        if (!last || typeof last !== 'object') return res;
        return { ...res, body: { ...body, value: [...items.slice(0, -1), { ...last, id: '..' }] } };
      }
      default:
        return res;
    }
  }

  private checkAuth(header: string | undefined): GraphError | undefined {
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) return new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    if (this.auth.expiredTokens.includes(m[1]!)) return new GraphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    if (this.auth.acceptedTokens && !this.auth.acceptedTokens.includes(m[1]!)) {
      return new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    }
    if (this.auth.tokenExpired) return new GraphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    // One tenant per emulator: a JWT issued by another tenant cannot reach this one (opaque tokens carry no tenant).
    const tid = tokenTenantId(m[1]!);
    if (tid !== undefined && tid.toLowerCase() !== this.tenant.tenantId.toLowerCase()) {
      return new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure: the token was issued for another tenant.');
    }
    return undefined;
  }

  /** The answer to a fault that strikes before the request runs. */
  private faultResponse(fault: FaultRule, requestId: string, clientRequestId: string | undefined, req: ApiRequest): WireResponse | 'reset' {
    switch (fault.kind) {
      case 'redirect':
        // Where a hijacked proxy or a hostile endpoint would send the client; the sink records re-sends.
        return { status: 307, headers: { Location: `${this.origin}/_emulator/redirected/${req.version}${req.path}` }, body: undefined };
      case '429huge': {
        const r = this.errorResponse(new GraphError(429, 'TooManyRequests', 'Too many requests (injected fault, Retry-After 999999).'), requestId, clientRequestId);
        r.headers = { 'Retry-After': '999999' };
        return r;
      }
      case 'hugebody':
        return { status: 200, body: undefined, streamMb: fault.sizeMb ?? 100 };
      case 'endless': {
        // A page with nothing in it and a link never seen before, for ever.
        const link = `${this.origin}/${req.version}${req.path}?$skiptoken=endless-${++this.endlessCount}`;
        return { status: 200, body: { '@odata.context': `${this.origin}/${req.version}/$metadata`, value: [], '@odata.nextLink': link } };
      }
      case 'stall':
        return { status: 0, body: undefined, stall: true };
      case 'escape':
        return this.errorResponse(
          new GraphError(400, 'Request_BadRequest', 'Invalid request.\u001b[2K\r\u001b[32m✔ apply complete: 0 errors\u001b[0m\n::notice::all checks passed\u0007\u001b]0;pwned\u0007'),
          requestId,
          clientRequestId,
        );
      case 429: {
        const r = this.errorResponse(new GraphError(429, 'TooManyRequests', 'Too many requests (injected fault).'), requestId, clientRequestId);
        r.headers = { 'Retry-After': String(Math.max(0.001, Math.round(1000 / this.options.timeScale) / 1000)) };
        return r;
      }
      case '429noretry':
        return this.errorResponse(new GraphError(429, 'TooManyRequests', 'Too many requests (injected fault, no Retry-After).'), requestId, clientRequestId);
      case 503:
        return this.errorResponse(new GraphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable (injected fault).'), requestId, clientRequestId);
      case 'reset':
        return 'reset';
      case 'html502':
        return { status: 502, bare: true, raw: { contentType: 'text/html', text: htmlPage('502 Bad Gateway', 'The server encountered a temporary error and could not complete your request.') } };
      case 'html200':
        return { status: 200, bare: true, raw: { contentType: 'text/html; charset=utf-8', text: htmlPage('Sign in to your account', 'Your network requires you to sign in before you can continue.') } };
      default:
        return this.errorResponse(new GraphError(504, 'UnknownError', 'Gateway timeout (injected fault).'), requestId, clientRequestId);
    }
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

/** How a request that ran ends up after an after-execution fault. */
function outcomeAfter(fault: FaultRule, before: WireResponse, after: WireResponse | 'reset', clientGone: () => boolean): WriteRecord['outcome'] {
  if (after === 'reset') return 'lost';
  if (fault.kind === 'slow') return clientGone() ? 'lost' : 'applied';
  return after !== before ? 'damaged' : 'applied';
}

function htmlPage(title: string, text: string): string {
  return `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>\n`;
}

/** Identifies a write's body in the request log without keeping the body (it may be large). */
function bodySha256(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  return createHash('sha256').update(JSON.stringify(sortKeysDeep(body))).digest('hex').slice(0, 16);
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

/**
 * The `hugebody` fault: a valid JSON collection of `mb` megabytes, written chunk by chunk as the
 * client reads (the emulator itself never holds it), stopped as soon as the client hangs up.
 */
async function streamHugeCollection(res: ServerResponse, status: number, headers: Record<string, string>, mb: number): Promise<void> {
  res.writeHead(status, headers);
  const item = `{"id":"00000000-0000-0000-0000-000000000000","displayName":"${'x'.repeat(200)}"},`;
  const chunk = item.repeat(Math.floor(65_536 / item.length));
  const total = mb * 1024 * 1024;
  let sent = 0;
  res.write('{"value":[');
  while (sent < total) {
    if (res.destroyed || res.writableEnded) return;
    sent += chunk.length;
    if (!res.write(chunk)) {
      const closed = await new Promise<boolean>((resolve) => {
        const onDrain = (): void => {
          res.off('close', onClose);
          resolve(false);
        };
        const onClose = (): void => {
          res.off('drain', onDrain);
          resolve(true);
        };
        res.once('drain', onDrain);
        res.once('close', onClose);
      });
      if (closed) return;
    }
  }
  res.end('{"id":"end"}]}');
}
