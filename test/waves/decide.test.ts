import { describe, expect, it } from 'vitest';
import { estimateEta, evaluateRollout } from '../../src/waves/decide.js';
import type { GateProvider } from '../../src/waves/gates.js';
import { DEFAULT_GATE_PROVIDERS } from '../../src/waves/gates.js';
import { indexReadiness, waveReadiness } from '../../src/waves/readiness.js';
import type { RegistrationRow, RolloutObservation, WaveStatus } from '../../src/waves/types.js';
import { D, H, NOW, T0, TARGET_GROUP, addMember, at, capableRow, ids, noMethodRow, notCapableRow, registeredSecurityInfo, rollout, startedAuthenticator, tenant } from './fixtures.js';

const PILOT = ids('it', 10);
const EARLY = ids('early', 20);
const EVERYONE = ids('staff', 50);

const SPEC = {
  gates: { mfaCapable: { minPercent: 95 }, soak: { minHours: 72 }, signInHealth: { maxPercent: 2, windowHours: 24 }, freshness: { maxAgeHours: 24 } },
  maxNewUsersPerApply: 5000,
  waves: [
    { name: 'pilot', group: 'Group pilot', gates: { mfaCapable: { minPercent: 100 }, soak: { minHours: 0 } } },
    { name: 'early', group: 'Group early' },
    { name: 'everyone', group: 'Group everyone', gates: { mfaCapable: { minPercent: 90 } } },
  ],
};

function observe(widened: { pilot?: boolean; early?: boolean } = {}, spec: Parameters<typeof rollout>[0] = SPEC): RolloutObservation {
  const enforced = [...(widened.pilot ? PILOT : []), ...(widened.early ? EARLY : [])];
  return rollout(
    spec,
    [
      { name: 'pilot', groupId: 'grp-pilot', members: PILOT, widened: !!widened.pilot },
      // the pilot's first user is also in early: counted in the pilot only
      { name: 'early', groupId: 'grp-early', members: [PILOT[0]!, ...EARLY], widened: !!widened.early },
      { name: 'everyone', groupId: 'grp-everyone', members: [...PILOT, ...EARLY, ...EVERYONE] },
    ],
    enforced,
  );
}

/** early: 16 capable (80 %), 2 without a method, 1 abandoned Authenticator, 1 not in the report. */
function baseRows(): RegistrationRow[] {
  return [
    ...PILOT.map((u) => capableRow(u)),
    ...EARLY.slice(0, 16).map((u) => capableRow(u)),
    noMethodRow(EARLY[16]!),
    noMethodRow(EARLY[17]!),
    notCapableRow(EARLY[18]!, ['microsoftAuthenticatorPush']),
    ...EVERYONE.map((u) => capableRow(u)),
  ];
}
const abandoned = startedAuthenticator(EARLY[18]!, at(-20));

const decisions = (plans: WaveStatus[]) => plans.map((p) => `${p.wave}:${p.decision}`);
const gate = (p: WaveStatus | undefined, name: string) => p?.gates.find((g) => g.gate === name);

describe('evaluateRollout', () => {
  it('promotes a 100 % pilot and blocks the waves behind it', () => {
    const plans = evaluateRollout({ rollout: observe(), tenant: tenant({ rows: baseRows(), audits: [abandoned] }) }, NOW);
    expect(decisions(plans)).toEqual(['pilot:promote', 'early:blocked', 'everyone:blocked']);
    expect(plans[0]).toMatchObject({ rollout: 'mfa-enforcement', group: 'Group pilot', members: 10, mfaCapable: 10, newUsers: 10, percent: 100 });
    expect(plans[0]!.gates.map((g) => g.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    // every wave is evaluated, even blocked ones
    expect(plans[2]!.members).toBe(50);
    expect(gate(plans[2], 'mfaCapable')).toMatchObject({ status: 'pass', threshold: 90 });
  });

  it('holds the next wave at 80 % with counts by reason, then promotes it after registrations and the soak', () => {
    const widenedAt = T0 + 1 * H;
    const history = [abandoned, addMember(TARGET_GROUP, 'grp-pilot', 'Group', new Date(widenedAt).toISOString())];
    const held = evaluateRollout({ rollout: observe({ pilot: true }), tenant: tenant({ rows: baseRows(), audits: history, reportFetchedAt: at(1.5) }) }, new Date(T0 + 2 * H));
    expect(decisions(held)).toEqual(['pilot:done', 'early:hold', 'everyone:blocked']);
    const early = held[1]!;
    expect(early).toMatchObject({ members: 20, mfaCapable: 16, percent: 80, newUsers: 20 });
    expect(early.notReady).toEqual({ count: 4, byReason: { noMethod: 2, unverifiedAuthenticator: 1, unknown: 1 } });
    expect(gate(early, 'mfaCapable')).toMatchObject({ status: 'fail', value: 80, threshold: 95 });
    expect(gate(early, 'soak')).toMatchObject({ status: 'fail', value: 1, threshold: 72 });
    expect(held[0]).toMatchObject({ widenedAt: new Date(widenedAt).toISOString(), widenedAtSource: 'audit' });
    expect(early.eta).toBeNull(); // no registrations yet: no trend

    // Three days later the four stragglers finished registering and the report caught up.
    const later = T0 + 80 * H;
    const stragglers = EARLY.slice(16);
    const rows = baseRows().filter((r) => !stragglers.includes(r.id));
    rows.push(...stragglers.map((u) => capableRow(u, at(70))));
    const audits = [...history, ...stragglers.map((u) => registeredSecurityInfo(u, at(69)))];
    const promoted = evaluateRollout({ rollout: observe({ pilot: true }), tenant: tenant({ rows, audits, reportFetchedAt: at(79) }) }, new Date(later));
    expect(decisions(promoted)).toEqual(['pilot:done', 'early:promote', 'everyone:blocked']);
    expect(gate(promoted[1], 'mfaCapable')).toMatchObject({ status: 'pass', value: 100 });
    expect(gate(promoted[1], 'soak')).toMatchObject({ status: 'pass', value: 79 });
    expect(promoted[1]!.eta).toMatchObject({ days: 0, usersNeeded: 0 });
  });

  it('holds on unknown widening time of the previous wave until widenedAt is declared', () => {
    const t = tenant({ rows: baseRows().map((r) => (EARLY.includes(r.id) ? capableRow(r.id) : r)).concat(capableRow(EARLY[19]!)) });
    const held = evaluateRollout({ rollout: observe({ pilot: true }), tenant: t }, NOW);
    expect(decisions(held)).toEqual(['pilot:done', 'early:hold', 'everyone:blocked']);
    expect(gate(held[1], 'soak')?.status).toBe('inconclusive');
    expect(held[0]!.widenedAtSource).toBe('unknown');

    const declared = { ...SPEC, waves: SPEC.waves.map((w) => (w.name === 'pilot' ? { ...w, widenedAt: at(-24 * 40) } : w)) };
    const ok = evaluateRollout({ rollout: observe({ pilot: true }, declared), tenant: t }, NOW);
    expect(decisions(ok)).toEqual(['pilot:done', 'early:promote', 'everyone:blocked']);
    expect(ok[0]).toMatchObject({ widenedAt: at(-24 * 40), widenedAtSource: 'declared' });
  });

  it('never promotes a paused wave, and blocks those behind it', () => {
    const paused = { ...SPEC, waves: SPEC.waves.map((w) => (w.name === 'pilot' ? { ...w, paused: true } : w)) };
    const plans = evaluateRollout({ rollout: observe({}, paused), tenant: tenant({ rows: baseRows() }) }, NOW);
    expect(decisions(plans)).toEqual(['pilot:paused', 'early:blocked', 'everyone:blocked']);
  });

  it('promotes at most one wave, strictly in order', () => {
    const spec = { ...SPEC, gates: { ...SPEC.gates, mfaCapable: { minPercent: 0 }, soak: { minHours: 0 } }, waves: SPEC.waves.map((w) => ({ name: w.name, group: w.group })) };
    const plans = evaluateRollout({ rollout: observe({}, spec), tenant: tenant({ rows: baseRows() }) }, NOW);
    expect(decisions(plans)).toEqual(['pilot:promote', 'early:blocked', 'everyone:blocked']);
    expect(plans.filter((p) => p.decision === 'promote')).toHaveLength(1);
  });

  it('holds a wave that would enforce more than maxNewUsersPerApply users', () => {
    const over = evaluateRollout({ rollout: observe({}, { ...SPEC, maxNewUsersPerApply: 9 }), tenant: tenant({ rows: baseRows() }) }, NOW);
    expect(over[0]!.decision).toBe('hold');
    expect(gate(over[0], 'maxNewUsersPerApply')).toMatchObject({ status: 'fail', value: 10, threshold: 9 });
    const exact = evaluateRollout({ rollout: observe({}, { ...SPEC, maxNewUsersPerApply: 10 }), tenant: tenant({ rows: baseRows() }) }, NOW);
    expect(exact[0]!.decision).toBe('promote');
    const { maxNewUsersPerApply: _omit, ...unlimited } = SPEC;
    const none = evaluateRollout({ rollout: observe({}, unlimited), tenant: tenant({ rows: baseRows() }) }, NOW);
    expect(gate(none[0], 'maxNewUsersPerApply')).toBeUndefined();
    expect(none[0]!.decision).toBe('promote');
  });

  it('a provider that throws holds the wave instead of crashing or passing', () => {
    const boom: GateProvider = {
      gate: 'signInHealth',
      evaluate() {
        throw new TypeError("Cannot read properties of undefined (reading 'errorCode')");
      },
    };
    const providers = DEFAULT_GATE_PROVIDERS.map((p) => (p.gate === 'signInHealth' ? boom : p));
    const plans = evaluateRollout({ rollout: observe(), tenant: tenant({ rows: baseRows() }) }, NOW, { providers });
    expect(plans[0]!.decision).toBe('hold');
    expect(gate(plans[0], 'signInHealth')).toMatchObject({ status: 'inconclusive' });
    expect(gate(plans[0], 'signInHealth')!.message).toContain('errorCode');
  });

  it('a failure while computing readiness holds the wave with an inconclusive mfaCapable gate', () => {
    const t = tenant({ rows: baseRows() });
    const broken = new Map(t.registrations);
    broken.get = () => {
      throw new Error('report row malformed');
    };
    const plans = evaluateRollout({ rollout: observe(), tenant: { ...t, registrations: broken } }, NOW);
    expect(plans[0]!.decision).toBe('hold');
    expect(gate(plans[0], 'mfaCapable')).toMatchObject({ status: 'inconclusive' });
    expect(gate(plans[0], 'mfaCapable')!.message).toContain('report row malformed');
  });
});

describe('estimateEta', () => {
  const members = ids('m', 100);
  function setup(capable: number, registrations: { user: string; hoursAgo: number; reason?: string }[]) {
    const rows = members.map((u, i) => (i < capable ? capableRow(u) : noMethodRow(u)));
    const t = tenant({ rows, audits: registrations.map((r) => registeredSecurityInfo(r.user, at(-r.hoursAgo), r.reason)) });
    const index = indexReadiness(t);
    return { readiness: waveReadiness({ name: 'w', memberIds: members }, index), index };
  }

  it('extrapolates from ready members who registered in the last days', () => {
    // 80 capable, 95 % needs 15 more; 14 ready members registered in the last 7 days = 2 a day
    const recent = members.slice(0, 14).map((user, i) => ({ user, hoursAgo: 10 + i * 10 }));
    const stale = [{ user: members[20]!, hoursAgo: 8 * 24 }]; // outside the basis
    // registered something that is no MFA method, still not capable (a completed MFA registration
    // newer than the report row would make the user ready: the audit log outranks the report)
    const stillNotReady = [{ user: members[90]!, hoursAgo: 5, reason: 'User registered Email' }];
    const { readiness, index } = setup(80, [...recent, ...stale, ...stillNotReady]);
    const eta = estimateEta({ readiness, minPercent: 95, index, now: NOW });
    expect(eta).toEqual({ days: 7.5, at: new Date(T0 + 7.5 * D).toISOString(), registrationsPerDay: 2, usersNeeded: 15, basisDays: 7 });
  });

  it('is null without a trend and 0 when already there', () => {
    const { readiness, index } = setup(80, []);
    expect(estimateEta({ readiness, minPercent: 95, index, now: NOW })).toBeNull();
    const done = setup(96, []);
    expect(estimateEta({ readiness: done.readiness, minPercent: 95, index: done.index, now: NOW })).toMatchObject({ days: 0, usersNeeded: 0 });
  });
});

describe('rollback hold', () => {
  const removeMember = (container: string, member: string, when: string) => {
    const e = addMember(container, member, 'Group', when);
    return { ...e, activityDisplayName: 'Remove member from group', targetResources: e.targetResources.map((t) => ({ ...t, modifiedProperties: (t.modifiedProperties ?? []).map((p) => ({ ...p, oldValue: p.newValue, newValue: null })) })) };
  };
  const history = [
    addMember(TARGET_GROUP, 'grp-pilot', 'Group', at(-200)),
    addMember(TARGET_GROUP, 'grp-early', 'Group', at(-100)),
    removeMember(TARGET_GROUP, 'grp-early', at(-10)),
  ];
  const allCapable = () => [...PILOT, ...EARLY, ...EVERYONE].map((u) => capableRow(u));

  it('holds a rolled-back wave whose gates otherwise pass, until resumeAfter acknowledges the rollback', () => {
    const held = evaluateRollout({ rollout: observe({ pilot: true }), tenant: tenant({ rows: allCapable(), audits: history }) }, NOW);
    expect(held[1]!.decision).toBe('hold');
    expect(gate(held[1], 'rollback')).toMatchObject({ status: 'fail', value: new Date(Date.parse(at(-10))).toISOString() });

    const acknowledged = { ...SPEC, waves: SPEC.waves.map((w) => (w.name === 'early' ? { ...w, resumeAfter: at(-10) } : w)) };
    const resumed = evaluateRollout({ rollout: observe({ pilot: true }, acknowledged), tenant: tenant({ rows: allCapable(), audits: history }) }, NOW);
    expect(resumed[1]!.decision).toBe('promote');
    expect(gate(resumed[1], 'rollback')).toMatchObject({ status: 'pass' });
  });

  it('adds no rollback gate when the wave was re-widened after the removal, or never removed', () => {
    const plain = evaluateRollout({ rollout: observe({ pilot: true }), tenant: tenant({ rows: allCapable(), audits: history.slice(0, 1) }) }, NOW);
    expect(gate(plain[1], 'rollback')).toBeUndefined();
  });
});
