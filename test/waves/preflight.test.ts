// Issue 17.3: the preflight gate, pure. What each report-only result counts as follows Learn's
// appliedConditionalAccessPolicy resource and "Analyze Conditional Access policy impact" (report-only
// results): reportOnlyFailure = would have been blocked; reportOnlyInterrupted = user action required
// (a failure only for a user with no usable method); reportOnlySuccess clears; reportOnlyNotApplied is
// not an evaluation.
import { describe, expect, it } from 'vitest';
import { evaluateRollout, measurePreflight, resolvePreflight, type SignInEvent } from '../../src/waves/index.js';
import { at, capableRow, ids, noMethodRow, NOW, rollout, T0, tenant } from './fixtures.js';

const TWIN = 'twin-0001';

function twinSignIn(userId: string, result: string, when: string, twinId = TWIN): SignInEvent {
  return { userId, createdDateTime: when, status: { errorCode: 0 }, appliedConditionalAccessPolicies: [{ id: twinId, displayName: 'CA010 [preflight]', result, enforcedGrantControls: ['Mfa'] }] };
}

describe('measurePreflight', () => {
  const users = new Set(['a', 'b', 'c', 'd']);
  const from = T0 - 24 * 3_600_000;

  it('counts a block always, an interrupt only for a not-ready user, and lets a later success clear it', () => {
    const m = measurePreflight(
      [
        twinSignIn('a', 'reportOnlyFailure', at(-2)),
        twinSignIn('b', 'reportOnlyInterrupted', at(-2)), // ready: they would have done MFA
        twinSignIn('c', 'reportOnlyInterrupted', at(-3)), // not ready: no usable method
        twinSignIn('d', 'reportOnlyInterrupted', at(-3)),
        twinSignIn('d', 'reportOnlySuccess', at(-1)), // …registered and did MFA since
      ],
      TWIN,
      users,
      from,
      T0,
      new Map([['c', 'noMethod' as const], ['d', 'noMethod' as const]]),
    );
    expect(m.signedIn).toBe(4);
    expect(m.failing.map((f) => [f.userId, f.result, f.notReady])).toEqual([
      ['a', 'reportOnlyFailure', undefined],
      ['c', 'reportOnlyInterrupted', 'noMethod'],
    ]);
  });

  it('ignores other policies, not-applied results, sign-ins outside the window and users outside the wave', () => {
    const m = measurePreflight(
      [
        twinSignIn('a', 'reportOnlyFailure', at(-2), 'other-policy'),
        twinSignIn('b', 'reportOnlyNotApplied', at(-2)),
        twinSignIn('c', 'reportOnlyFailure', at(-30)),
        twinSignIn('zz', 'reportOnlyFailure', at(-2)),
      ],
      TWIN.toUpperCase(), // ids compare case-insensitively
      users,
      from,
      T0,
      new Map(),
    );
    expect(m).toEqual({ signedIn: 0, failing: [], unknownResults: 0 });
  });

  it('counts unknownFutureValue apart (the Prefer header was not honoured)', () => {
    expect(measurePreflight([twinSignIn('a', 'unknownFutureValue', at(-1))], TWIN, users, from, T0, new Map()).unknownResults).toBe(1);
  });
});

describe('resolvePreflight', () => {
  it('is off unless declared; a wave overrides the rollout field by field, with defaults for the rest', () => {
    expect(resolvePreflight(undefined, { mfaCapable: { minPercent: 90 } })).toBeUndefined();
    expect(resolvePreflight({ preflight: { maxPercent: 5 } }, undefined)).toEqual({ maxPercent: 5, windowHours: 72, minSignedInUsers: 1 });
    expect(resolvePreflight({ preflight: { maxPercent: 5, windowHours: 48 } }, { preflight: { maxPercent: 10 } })).toEqual({ maxPercent: 10, windowHours: 48, minSignedInUsers: 1 });
  });
});

describe('preflight gate in evaluateRollout', () => {
  const pilot = ids('p', 2);
  const next = ids('n', 20);
  type Level = 'wave' | 'rollout' | 'none';
  const declared = { preflight: { maxPercent: 10, windowHours: 24 } };
  const spec = (level: Level) => ({
    gates: { soak: { minHours: 0 }, mfaCapable: { minPercent: 80 }, ...(level === 'rollout' ? declared : {}) },
    waves: [
      { name: 'pilot', group: 'Group pilot' },
      { name: 'next', group: 'Group next', ...(level === 'wave' ? { gates: declared } : {}) },
    ],
  });
  const observe = (preflight: Level = 'wave', twin: string | null = TWIN) => {
    const o = rollout(spec(preflight), [
      { name: 'pilot', groupId: 'g-p', members: pilot, widened: true },
      { name: 'next', groupId: 'g-n', members: next },
    ], pilot);
    return twin ? { ...o, preflightTwinId: twin } : o;
  };
  /** `failing` of the 20 have no method and were interrupted; the rest passed under the twin. */
  const readiness = (failing: number) =>
    tenant({
      rows: [...pilot.map((id) => capableRow(id)), ...next.map((id, i) => (i < failing ? noMethodRow(id) : capableRow(id)))],
      signIns: next.map((id, i) => twinSignIn(id, i < failing ? 'reportOnlyInterrupted' : 'reportOnlySuccess', at(-1))),
    });
  const gate = (waves: ReturnType<typeof evaluateRollout>) => waves[1]!.gates.find((g) => g.gate === 'preflight');

  it('holds the wave at 3 of 20 (15 % > 10 %) and passes at 2 of 20 (exactly 10 %)', () => {
    const held = evaluateRollout({ rollout: observe(), tenant: readiness(3) }, NOW);
    expect(gate(held)).toMatchObject({ status: 'fail', value: 15, threshold: 10 });
    expect(held[1]!.decision).toBe('hold');
    const passed = evaluateRollout({ rollout: observe(), tenant: readiness(2) }, NOW);
    expect(gate(passed)).toMatchObject({ status: 'pass', value: 10 });
    expect(passed[1]!.decision).toBe('promote');
  });

  it('is inconclusive (and holds) while the twin does not exist, and absent unless declared or on a widened wave', () => {
    const noTwin = evaluateRollout({ rollout: observe('wave', null), tenant: readiness(0) }, NOW);
    expect(gate(noTwin)).toMatchObject({ status: 'inconclusive', message: expect.stringContaining('does not exist yet') });
    expect(noTwin[1]!.decision).toBe('hold');
    const off = evaluateRollout({ rollout: observe('none'), tenant: readiness(3) }, NOW);
    expect(off.flatMap((w) => w.gates.map((g) => g.gate))).not.toContain('preflight');
    // Declared for the whole rollout: the widened pilot has nothing to preflight, the next wave does.
    const rolloutWide = evaluateRollout({ rollout: observe('rollout'), tenant: readiness(3) }, NOW);
    expect(rolloutWide[0]!.gates.map((g) => g.gate)).not.toContain('preflight');
    expect(gate(rolloutWide)).toMatchObject({ status: 'fail' });
  });

  it('is inconclusive when the sign-ins read do not cover its window, or were read without the Prefer header', () => {
    const short = evaluateRollout({ rollout: observe(), tenant: { ...readiness(3), signInsFrom: at(-2) } }, NOW);
    expect(gate(short)).toMatchObject({ status: 'inconclusive', message: expect.stringContaining('the preflight window is 24 h') });
    const unknown = tenant({ rows: next.map((id) => capableRow(id)), signIns: next.map((id) => twinSignIn(id, 'unknownFutureValue', at(-1))) });
    expect(gate(evaluateRollout({ rollout: observe(), tenant: unknown }, NOW))).toMatchObject({ status: 'inconclusive', message: expect.stringContaining('include-unknown-enum-members') });
  });
});
