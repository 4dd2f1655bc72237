import { Prng } from './prng.js';

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
 */
export type FaultKind = 429 | '429noretry' | 503 | 504 | 'reset' | 'html502' | 'html200' | 'lost' | 'slow' | 'truncated' | 'novalue';

export interface FaultRule {
  kind: FaultKind;
  probability: number;
  /** `slow` only: how long the response is held back. */
  delayMs?: number;
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
};
const KIND_LIST = '429, 429noretry, 503, 504, reset, html502, html200, lost, slow, truncated, novalue';

/** Kinds that take effect only after the request has run (the tenant may have changed). */
export const AFTER_EXECUTION: ReadonlySet<FaultKind> = new Set<FaultKind>(['lost', 'slow', 'truncated', 'novalue']);

/**
 * Parses `429:0.1,503:0.03,504:0.02,reset:0.01,slow:0.1:2000,lost:0.5@POST`; throws a RangeError
 * naming the bad part. A rule may be limited to some methods with `@METHOD+METHOD` or `@write`.
 */
export function parseFaultSpec(spec: string | undefined): FaultRule[] {
  if (spec === undefined || spec.trim() === '' || spec.trim() === 'none') return [];
  const rules: FaultRule[] = [];
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    const m = /^([^:\s@]+)\s*:\s*([0-9]*\.?[0-9]+)(?:\s*:\s*(\d+))?(?:\s*@\s*([A-Za-z+]+))?$/.exec(part);
    if (!m) throw new RangeError(`invalid fault "${part}": expected KIND:PROBABILITY, e.g. 429:0.1, or slow:PROBABILITY:MS (kinds: ${KIND_LIST})`);
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
    const scope = (r: FaultRule) => r.methods?.join('+') ?? '*';
    if (rules.some((r) => r.kind === kind && scope(r) === scope(rule))) throw new RangeError(`fault kind ${m[1]} given twice`);
    if (kind === 'slow') {
      if (m[3] === undefined) throw new RangeError(`fault "${part}": slow needs a delay, slow:PROBABILITY:MS (e.g. slow:0.1:2000)`);
      rule.delayMs = Number(m[3]);
      if (rule.delayMs > 600_000) throw new RangeError('slow fault delay must be at most 600000 ms');
    } else if (m[3] !== undefined) {
      throw new RangeError(`fault "${part}": only slow takes a delay`);
    }
    rules.push(rule);
  }
  // Each request draws once among the rules that apply to its method.
  for (const method of METHODS) {
    const total = rules.filter((r) => !r.methods || r.methods.includes(method)).reduce((sum, r) => sum + r.probability, 0);
    if (total > 1 + 1e-9) throw new RangeError(`fault probabilities add up to ${Math.round(total * 1e6) / 1e6}${rules.some((r) => r.methods) ? ` for ${method}` : ''}, more than 1`);
  }
  return rules;
}

/** Decides, reproducibly for a given seed and request order, which request gets which fault. */
export class FaultInjector {
  private rules: FaultRule[];
  private prng: Prng;
  constructor(spec: string | undefined, private readonly seed: number) {
    this.rules = parseFaultSpec(spec);
    this.prng = new Prng(seed ^ 0xfa017);
  }
  setSpec(spec: string | undefined, reseed = true): void {
    this.rules = parseFaultSpec(spec);
    if (reseed) this.prng = new Prng(this.seed ^ 0xfa017);
  }
  get spec(): string {
    return this.rules.map((r) => `${r.kind}:${r.probability}${r.delayMs !== undefined ? `:${r.delayMs}` : ''}${r.methods ? `@${r.methods.join('+')}` : ''}`).join(',');
  }
  /**
   * One draw per API request (and per $batch item), whether or not faults are configured.
   * `wholeRequest` is false for a $batch item: it cannot lose its connection or come back as an HTML
   * page on its own, so `reset` becomes a 503 and `lost` a 504 after running (by the caller), and
   * the wire-level kinds (`html*`, `truncated`) do not apply.
   */
  draw(wholeRequest: boolean, method: string): FaultRule | undefined {
    if (this.rules.length === 0) return undefined;
    const x = this.prng.next();
    let acc = 0;
    for (const rule of this.rules) {
      if (rule.methods && !rule.methods.includes(method.toUpperCase())) continue;
      acc += rule.probability;
      if (x < acc) {
        if (wholeRequest) return rule;
        if (rule.kind === 'reset') return { kind: 503, probability: rule.probability };
        if (rule.kind === 'html502' || rule.kind === 'html200' || rule.kind === 'truncated') return undefined;
        return rule;
      }
    }
    return undefined;
  }
}
