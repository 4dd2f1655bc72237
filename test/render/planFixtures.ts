// Plans for the renderer tests, built by the real planner from the shared fixtures.
import { buildPlan } from '../../src/plan/buildPlan.js';
import type { PlanFile, WavePlan } from '../../src/plan/types.js';
import type { LiveState } from '../../src/tenant/types.js';
import { IDS, matchingLive, sampleDesired } from '../plan/fixtures.js';

export const NOW = new Date('2026-11-23T12:00:00Z');

type Users = { users: Record<string, string[]> };

/** One create (a CA policy missing live), two updates (an exclusion, a method state), ER034 errors and a WR133 warning. */
export function changedPlan(waves: WavePlan[] = []): PlanFile {
  const live = matchingLive();
  live.conditionalAccessPolicies = live.conditionalAccessPolicies.filter((p) => p.id !== IDS.caLegacy);
  (live.conditionalAccessPolicies[0]!.conditions as Users).users.excludeGroups = [IDS.allStaff];
  live.conditionalAccessPolicies.push(unmanagedWithoutBreakglass2(live));
  const desired = sampleDesired();
  desired.authenticationMethods!.spec.microsoftAuthenticator!.state = 'disabled';
  return buildPlan({ desired, live, now: NOW, toolVersion: '0.1.0-test', waves });
}

export function unchangedPlan(): PlanFile {
  return buildPlan({ desired: sampleDesired(), live: matchingLive(), now: NOW, toolVersion: '0.1.0-test' });
}

function unmanagedWithoutBreakglass2(live: LiveState): Record<string, unknown> {
  const unmanaged = structuredClone(live.conditionalAccessPolicies[0]!);
  unmanaged.id = IDS.caUnmanaged;
  unmanaged.displayName = 'CA099 - Legacy VPN exception';
  (unmanaged.conditions as Users).users.excludeUsers = [IDS.bg1];
  (unmanaged.conditions as Users).users.excludeGroups = [IDS.emergencyGroup];
  return unmanaged;
}

export function sampleWaves(): WavePlan[] {
  return [
    {
      rollout: 'mfa-enforcement',
      wave: 'pilot',
      group: 'MFA Wave 0 - IT',
      members: 12,
      mfaCapable: 12,
      decision: 'done',
      gates: [{ gate: 'mfaCapable', status: 'pass', value: 100, threshold: 100, message: '12/12 users MFA capable (100%), needs ≥ 100%' }],
      notReady: { count: 0, byReason: {} },
    },
    {
      rollout: 'mfa-enforcement',
      wave: 'early',
      group: 'MFA Wave 1 - Early adopters',
      members: 240,
      mfaCapable: 239,
      decision: 'promote',
      gates: [
        { gate: 'mfaCapable', status: 'pass', value: 99.6, threshold: 95, message: '239/240 users MFA capable (99.6%), needs ≥ 95%' },
        { gate: 'soak', status: 'pass', value: 80, threshold: 72, message: 'previous wave widened 80 h ago, needs ≥ 72 h' },
      ],
      notReady: { count: 1, byReason: { noMethod: 1 } },
    },
    {
      rollout: 'mfa-enforcement',
      wave: 'everyone',
      group: 'All Staff',
      members: 4000,
      mfaCapable: 3599,
      decision: 'hold',
      gates: [
        { gate: 'freshness', status: 'inconclusive', value: null, threshold: 24, message: 'registration report unavailable: 403 Forbidden' },
        { gate: 'mfaCapable', status: 'fail', value: 89.9, threshold: 90, message: '3599/4000 users MFA capable (89.9%), needs ≥ 90%' },
        { gate: 'soak', status: 'pass', value: 100, threshold: 72, message: 'ok' },
      ],
      notReady: { count: 401, byReason: { unverifiedAuthenticator: 150, noMethod: 251 } },
    },
  ];
}
