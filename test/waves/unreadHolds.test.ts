// Decisions moved out of the CLI (issue 16.3): apply's "held because data could not be read" and --only.
import { describe, expect, it } from 'vitest';
import { restrictPlan } from '../../src/plan/restrict.js';
import type { PlanFile, WavePlan } from '../../src/plan/types.js';
import { heldOnUnreadData } from '../../src/waves/unreadHolds.js';

const wave = (name: string, decision: WavePlan['decision'], inconclusive: boolean): WavePlan => ({
  rollout: 'r',
  wave: name,
  group: name,
  members: 1,
  mfaCapable: 0,
  decision,
  gates: [{ gate: 'mfaCapable', status: inconclusive ? 'inconclusive' : 'fail', value: null, threshold: 95, message: '' }],
  notReady: { count: 0, byReason: {} },
});

describe('heldOnUnreadData', () => {
  it('names the waves held on an inconclusive gate and every source that could not be read', () => {
    const hold = heldOnUnreadData([wave('pilot', 'hold', true), wave('early', 'hold', false), wave('late', 'blocked', true)], { registrations: '403 denied', audits: '403 denied' });
    expect(hold?.message).toBe('r/pilot held: the registration report and the directory audit log could not be read');
    expect(hold?.detail).toBe('the registration report: 403 denied\nthe directory audit log: 403 denied\nNo wave was widened past a gate it could not check. Run apply again.');
  });
  it('nothing unread, or no wave held on an inconclusive gate: no error', () => {
    expect(heldOnUnreadData([wave('pilot', 'hold', true)], {})).toBeUndefined();
    expect(heldOnUnreadData([wave('pilot', 'hold', false)], { signIns: 'x' })).toBeUndefined();
  });
});

describe('restrictPlan', () => {
  const plan = { resources: [{ address: 'a', action: 'update' }], waves: [wave('pilot', 'promote', false)] } as unknown as PlanFile;
  it('--only config drops the waves; --only waves makes every resource a no-op', () => {
    expect(restrictPlan(plan, 'config').waves).toEqual([]);
    expect(restrictPlan(plan, 'config').resources).toEqual(plan.resources);
    expect(restrictPlan(plan, 'waves').resources.map((r) => r.action)).toEqual(['noop']);
    expect(restrictPlan(plan, 'waves').waves).toEqual(plan.waves);
  });
});
