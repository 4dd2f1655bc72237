// The preflight twin (issue 17.3): a report-only copy of a rollout's CA policy scoped to the wave that
// would be promoted next, so the sign-in log shows what that wave WOULD meet before it is enforced
// (src/waves/preflight.ts reads the results). The tool creates it, keeps it in step with the policy,
// moves it on when its wave is promoted and deletes it when no wave is left to preflight. It is planned
// like any resource: the plan shows its create/update/delete and the safety rules judge its body (its
// exclusions are the policy's own, so the emergency accounts stay excluded). Pure.
import type { DesiredState, PolicyDocument } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import type { LiveState } from '../tenant/types.js';
import { wavePreflight } from '../waves/preflight.js';
import { resolveRef } from './directory.js';
import { desiredConditionalAccess } from './normalise.js';
import type { WavePlan } from './types.js';
import type { LiveCaPolicy } from '../graph/payloads.js';
import { caConditionsOf, caUsersOf } from '../waves/caUsers.js';
import type { Json } from '../util/json.js';

/** The report-only state of a CA policy (Graph: conditionalAccessPolicyState). */
export const REPORT_ONLY = 'enabledForReportingButNotEnforced';

/** Plan addresses of the twins: `PreflightTwin.<rollout>`. */
export const PREFLIGHT_TWIN_PREFIX = 'PreflightTwin.';

/** The twin's display name: derived from the policy's and the rollout's, so it is found again by name. */
export function preflightTwinName(policyDisplayName: string, rollout: string): string {
  return `${policyDisplayName} [preflight ${rollout}]`;
}

export interface PreflightTwinPlan {
  rollout: string;
  address: string;
  displayName: string;
  /** The live twin, when it exists (exactly one by name). */
  live?: LiveCaPolicy;
  /** The twin as it must be (a desired body, diffed generically); undefined: it must not exist. Absent `want` and absent `live`: nothing to plan. */
  want?: Json;
  /** The wave the twin is scoped to (`want`). */
  wave?: string;
  /** The waves were not evaluated (apply --only config): the twin is left exactly as it is. */
  leaveAsIs?: boolean;
  source: { file: string; line: number };
}

function liveByName(live: Pick<LiveState, 'conditionalAccessPolicies'>, displayName: string): LiveCaPolicy[] {
  return live.conditionalAccessPolicies.filter((p) => (p.displayName ?? '').toLowerCase() === displayName.toLowerCase());
}

/** The live twin of a rollout (for the gate), when exactly one policy carries its name. */
export function findPreflightTwin(desired: DesiredState, live: Pick<LiveState, 'conditionalAccessPolicies'>, rollout: PolicyDocument<'Rollout'>): LiveCaPolicy | undefined {
  const policy = desired.conditionalAccessPolicies.find((p) => p.name === rollout.spec.policy);
  if (!policy) return undefined;
  const hits = liveByName(live, preflightTwinName(policy.spec.displayName, rollout.name));
  return hits.length === 1 ? hits[0] : undefined;
}

/**
 * The wave the twin watches: the first wave not done and not being promoted by this very plan (the
 * twin moves on in the same apply that promotes its wave), when that wave declares a preflight gate.
 */
export function preflightTargetWave(rollout: PolicyDocument<'Rollout'>, waves: readonly WavePlan[]): string | undefined {
  const next = waves.find((w) => w.rollout === rollout.name && w.decision !== 'done' && w.decision !== 'promote');
  return next && wavePreflight(rollout.spec, next.wave) ? next.wave : undefined;
}

/** The twin's body: the policy as declared, report-only, its users narrowed to one wave group, its exclusions kept. */
export function preflightTwinBody(policy: PolicyDocument<'ConditionalAccessPolicy'>, displayName: string, waveGroupId: string, directory: LiveState['directory']): Json {
  const base = desiredConditionalAccess(policy.spec, directory);
  const { includeGuestsOrExternalUsers: _guests, ...users } = caUsersOf(base);
  return {
    ...base,
    displayName,
    state: REPORT_ONLY,
    conditions: { ...caConditionsOf(base), users: { ...users, includeUsers: [], includeRoles: [], includeGroups: [waveGroupId] } },
  };
}

/** One entry per Rollout that declares a preflight gate anywhere (or whose twin is still live). */
export function planPreflightTwins(desired: DesiredState, live: LiveState, waves: readonly WavePlan[] | undefined): { twins: PreflightTwinPlan[]; diagnostics: Diagnostic[] } {
  const twins: PreflightTwinPlan[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const rollout of desired.rollouts) {
    const policy = desired.conditionalAccessPolicies.find((p) => p.name === rollout.spec.policy);
    if (!policy) continue; // the config rules report the unknown policy
    const source = { file: rollout.source.file, line: rollout.source.line };
    const displayName = preflightTwinName(policy.spec.displayName, rollout.name);
    const hits = liveByName(live, displayName);
    if (hits.length > 1) {
      diagnostics.push({ severity: 'error', code: 'ER032', message: `${hits.length} live CA policies are named "${displayName}" (the preflight twin of rollout ${rollout.name}; ids ${hits.map((h) => h.id).join(', ')}): delete all but one`, ...source });
      continue;
    }
    const twin: PreflightTwinPlan = { rollout: rollout.name, address: `${PREFLIGHT_TWIN_PREFIX}${rollout.name}`, displayName, source, ...(hits[0] ? { live: hits[0] } : {}) };
    const evaluated = (waves ?? []).some((w) => w.rollout === rollout.name);
    if (!evaluated) {
      if (twin.live) twins.push({ ...twin, leaveAsIs: true });
      continue;
    }
    const target = preflightTargetWave(rollout, waves ?? []);
    if (target) {
      const spec = rollout.spec.waves.find((w) => w.name === target)!;
      twin.wave = target;
      twin.want = preflightTwinBody(policy, displayName, resolveRef(live.directory, 'group', spec.group), live.directory);
    }
    if (twin.want || twin.live) twins.push(twin);
  }
  return { twins, diagnostics };
}
