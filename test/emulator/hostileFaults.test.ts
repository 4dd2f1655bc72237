// The emulator's hostile answers for the client's limits (issue 12): parsed with a path scope (~) and
// a strike count (#N), decided by request content and order only.
import { describe, expect, it } from 'vitest';
import { FaultInjector, parseFaultSpec } from '../../src/emulator/faults.js';

describe('emulator: hostile fault kinds', () => {
  it('parses the kinds with a method scope, a path scope and a strike count', () => {
    expect(parseFaultSpec('429huge:1~/reports/#1,hugebody:1:5@GET~/identity/conditionalaccess/policies,redirect:1@POST~/$batch')).toEqual([
      { kind: '429huge', probability: 1, path: '/reports/', times: 1 },
      { kind: 'hugebody', probability: 1, sizeMb: 5, methods: ['GET'], path: '/identity/conditionalaccess/policies' },
      { kind: 'redirect', probability: 1, methods: ['POST'], path: '/$batch' },
    ]);
    expect(parseFaultSpec('hugebody:1')).toEqual([{ kind: 'hugebody', probability: 1, sizeMb: 100 }]);
    // Rules on different paths never apply to one request together, so their probabilities do not add up.
    expect(parseFaultSpec('endless:1~/groups,stall:1~/users')).toHaveLength(2);
    expect(() => parseFaultSpec('endless:1,stall:1~/users')).toThrow(/add up to 2 on ~\/users, more than 1/);
  });

  it('strikes only matching paths, at most N times, and never a $batch item with a wire-only kind', () => {
    const f = new FaultInjector('dotid:1@GET~/authentication/methods#2,redirect:1@POST~/$batch', 7);
    expect(f.draw(true, 'GET', '/users/u1')).toBeUndefined();
    expect(f.draw(true, 'GET', '/users/u1/authentication/methods')?.kind).toBe('dotid');
    expect(f.draw(false, 'GET', '/users/u2/authentication/methods')?.kind).toBe('dotid');
    expect(f.draw(true, 'GET', '/users/u3/authentication/methods')).toBeUndefined();
    expect(f.draw(true, 'POST', '/$batch')?.kind).toBe('redirect');
    expect(f.draw(false, 'POST', '/$batch')).toBeUndefined();
    expect(f.spec).toBe('dotid:1@GET~/authentication/methods#2,redirect:1@POST~/$batch');
  });
});
