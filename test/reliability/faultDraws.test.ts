// The reliability suite's fault draws are decided by request content, never by arrival order or
// time, so every run of a row is the same run (issue 16). Four concurrent `$batch` envelopes used to
// share one random sequence: whichever arrived first took the first draw, and a run failed now and then.
import { describe, expect, it } from 'vitest';
import { FaultInjector, faultContent } from '../../src/emulator/faults.js';

const SPEC = 'reset:0.1,reset:0.2@write';
const patch = (port: number, ids: string[], at = '2026-11-28T07:55:01.123Z') =>
  faultContent(new Map([['$filter', `activityDateTime ge ${at}`]]), { 'members@odata.bind': ids.map((id) => `http://127.0.0.1:${port}/v1.0/directoryObjects/${id}`) });
const requests = Array.from({ length: 60 }, (_, i) => ({ path: `/groups/g${i % 5}`, ids: [`u${i}`, `v${i}`] }));

/** Each request's fault kinds over three tries (a retry draws afresh), keyed by request. */
function draws(order: number[], port: number, at?: string): Map<number, string> {
  const f = new FaultInjector(SPEC, 7);
  const out = new Map<number, string>();
  for (let attempt = 0; attempt < 3; attempt++) {
    for (const i of order) {
      const r = requests[i]!;
      const kind = f.draw(false, 'PATCH', r.path, patch(port, r.ids, at))?.kind;
      out.set(i, `${out.get(i) ?? ''}${String(kind ?? '-')},`);
    }
  }
  return out;
}

describe('fault draws', () => {
  const inOrder = requests.map((_, i) => i);
  const reference = draws(inOrder, 40001);

  it('strike some requests and not others (the spec is live)', () => {
    const kinds = [...reference.values()].join('');
    expect(kinds).toContain('503');
    expect(kinds).toContain('-');
  });

  it('do not depend on the order requests arrive in', () => {
    expect(draws([...inOrder].reverse(), 40001)).toEqual(reference);
    expect(draws(inOrder.map((i) => (i * 7) % requests.length), 40001)).toEqual(reference);
  });

  it("do not depend on the emulator's port or the clock in a query", () => {
    expect(draws(inOrder, 51234, '2027-01-02T03:04:05Z')).toEqual(reference);
  });

  it('differ with the seed and the content', () => {
    const f = new FaultInjector('503:0.5', 8);
    const g = new FaultInjector('503:0.5', 7);
    const a = requests.map((r) => String(f.draw(true, 'GET', r.path, r.ids.join())?.kind));
    const b = requests.map((r) => String(g.draw(true, 'GET', r.path, r.ids.join())?.kind));
    expect(a).not.toEqual(b);
  });
});
