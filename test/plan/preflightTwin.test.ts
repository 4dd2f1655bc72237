// Issue 17.3: the preflight twin as a planned resource (pure). It follows the wave promoted next,
// moves on in the plan that promotes its wave, goes when no wave is left to preflight, is left alone
// when the waves were not evaluated, and is judged by the same lockout rules as every policy.
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../src/config/types.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { preflightTwinName } from '../../src/plan/preflightTwin.js';
import { refuseUnsafeWrites } from '../../src/plan/safety.js';
import type { PlanFile, PlanResource, WavePlan } from '../../src/plan/types.js';
import type { LiveState } from '../../src/tenant/types.js';
import { IDS, matchingLive, sampleDesired } from './fixtures.js';

const now = new Date('2026-03-10T12:00:00Z');
const TWIN = preflightTwinName('CA010 - Require MFA for rollout waves', 'mfa-enforcement');
const TWIN_ID = '3d8c5a9a-0000-4000-8000-0000000000aa';

function desiredWithPreflight(): DesiredState {
  const desired = sampleDesired();
  const spec = desired.rollouts[0]!.spec;
  // Early adopters preflighted; everyone not (so promoting early leaves no wave for the twin).
  spec.waves = spec.waves.map((w) => (w.name === 'early' ? { ...w, gates: { ...w.gates, preflight: { maxPercent: 10 } } } : w));
  return desired;
}

function waves(decisions: Record<string, WavePlan['decision']>): WavePlan[] {
  return Object.entries(decisions).map(([wave, decision]) => ({ rollout: 'mfa-enforcement', wave, group: wave, members: 1, mfaCapable: 1, decision, gates: [], notReady: { count: 0, byReason: {} } }));
}

function withLiveTwin(live: LiveState, includeGroups: string[]): LiveState {
  const policy = live.conditionalAccessPolicies.find((p) => p.id === IDS.caRequireMfa)!;
  const users = (policy.conditions as { users: Record<string, unknown> }).users;
  const twin: Record<string, unknown> = { ...policy, id: TWIN_ID, displayName: TWIN, state: 'enabledForReportingButNotEnforced', conditions: { ...(policy.conditions as object), users: { ...users, includeGroups, includeUsers: [], includeRoles: [] } } };
  return { ...live, conditionalAccessPolicies: [...live.conditionalAccessPolicies, twin] };
}

function twinOf(plan: PlanFile): PlanResource | undefined {
  return plan.resources.find((r) => r.address === 'PreflightTwin.mfa-enforcement');
}

describe('preflight twin in the plan', () => {
  it('is created report-only on the wave promoted next, with the policy\'s emergency exclusions', () => {
    const plan = buildPlan({ desired: desiredWithPreflight(), live: matchingLive(), now, toolVersion: 'test', waves: waves({ pilot: 'done', early: 'hold', everyone: 'blocked' }) });
    const twin = twinOf(plan)!;
    expect(twin).toMatchObject({ action: 'create', kind: 'ConditionalAccessPolicy', displayName: TWIN, write: { method: 'POST' } });
    const users = (twin.write!.body.conditions as { users: Record<string, string[]> }).users;
    expect(twin.write!.body.state).toBe('enabledForReportingButNotEnforced');
    expect(users.includeGroups).toEqual([IDS.wave1]);
    expect(users.excludeGroups).toEqual([IDS.emergencyGroup]);
    expect(users.excludeUsers).toEqual([IDS.bg1, IDS.bg2]);
    expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('is in step (noop) when it matches; deleted in the plan that promotes its wave when no wave is left to preflight', () => {
    const live = withLiveTwin(matchingLive(), [IDS.wave1]);
    const held = buildPlan({ desired: desiredWithPreflight(), live, now, toolVersion: 'test', waves: waves({ pilot: 'done', early: 'hold', everyone: 'blocked' }) });
    expect(twinOf(held)?.action).toBe('noop');
    const promoting = buildPlan({ desired: desiredWithPreflight(), live, now, toolVersion: 'test', waves: waves({ pilot: 'done', early: 'promote', everyone: 'blocked' }) });
    expect(twinOf(promoting)).toMatchObject({ action: 'delete', graphId: TWIN_ID, write: { method: 'DELETE', path: `/identity/conditionalAccess/policies/${TWIN_ID}`, body: {} } });
    // A DELETE carries no body for the lockout guard to judge: apply does not refuse it.
    expect(() => refuseUnsafeWrites([twinOf(promoting)!], desiredWithPreflight().tenant.spec, live)).not.toThrow();
  });

  it('is updated when the policy changes (kept in step) and left alone when the waves were not evaluated', () => {
    const live = withLiveTwin(matchingLive(), [IDS.wave0]); // still on a wave it no longer watches
    const moved = twinOf(buildPlan({ desired: desiredWithPreflight(), live, now, toolVersion: 'test', waves: waves({ pilot: 'done', early: 'hold', everyone: 'blocked' }) }))!;
    expect(moved).toMatchObject({ action: 'update', write: { method: 'PATCH' } });
    expect((moved.write!.body.conditions as { users: Record<string, string[]> }).users.includeGroups).toEqual([IDS.wave1]);
    const configOnly = buildPlan({ desired: desiredWithPreflight(), live, now, toolVersion: 'test' });
    expect(twinOf(configOnly)).toBeUndefined();
    expect(configOnly.diagnostics.map((d) => d.code)).not.toContain('WR133'); // not taken for a policy managed elsewhere
  });

  it('is judged by the emergency-exclusion rule like every policy', () => {
    const desired = desiredWithPreflight();
    const policy = desired.conditionalAccessPolicies.find((p) => p.name === 'require-mfa')!;
    policy.spec.conditions.users = { ...policy.spec.conditions.users, excludeGroups: [], excludeUsers: [] };
    const plan = buildPlan({ desired, live: matchingLive(), now, toolVersion: 'test', waves: waves({ pilot: 'done', early: 'hold', everyone: 'blocked' }) });
    expect(plan.diagnostics.filter((d) => d.code === 'ER033').map((d) => d.message)).toEqual(expect.arrayContaining([expect.stringContaining(TWIN)]));
  });

  it('a live twin edited by hand to drop the exclusions is the tool\'s own policy: ER033, never "not managed here"', () => {
    const live = withLiveTwin(matchingLive(), [IDS.wave1]);
    const twin = live.conditionalAccessPolicies.find((p) => p.id === TWIN_ID)!;
    const conditions = twin.conditions as { users: Record<string, unknown> };
    twin.conditions = { ...conditions, users: { ...conditions.users, excludeGroups: [], excludeUsers: [] } };
    const plan = buildPlan({ desired: desiredWithPreflight(), live, now, toolVersion: 'test' }); // waves not evaluated: left as it is
    const aboutTwin = plan.diagnostics.filter((d) => d.message.includes(TWIN)).map((d) => d.code);
    expect(aboutTwin).toEqual(['ER033']);
  });
});
