// Issue 14.5 and 14.7 (DESIGN.md "Round 2 contracts"): `waves status` exits 0 when waves are held only
// for expected reasons, 1 when a person must act; the summary line never contradicts a FAIL cell.
import { describe, expect, it } from 'vitest';
import type { WaveGateResult } from '../../src/plan/types.js';
import type { WaveStatus } from '../../src/waves/index.js';
import { statusExitCode, statusSummary, statusVerdict } from '../../src/waves/statusVerdict.js';

function gate(name: string, status: WaveGateResult['status'], message = `${name} ${status}`): WaveGateResult {
  return { gate: name, status, value: null, threshold: null, message };
}
function wave(name: string, decision: WaveStatus['decision'], gates: WaveGateResult[]): WaveStatus {
  return { rollout: 'r', wave: name, group: name, members: 10, mfaCapable: 5, decision, gates, notReady: { count: 5, byReason: { noMethod: 5 } } };
}
const ok = (n: string) => gate(n, 'pass');
const healthy = ['soak', 'signInHealth', 'freshness'].map(ok);

describe('waves status verdict', () => {
  it('readiness below threshold or soak running is a hold: exit 0, red only with --fail-on hold', () => {
    const v = statusVerdict([{ name: 'r', waves: [wave('pilot', 'done', [ok('mfaCapable'), ...healthy]), wave('early', 'hold', [gate('mfaCapable', 'fail', '62/100 users MFA capable'), gate('soak', 'fail', '10 h of 72'), ok('signInHealth'), ok('freshness')]), wave('all', 'blocked', [gate('mfaCapable', 'fail'), ...healthy])] }]);
    expect(v.attention).toEqual([]);
    expect(v.holds).toEqual(['r/early: held: mfaCapable failed: 62/100 users MFA capable; soak failed: 10 h of 72']);
    expect(statusExitCode(v)).toBe(0);
    expect(statusExitCode(v, 'hold')).toBe(1);
    // The table shows FAIL cells: the summary must not say "No failing gates."
    expect(statusSummary(v)).not.toContain('No failing gates');
    expect(statusSummary(v)).toMatch(/^Nothing needs a person; 1 wave\(s\) held/);
  });

  it('a sign-in health failure needs a person, once per rollout', () => {
    const bad = gate('signInHealth', 'fail', '1/3 enforced users (33.3%)');
    const v = statusVerdict([{ name: 'r', waves: [wave('pilot', 'done', [ok('mfaCapable'), bad]), wave('early', 'hold', [ok('mfaCapable'), ok('soak'), bad])] }]);
    expect(v.attention).toEqual(['r: signInHealth failed: 1/3 enforced users (33.3%)']);
    expect(v.holds).toEqual([]);
    expect(statusExitCode(v)).toBe(1);
    expect(statusSummary(v)).toBe('1 problem(s) need a person.');
  });

  it('a widened wave whose readiness regressed is listed under attention', () => {
    const v = statusVerdict([{ name: 'r', waves: [wave('pilot', 'done', [gate('mfaCapable', 'fail', '2/3 users MFA capable'), ...healthy])] }]);
    expect(v.attention).toEqual(['r/pilot: widened, but readiness regressed: 2/3 users MFA capable']);
    expect(statusExitCode(v)).toBe(1);
  });

  it('data that could not be read, and gates that cannot pass without an edit, need a person', () => {
    const unreadable = statusVerdict([{ name: 'r', waves: [wave('early', 'hold', [gate('mfaCapable', 'inconclusive'), ...healthy])] }], { registrations: '403 Forbidden' });
    expect(unreadable.attention).toEqual(['the registration report could not be read: 403 Forbidden']);
    expect(statusExitCode(unreadable)).toBe(1);
    const rolledBack = statusVerdict([{ name: 'r', waves: [wave('early', 'hold', [ok('mfaCapable'), ...healthy, gate('rollback', 'fail', 'set resumeAfter')])] }]);
    expect(rolledBack.attention).toEqual(['r/early: rollback failed: set resumeAfter (cannot pass without an edit)']);
    const tooBig = statusVerdict([{ name: 'r', waves: [wave('early', 'hold', [ok('mfaCapable'), ...healthy, gate('maxNewUsersPerApply', 'fail')])] }]);
    expect(statusExitCode(tooBig)).toBe(1);
    const history = statusVerdict([{ name: 'r', waves: [wave('early', 'hold', [ok('mfaCapable'), ...healthy, gate('rollback', 'inconclusive', 'rollback history could not be read')])] }]);
    expect(history.attention).toEqual(['r/early: rollback inconclusive: rollback history could not be read']);
  });

  it('a soak whose widening event is not ingested yet only holds (a status right after apply stays green)', () => {
    const v = statusVerdict([{ name: 'r', waves: [wave('early', 'hold', [ok('mfaCapable'), gate('soak', 'inconclusive'), ok('signInHealth'), ok('freshness')])] }]);
    expect(statusExitCode(v)).toBe(0);
    expect(statusSummary(statusVerdict([{ name: 'r', waves: [wave('pilot', 'promote', [ok('mfaCapable'), ...healthy])] }]))).toBe('No failing gates.');
  });
});
