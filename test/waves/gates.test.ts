import { describe, expect, it } from 'vitest';
import type { WaveGateResult } from '../../src/plan/types.js';
import type { GateContext, GateProvider } from '../../src/waves/gates.js';
import {
  DEFAULT_GATE_SETTINGS,
  evaluateWaveGates,
  freshnessGate,
  mfaCapableGate,
  resolveGateSettings,
  runGate,
  signInHealthGate,
  soakGate,
  worstStatus,
} from '../../src/waves/gates.js';
import { resolveWidenings } from '../../src/waves/history.js';
import { indexReadiness, rolloutReadiness } from '../../src/waves/readiness.js';
import type { ReadinessInput, RolloutObservation } from '../../src/waves/types.js';
import { NOW, TARGET_GROUP, addMember, at, capableRow, ids, noMethodRow, registeredSecurityInfo, rollout, signIn, tenant } from './fixtures.js';

function contextFor(obs: RolloutObservation, t: ReadinessInput, waveIndex: number, now = NOW): GateContext {
  const index = indexReadiness(t);
  const readiness = rolloutReadiness(obs.waves, index);
  const spec = obs.spec.waves[waveIndex];
  return {
    now,
    rollout: obs,
    tenant: t,
    index,
    waveIndex,
    wave: obs.waves[waveIndex]!,
    settings: resolveGateSettings(obs.spec.gates, spec?.gates),
    readiness: readiness[waveIndex]!,
    widenings: resolveWidenings(obs, t.audits),
  };
}

const twoWaves = (pilotWidened: boolean, declared?: string, members: { pilot?: string[]; early?: string[] } = {}) =>
  rollout(
    {
      waves: [
        { name: 'pilot', group: 'Group pilot', ...(declared ? { widenedAt: declared } : {}) },
        { name: 'early', group: 'Group early' },
      ],
    },
    [
      { name: 'pilot', groupId: 'grp-pilot', members: members.pilot ?? ['p1'], widened: pilotWidened },
      { name: 'early', groupId: 'grp-early', members: members.early ?? ['e1'] },
    ],
  );

describe('resolveGateSettings', () => {
  it('uses documented defaults when nothing is declared', () => {
    expect(resolveGateSettings(undefined, undefined)).toEqual({
      mfaCapable: { minPercent: 95 },
      soak: { minHours: 72 },
      signInHealth: { maxPercent: 2, windowHours: 24 },
      freshness: { maxAgeHours: 24 },
    });
    expect(DEFAULT_GATE_SETTINGS.mfaCapable.minPercent).toBe(95);
  });

  it('wave overrides rollout, field by field', () => {
    const s = resolveGateSettings(
      { mfaCapable: { minPercent: 90 }, soak: { minHours: 48 }, signInHealth: { maxPercent: 3, windowHours: 12 } },
      { mfaCapable: { minPercent: 100 }, signInHealth: { maxPercent: 1 }, freshness: { maxAgeHours: 6 } },
    );
    expect(s).toEqual({ mfaCapable: { minPercent: 100 }, soak: { minHours: 48 }, signInHealth: { maxPercent: 1, windowHours: 12 }, freshness: { maxAgeHours: 6 } });
  });
});

describe('worstStatus', () => {
  it('orders pass < inconclusive < fail', () => {
    expect(worstStatus([])).toBe('pass');
    expect(worstStatus([{ status: 'pass' }, { status: 'pass' }])).toBe('pass');
    expect(worstStatus([{ status: 'pass' }, { status: 'inconclusive' }])).toBe('inconclusive');
    expect(worstStatus([{ status: 'inconclusive' }, { status: 'fail' }, { status: 'pass' }])).toBe('fail');
  });
});

describe('mfaCapable gate', () => {
  const obs = (members: string[], minPercent = 95) =>
    rollout({ gates: { mfaCapable: { minPercent } }, waves: [{ name: 'w', group: 'Group w' }] }, [{ name: 'w', groupId: 'g', members }]);
  const users = ids('u', 20);
  const rows = (capable: number) => users.map((u, i) => (i < capable ? capableRow(u) : noMethodRow(u)));

  it('passes at exactly the threshold (19/20 = 95%)', () => {
    const r = mfaCapableGate.evaluate(contextFor(obs(users), tenant({ rows: rows(19) }), 0));
    expect(r).toMatchObject({ gate: 'mfaCapable', status: 'pass', value: 95, threshold: 95 });
  });

  it('fails below it and names the reasons', () => {
    const r = mfaCapableGate.evaluate(contextFor(obs(users), tenant({ rows: rows(18) }), 0));
    expect(r).toMatchObject({ status: 'fail', value: 90, threshold: 95 });
    expect(r.message).toContain('18/20');
    expect(r.message).toContain('noMethod 2');
  });

  it('is inconclusive for an empty group, saying why', () => {
    const r = mfaCapableGate.evaluate(contextFor(obs([]), tenant(), 0));
    expect(r.status).toBe('inconclusive');
    expect(r.message).toMatch(/no user members/);
  });

  it('is inconclusive when every member was counted in an earlier wave', () => {
    const o = twoWaves(false, undefined, { pilot: ['x'], early: ['x'] });
    const r = mfaCapableGate.evaluate(contextFor(o, tenant({ rows: [capableRow('x')] }), 1));
    expect(r.status).toBe('inconclusive');
    expect(r.message).toMatch(/already counted in earlier waves/);
  });

  it('is inconclusive when the report could not be read', () => {
    const r = mfaCapableGate.evaluate(contextFor(obs(users), tenant({ rows: rows(20), unavailable: { registrations: '403 licence' } }), 0));
    expect(r.status).toBe('inconclusive');
    expect(r.message).toContain('403 licence');
  });

  it('is inconclusive when the audit log could not be read (abandoned registrations cannot be ruled out)', () => {
    expect(mfaCapableGate.evaluate(contextFor(obs(users), tenant({ rows: rows(20) }), 0)).status).toBe('pass');
    const r = mfaCapableGate.evaluate(contextFor(obs(users), tenant({ rows: rows(20), unavailable: { audits: 'malformed response' } }), 0));
    expect(r).toMatchObject({ status: 'inconclusive' });
    expect(r.message).toContain('malformed response');
  });
});

describe('soak gate', () => {
  it('passes for the first wave: nothing enforced before it', () => {
    expect(soakGate.evaluate(contextFor(twoWaves(false), tenant(), 0))).toMatchObject({ status: 'pass' });
  });

  it('fails while the previous wave is not widened', () => {
    expect(soakGate.evaluate(contextFor(twoWaves(false), tenant(), 1))).toMatchObject({ status: 'fail' });
  });

  it('is inconclusive when the previous wave is widened but when is unknown, and tells the admin to declare widenedAt', () => {
    const r = soakGate.evaluate(contextFor(twoWaves(true), tenant(), 1));
    expect(r.status).toBe('inconclusive');
    expect(r.message).toMatch(/declare widenedAt on wave pilot/);
  });

  it('a declared widenedAt resolves it', () => {
    expect(soakGate.evaluate(contextFor(twoWaves(true, at(-100)), tenant(), 1))).toMatchObject({ status: 'pass', value: 100, threshold: 72 });
    expect(soakGate.evaluate(contextFor(twoWaves(true, at(-10)), tenant(), 1))).toMatchObject({ status: 'fail', value: 10 });
  });

  it('measures from the audit event when there is one (over the declared time)', () => {
    const t = tenant({ audits: [addMember(TARGET_GROUP, 'grp-pilot', 'Group', at(-71))] });
    const r = soakGate.evaluate(contextFor(twoWaves(true, at(-1000)), t, 1));
    expect(r).toMatchObject({ status: 'fail', value: 71 });
    expect(r.message).toContain('audit log');
    expect(soakGate.evaluate(contextFor(twoWaves(true), t, 1, new Date(Date.parse(at(1)))))).toMatchObject({ status: 'pass', value: 72 });
  });

  it('passes with minHours 0 even when the widening time is unknown', () => {
    const o = twoWaves(true);
    const ctx = contextFor(o, tenant(), 1);
    expect(soakGate.evaluate({ ...ctx, settings: { ...ctx.settings, soak: { minHours: 0 } } }).status).toBe('pass');
  });
});

describe('signInHealth gate', () => {
  const enforced = ids('e', 100);
  const obs = rollout({ waves: [{ name: 'w', group: 'Group w' }] }, [{ name: 'w', groupId: 'g', members: ['x'] }], enforced);

  it('passes with value 0 when nobody is enforced yet', () => {
    const none = rollout({ waves: [{ name: 'w', group: 'Group w' }] }, [{ name: 'w', groupId: 'g', members: ['x'] }]);
    expect(signInHealthGate.evaluate(contextFor(none, tenant({ unavailable: { signIns: 'x' } }), 0))).toMatchObject({ status: 'pass', value: 0 });
  });

  it('counts distinct enforced users with MFA error codes in the window', () => {
    const signIns = [
      signIn('e-000', 50074, at(-1)),
      signIn('e-000', 50076, at(-2)), // same user twice
      signIn('e-001', 53004, at(-3)),
      signIn('e-002', 0, at(-3)), // success
      signIn('e-003', 50126, at(-3)), // wrong password: not MFA
      signIn('e-004', 50079, at(-30)), // outside the 24 h window
      signIn('stranger', 50072, at(-1)), // not enforced
    ];
    const r = signInHealthGate.evaluate(contextFor(obs, tenant({ signIns }), 0));
    expect(r).toMatchObject({ status: 'pass', value: 2, threshold: 2 });
    const more = [...signIns, signIn('e-005', 50072, at(-4))];
    expect(signInHealthGate.evaluate(contextFor(obs, tenant({ signIns: more }), 0))).toMatchObject({ status: 'fail', value: 3 });
  });

  // Issue 13.3: 50074/50076 are the challenge on the way to a successful MFA sign-in; 500121 (MFA
  // failed) and 53003 (blocked by CA) are failures. Codes per Microsoft Learn, "Microsoft Entra
  // authentication and authorization error codes".
  it('an interrupt followed by a success is not a failure; 500121 and 53003 not followed by one are', () => {
    const flow = [signIn('e-000', 50074, at(-2)), signIn('e-000', 0, at(-1.99)), signIn('e-001', 50076, at(-3)), signIn('e-001', 0, at(-2.5)), signIn('e-002', 50072, at(-5)), signIn('e-002', 0, at(-4))];
    expect(signInHealthGate.evaluate(contextFor(obs, tenant({ signIns: flow }), 0))).toMatchObject({ status: 'pass', value: 0 });
    const failures = [...flow, signIn('e-003', 500121, at(-1)), signIn('e-004', 53003, at(-2)), signIn('e-005', 500121, at(-6)), signIn('e-005', 0, at(-5))];
    const r = signInHealthGate.evaluate(contextFor(obs, tenant({ signIns: failures }), 0));
    expect(r).toMatchObject({ status: 'pass', value: 2 });
    expect(r.message).toContain('2/100 enforced users');
    expect(r.message).toContain('500121 AuthenticationFailedDuringStrongAuthRequest ×1');
    expect(r.message).toContain('53003 BlockedByConditionalAccess ×1');
    // a success BEFORE the interrupt does not clear it
    const late = [...failures, signIn('e-006', 0, at(-3)), signIn('e-006', 50074, at(-2))];
    expect(signInHealthGate.evaluate(contextFor(obs, tenant({ signIns: late }), 0))).toMatchObject({ status: 'fail', value: 3 });
  });

  it('leaves disabled enforced users out of the share', () => {
    const signIns = [signIn('e-000', 500121, at(-1)), signIn('e-001', 500121, at(-1)), signIn('e-002', 500121, at(-1))];
    const disabled = new Set(ids('e', 100).slice(50));
    expect(signInHealthGate.evaluate(contextFor(obs, tenant({ signIns, disabledUserIds: disabled }), 0))).toMatchObject({ status: 'fail', value: 6 });
  });

  it('ignores failures from before the user was enforced by the rollout', () => {
    const users = ids('p', 10);
    const widened = rollout({ waves: [{ name: 'pilot', group: 'Group pilot' }, { name: 'next', group: 'Group next' }] }, [{ name: 'pilot', groupId: 'grp-pilot', members: users, widened: true }, { name: 'next', groupId: 'grp-next', members: ['n'] }], users);
    const audits = [addMember(TARGET_GROUP, 'grp-pilot', 'Group', at(-5))];
    const before = [signIn('p-000', 50074, at(-8)), signIn('p-001', 50076, at(-6))];
    expect(signInHealthGate.evaluate(contextFor(widened, tenant({ signIns: before, audits }), 1))).toMatchObject({ status: 'pass', value: 0 });
    const after = [...before, signIn('p-002', 50074, at(-1))];
    expect(signInHealthGate.evaluate(contextFor(widened, tenant({ signIns: after, audits }), 1))).toMatchObject({ status: 'fail', value: 10 });
  });

  it('is inconclusive when the sign-in log is unavailable or does not cover the window', () => {
    expect(signInHealthGate.evaluate(contextFor(obs, tenant({ unavailable: { signIns: 'no P1 licence' } }), 0)).status).toBe('inconclusive');
    expect(signInHealthGate.evaluate(contextFor(obs, tenant({ signInsFrom: at(-6) }), 0)).status).toBe('inconclusive');
  });
});

describe('freshness gate', () => {
  const obs = rollout({ waves: [{ name: 'w', group: 'Group w' }] }, [{ name: 'w', groupId: 'g', members: ['u1'] }]);

  it('passes for a recent read', () => {
    expect(freshnessGate.evaluate(contextFor(obs, tenant({ reportFetchedAt: at(-2) }), 0))).toMatchObject({ status: 'pass', value: 2, threshold: 24 });
  });

  it('is inconclusive when the data is older than maxAgeHours', () => {
    const r = freshnessGate.evaluate(contextFor(obs, tenant({ reportFetchedAt: at(-30) }), 0));
    expect(r).toMatchObject({ status: 'inconclusive', value: 30 });
  });

  it('is inconclusive when the report has not caught up with a registration 30 h old', () => {
    const t = tenant({ rows: [{ ...noMethodRow('u1'), lastUpdatedDateTime: at(-48) }], audits: [registeredSecurityInfo('u1', at(-30))], reportFetchedAt: at(-1) });
    expect(freshnessGate.evaluate(contextFor(obs, t, 0))).toMatchObject({ status: 'inconclusive', value: 30 });
    // once the row reflects it, the data is fresh
    const caughtUp = tenant({ rows: [capableRow('u1', at(-29))], audits: [registeredSecurityInfo('u1', at(-30))], reportFetchedAt: at(-1) });
    expect(freshnessGate.evaluate(contextFor(obs, caughtUp, 0))).toMatchObject({ status: 'pass', value: 1 });
  });

  it('is inconclusive when the read time is unknown or the report unavailable', () => {
    expect(freshnessGate.evaluate(contextFor(obs, tenant({ reportFetchedAt: 'yesterday' }), 0)).status).toBe('inconclusive');
    expect(freshnessGate.evaluate(contextFor(obs, tenant({ unavailable: { registrations: 'x' } }), 0)).status).toBe('inconclusive');
  });
});

describe('providers that throw', () => {
  const obs = rollout({ waves: [{ name: 'w', group: 'Group w' }] }, [{ name: 'w', groupId: 'g', members: ['u1'] }], ['u1']);

  it('become inconclusive with the error message, and the others still run', () => {
    const boom: GateProvider = {
      gate: 'custom',
      evaluate() {
        throw new Error('Graph said 500');
      },
    };
    const results = evaluateWaveGates(contextFor(obs, tenant({ rows: [capableRow('u1')] }), 0), [mfaCapableGate, boom]);
    expect(results.map((r) => [r.gate, r.status])).toEqual([
      ['mfaCapable', 'pass'],
      ['custom', 'inconclusive'],
    ]);
    expect(results[1]!.message).toContain('Graph said 500');
  });

  it('a malformed result is inconclusive too', () => {
    const bad: GateProvider = { gate: 'bad', evaluate: () => ({ status: 'maybe' }) as unknown as WaveGateResult };
    expect(runGate(bad, contextFor(obs, tenant(), 0)).status).toBe('inconclusive');
  });

  it('a real provider failing on its data is inconclusive', () => {
    const t = tenant();
    Object.defineProperty(t, 'signIns', {
      get() {
        throw new Error('sign-in page 3 failed');
      },
    });
    const r = runGate(signInHealthGate, contextFor(obs, t, 0));
    expect(r).toMatchObject({ gate: 'signInHealth', status: 'inconclusive' });
    expect(r.message).toContain('sign-in page 3 failed');
  });
});
