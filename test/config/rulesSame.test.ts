// rules.ts compares names without ICU's collator when both are printable ASCII (creating the
// collator was a third of `validate`'s own start-up work). The shortcut must answer exactly what
// localeCompare(a, b, undefined, { sensitivity: 'accent' }) answers.
import { describe, expect, it } from 'vitest';
import { same } from '../../src/config/rules.js';

const reference = new Intl.Collator(undefined, { sensitivity: 'accent' });
const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

describe('same (name comparison of the rules)', () => {
  it('agrees with the accent-sensitive collator on every printable-ASCII string of up to two characters', () => {
    const strings = ['', ...PRINTABLE, ...PRINTABLE.flatMap((a) => PRINTABLE.map((b) => a + b))];
    const disagreements: string[] = [];
    // Each string against every one-character string, and against its neighbours in collation order
    // (strings the collator calls equal sort next to each other).
    for (const x of strings) {
      for (const y of PRINTABLE) if (same(x, y) !== (reference.compare(x, y) === 0)) disagreements.push(`${x}|${y}`);
    }
    const sorted = [...strings].sort(reference.compare);
    for (let i = 1; i < sorted.length; i++) {
      const [x, y] = [sorted[i - 1]!, sorted[i]!];
      if (same(x, y) !== (reference.compare(x, y) === 0)) disagreements.push(`${x}|${y}`);
      if (same(x, x.toUpperCase()) !== (reference.compare(x, x.toUpperCase()) === 0)) disagreements.push(`${x}|upper`);
    }
    expect(disagreements).toEqual([]);
  });

  it('is case-insensitive and accent-sensitive beyond ASCII too (the collator decides there)', () => {
    expect(same('Wave-Pilot', 'wave-pilot')).toBe(true);
    expect(same('Équipe', 'équipe')).toBe(true);
    expect(same('équipe', 'equipe')).toBe(false);
    expect(same('e\u0301quipe', 'équipe')).toBe(true); // decomposed and composed é
    expect(same('a\u0001b', 'ab')).toBe(reference.compare('a\u0001b', 'ab') === 0);
  });
});
