import { createHash } from 'node:crypto';
import { unit } from './prng.js';

/**
 * What can go wrong between a client and Graph. Kinds that answer before the request runs leave the
 * tenant untouched; the others run it first, so a client must not assume a failed write did nothing.
 *
 * - `429`, `429noretry`: throttled (Graph's CA throttle may send no Retry-After at all)
 * - `503`, `504`: service unavailable / gateway timeout, before the request runs
 * - `reset`: the connection drops before the request runs
 * - `html502`, `html200`: a proxy's HTML page instead of Graph (no request-id), before the request runs
 * - `lost`: the request runs, then the connection drops (the response is lost)
 * - `slow`: the request runs, then the response waits `slow:P:MS` milliseconds
 * - `truncated`: the request runs, then the JSON body is cut short (Content-Length matches the cut)
 * - `novalue`: the request runs, then a collection page comes back without its `value` array
 *
 * Hostile or broken answers (for the client's limits; decided by request content, never by time):
 * - `redirect`: a 307 to the emulator's `/_emulator/redirected/…` sink, which records anything re-sent there
 * - `429huge`: a 429 with `Retry-After: 999999`
 * - `hugebody`: a 200 whose JSON body streams `hugebody:P:MB` megabytes (default 100), chunked
 * - `endless`: a collection page with no items and a fresh `@odata.nextLink` every time
 * - `stall`: no answer at all until the client hangs up (or the emulator stops)
 * - `escape`: a 400 whose Graph error message carries terminal escape sequences and a fake log line
 * - `dotid`: the request runs, then the last item of a collection page gets the id `..`
 *
 * A rule may be limited to some methods (`@GET`, `@write`), to paths containing a text (`~/authentication/methods`)
 * and to its first N strikes (`#1`): `429huge:1~/reports/#1` answers the first report request so, and no other.
 */
export type FaultKind =
  | 429
  | '429noretry'
  | 503
  | 504
  | 'reset'
  | 'html502'
  | 'html200'
  | 'lost'
  | 'slow'
  | 'truncated'
  | 'novalue'
  | 'redirect'
  | '429huge'
  | 'hugebody'
  | 'endless'
  | 'stall'
  | 'escape'
  | 'dotid';

export interface FaultRule {
  kind: FaultKind;
  probability: number;
  /** `slow` only: how long the response is held back. */
  delayMs?: number;
  /** `hugebody` only: megabytes sent. */
  sizeMb?: number;
  /** Only requests whose path (after the version, lower case) contains this text are faulted. */
  path?: string;
  /** Strikes at most this many times (`#N`), then never again. */
  times?: number;
  /** Only requests with these methods are faulted (`@POST+PATCH`, `@write` = every method but GET); all when absent. */
  methods?: string[];
}

const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

const KINDS: Record<string, FaultKind> = {
  '429': 429,
  '429noretry': '429noretry',
  '503': 503,
  '504': 504,
  reset: 'reset',
  html502: 'html502',
  html200: 'html200',
  lost: 'lost',
  slow: 'slow',
  truncated: 'truncated',
  novalue: 'novalue',
  redirect: 'redirect',
  '429huge': '429huge',
  hugebody: 'hugebody',
  endless: 'endless',
  stall: 'stall',
  escape: 'escape',
  dotid: 'dotid',
};
const KIND_LIST = '429, 429noretry, 503, 504, reset, html502, html200, lost, slow, truncated, novalue, redirect, 429huge, hugebody, endless, stall, escape, dotid';

/** Kinds that take effect only after the request has run (the tenant may have changed). */
export const AFTER_EXECUTION: ReadonlySet<FaultKind> = new Set<FaultKind>(['lost', 'slow', 'truncated', 'novalue', 'dotid']);

/** Kinds that only a whole HTTP request can suffer (not a `$batch` item). */
const WIRE_ONLY: ReadonlySet<FaultKind> = new Set<FaultKind>(['html502', 'html200', 'truncated', 'redirect', 'hugebody', 'endless', 'stall']);

/**
 * Parses `429:0.1,503:0.03,504:0.02,reset:0.01,slow:0.1:2000,lost:0.5@POST`; throws a RangeError
 * naming the bad part. A rule may be limited to some methods with `@METHOD+METHOD` or `@write`.
 */
export function parseFaultSpec(spec: string | undefined): FaultRule[] {
  if (spec === undefined || spec.trim() === '' || spec.trim() === 'none') return [];
  const rules: FaultRule[] = [];
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    const m = /^([^:\s@~]+)\s*:\s*([0-9]*\.?[0-9]+)(?:\s*:\s*(\d+))?(?:\s*@\s*([A-Za-z+]+))?(?:\s*~\s*([^\s#]+))?(?:\s*#\s*(\d+))?$/.exec(part);
    if (!m) throw new RangeError(`invalid fault "${part}": expected KIND:PROBABILITY[@METHODS][~PATH], e.g. 429:0.1, or slow:PROBABILITY:MS (kinds: ${KIND_LIST})`);
    const kind = KINDS[m[1]!.toLowerCase()];
    if (kind === undefined) throw new RangeError(`unknown fault kind "${m[1]}" (kinds: ${KIND_LIST})`);
    const probability = Number(m[2]);
    if (!(probability >= 0 && probability <= 1)) throw new RangeError(`fault probability for ${m[1]} must be between 0 and 1`);
    const rule: FaultRule = { kind, probability };
    if (m[4] !== undefined) {
      const methods = m[4].split('+').flatMap((x) => (x.toLowerCase() === 'write' ? METHODS.filter((y) => y !== 'GET') : [x.toUpperCase()]));
      const bad = methods.find((x) => !METHODS.includes(x));
      if (bad !== undefined) throw new RangeError(`fault "${part}": unknown method "${bad}" after @ (use ${METHODS.join(', ')} or write)`);
      rule.methods = [...new Set(methods)];
    }
    if (m[5] !== undefined) rule.path = m[5].toLowerCase();
    if (m[6] !== undefined) rule.times = Number(m[6]);
    const scope = (r: FaultRule) => `${r.methods?.join('+') ?? '*'}~${r.path ?? ''}`;
    if (rules.some((r) => r.kind === kind && scope(r) === scope(rule))) throw new RangeError(`fault kind ${m[1]} given twice`);
    if (kind === 'slow') {
      if (m[3] === undefined) throw new RangeError(`fault "${part}": slow needs a delay, slow:PROBABILITY:MS (e.g. slow:0.1:2000)`);
      rule.delayMs = Number(m[3]);
      if (rule.delayMs > 600_000) throw new RangeError('slow fault delay must be at most 600000 ms');
    } else if (kind === 'hugebody') {
      rule.sizeMb = m[3] === undefined ? 100 : Number(m[3]);
      if (!(rule.sizeMb >= 1 && rule.sizeMb <= 1024)) throw new RangeError('hugebody size must be 1 to 1024 MB');
    } else if (m[3] !== undefined) {
      throw new RangeError(`fault "${part}": only slow takes a delay (and hugebody a size in MB)`);
    }
    rules.push(rule);
  }
  // Each request draws once among the rules that apply to its method (and path, for path-scoped rules).
  for (const method of METHODS) {
    for (const path of [undefined, ...new Set(rules.map((r) => r.path).filter((p) => p !== undefined))]) {
      const total = rules
        .filter((r) => (!r.methods || r.methods.includes(method)) && (r.path === undefined || r.path === path))
        .reduce((sum, r) => sum + r.probability, 0);
      if (total > 1 + 1e-9) throw new RangeError(`fault probabilities add up to ${Math.round(total * 1e6) / 1e6}${rules.some((r) => r.methods) ? ` for ${method}` : ''}${path ? ` on ~${path}` : ''}, more than 1`);
    }
  }
  return rules;
}

/**
 * What a request's fault draw is keyed on besides method and path: its query and body, with ISO
 * date-times and URL origins blanked (an audit-log window moves with the clock, and a
 * `members@odata.bind` reference names the emulator's port, which changes every run: the request
 * stays the same request).
 */
export function faultContent(query: ReadonlyMap<string, string> | undefined, body: unknown): string {
  const q = query ? [...query].map(([k, v]) => `${k}=${v}`).join('&') : '';
  const b = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return `${q}\n${b}`
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, 'T')
    .replace(/https?:\/\/[^/"\s]+/gi, '');
}

/**
 * Decides which request gets which fault from the seed and the request's content alone (method,
 * path, query, body, and how many times that same request came before), never from arrival order
 * or time: envelopes sent concurrently, or a retry that waited a random backoff, draw exactly what
 * they drew in every other run of the same seed. (A shared sequential generator, as before, made a
 * run's faults depend on which of four concurrent `$batch` envelopes arrived first: the reliability
 * suite's one unexplained failure.) Only the `#N` strike counts still follow arrival order.
 */
export class FaultInjector {
  private rules: FaultRule[];
  private strikes = new Map<FaultRule, number>();
  /** Draws so far per request content (a retry of the same request draws afresh). */
  private occurrences = new Map<string, number>();
  constructor(spec: string | undefined, private readonly seed: number) {
    this.rules = parseFaultSpec(spec);
  }
  setSpec(spec: string | undefined, reseed = true): void {
    this.rules = parseFaultSpec(spec);
    this.strikes = new Map();
    if (reseed) this.occurrences = new Map();
  }
  get spec(): string {
    return this.rules
      .map((r) => `${r.kind}:${r.probability}${r.delayMs !== undefined ? `:${r.delayMs}` : ''}${r.sizeMb !== undefined ? `:${r.sizeMb}` : ''}${r.methods ? `@${r.methods.join('+')}` : ''}${r.path ? `~${r.path}` : ''}${r.times !== undefined ? `#${r.times}` : ''}`)
      .join(',');
  }
  /** A number in [0, 1) for this request: seed, content and occurrence, nothing else. */
  private roll(wholeRequest: boolean, method: string, path: string, content: string): number {
    const digest = createHash('sha256').update(`${wholeRequest ? 'R' : 'I'} ${method.toUpperCase()} ${path.toLowerCase()}\n${content}`).digest();
    const key = digest.toString('base64', 0, 12);
    const n = this.occurrences.get(key) ?? 0;
    this.occurrences.set(key, n + 1);
    return unit(this.seed ^ 0xfa017, digest.readUInt32BE(0), digest.readUInt32BE(4), n);
  }
  /**
   * One draw per API request (and per $batch item). `content` is faultContent(query, body).
   * `wholeRequest` is false for a $batch item: it cannot lose its connection or come back as an HTML
   * page on its own, so `reset` becomes a 503 and `lost` a 504 after running (by the caller), and
   * the wire-level kinds (`html*`, `truncated`) do not apply.
   */
  draw(wholeRequest: boolean, method: string, path = '', content = ''): FaultRule | undefined {
    if (this.rules.length === 0) return undefined;
    const x = this.roll(wholeRequest, method, path, content);
    const p = path.toLowerCase();
    let acc = 0;
    for (const rule of this.rules) {
      if (rule.methods && !rule.methods.includes(method.toUpperCase())) continue;
      if (rule.path !== undefined && !p.includes(rule.path)) continue;
      if (rule.times !== undefined && (this.strikes.get(rule) ?? 0) >= rule.times) continue;
      acc += rule.probability;
      if (x < acc) {
        this.strikes.set(rule, (this.strikes.get(rule) ?? 0) + 1);
        if (wholeRequest) return rule;
        if (rule.kind === 'reset') return { kind: 503, probability: rule.probability };
        if (WIRE_ONLY.has(rule.kind)) return undefined;
        return rule;
      }
    }
    return undefined;
  }
}
