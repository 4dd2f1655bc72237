import { Prng } from './prng.js';

export type FaultKind = 429 | 503 | 504 | 'reset';
export interface FaultRule {
  kind: FaultKind;
  probability: number;
}

const KINDS: Record<string, FaultKind> = { '429': 429, '503': 503, '504': 504, reset: 'reset' };

/** Parses `429:0.1,503:0.03,504:0.02,reset:0.01`; throws a RangeError naming the bad part. */
export function parseFaultSpec(spec: string | undefined): FaultRule[] {
  if (spec === undefined || spec.trim() === '' || spec.trim() === 'none') return [];
  const rules: FaultRule[] = [];
  let total = 0;
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    const m = /^([^:\s]+)\s*:\s*([0-9]*\.?[0-9]+)$/.exec(part);
    if (!m) throw new RangeError(`invalid fault "${part}": expected KIND:PROBABILITY, e.g. 429:0.1 (kinds: 429, 503, 504, reset)`);
    const kind = KINDS[m[1]!.toLowerCase()];
    if (kind === undefined) throw new RangeError(`unknown fault kind "${m[1]}" (kinds: 429, 503, 504, reset)`);
    const probability = Number(m[2]);
    if (!(probability >= 0 && probability <= 1)) throw new RangeError(`fault probability for ${m[1]} must be between 0 and 1`);
    if (rules.some((r) => r.kind === kind)) throw new RangeError(`fault kind ${m[1]} given twice`);
    total += probability;
    rules.push({ kind, probability });
  }
  if (total > 1 + 1e-9) throw new RangeError(`fault probabilities add up to ${total}, more than 1`);
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
    return this.rules.map((r) => `${r.kind}:${r.probability}`).join(',');
  }
  /** One draw per API request (and per $batch item), whether or not faults are configured. */
  draw(allowReset: boolean): FaultKind | undefined {
    if (this.rules.length === 0) return undefined;
    const x = this.prng.next();
    let acc = 0;
    for (const rule of this.rules) {
      acc += rule.probability;
      if (x < acc) return rule.kind === 'reset' && !allowReset ? 503 : rule.kind;
    }
    return undefined;
  }
}
