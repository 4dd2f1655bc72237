import type { DesiredState } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import {
  getAuthenticationMethodsPolicy,
  getMethodConfiguration,
  listAuthenticationStrengths,
  listNamedLocations,
  listPolicies,
  methodConfigurationsById,
  targetIds,
  type GraphGateway,
  type LiveCaPolicy,
  type LiveMethodConfiguration,
  type LiveMethodsPolicy,
} from '../graph/index.js';
import { GENERIC_METHODS } from '../plan/methodConfigs.js';
import { caUsersOf } from '../waves/caUsers.js';
import { collectRefs } from './refs.js';
import { labelLiveIds, resolveDeclaredRefs } from './resolve.js';
import { resolveReferenceNames } from './resolveReferences.js';
import type { LiveState } from './types.js';

export interface ReadLiveResult {
  /** Absent when a reference could not be resolved. */
  live?: LiveState;
  diagnostics: Diagnostic[];
}

/** Configurations the planner needs even when the policy GET does not expand them. */
const REQUIRED_CONFIGURATIONS = ['MicrosoftAuthenticator', 'TemporaryAccessPass'];

/** Reads everything a plan of `desired` needs, resolving names to ids once. */
export async function readLiveState(gw: GraphGateway, desired: DesiredState): Promise<ReadLiveResult> {
  const [policy, caPolicies, resolved, authenticationStrengths, namedLocations] = await Promise.all([
    getAuthenticationMethodsPolicy(gw),
    listPolicies(gw),
    resolveDeclaredRefs(gw, collectRefs(desired)),
    listAuthenticationStrengths(gw),
    listNamedLocations(gw),
  ]);
  const referenceErrors = await resolveReferenceNames(gw, desired, resolved.directory, { strengths: authenticationStrengths, locations: namedLocations, caPolicies });
  if (resolved.diagnostics.length + referenceErrors.length > 0) return { diagnostics: [...resolved.diagnostics, ...referenceErrors] };

  const methodConfigurations = methodConfigurationsById(policy) ?? {};
  // A declared method whose configuration the policy GET did not expand is read on its own.
  const declared = GENERIC_METHODS.filter((d) => desired.authenticationMethods?.spec[d.key]).map((d) => d.graphId);
  await Promise.all(
    [...REQUIRED_CONFIGURATIONS, ...declared].filter((id) => !methodConfigurations[id.toLowerCase()]).map(async (id) => {
      methodConfigurations[id.toLowerCase()] = await getMethodConfiguration(gw, id);
    }),
  );

  const { users, groups } = liveReferencedIds(policy, methodConfigurations, caPolicies);
  const missing = new Set(await labelLiveIds(gw, resolved.directory, { users, groups }));
  const diagnostics: Diagnostic[] = [];
  for (const p of caPolicies) {
    const ids = idsOfPolicy(p);
    const gone = [...ids.users, ...ids.groups].filter((id) => missing.has(id));
    if (gone.length > 0) {
      diagnostics.push({ severity: 'warning', code: 'WR135', message: `CA policy "${String(p.displayName)}" references deleted or unknown directory object(s) ${gone.join(', ')}` });
    }
  }
  return {
    live: { tenantId: desired.tenant.spec.tenantId, authenticationMethodsPolicy: policy, methodConfigurations, conditionalAccessPolicies: caPolicies, directory: resolved.directory, authenticationStrengths, namedLocations },
    diagnostics,
  };
}

function idsOfPolicy(p: LiveCaPolicy): { users: string[]; groups: string[] } {
  const users = caUsersOf(p);
  const list = (ids: readonly string[] | null | undefined) => ids ?? [];
  return { users: [...list(users.includeUsers), ...list(users.excludeUsers)], groups: [...list(users.includeGroups), ...list(users.excludeGroups)] };
}

function liveReferencedIds(policy: LiveMethodsPolicy, configs: Record<string, LiveMethodConfiguration>, caPolicies: LiveCaPolicy[]): { users: string[]; groups: string[] } {
  const users: string[] = [];
  const groups: string[] = [];
  for (const p of caPolicies) {
    const ids = idsOfPolicy(p);
    users.push(...ids.users);
    groups.push(...ids.groups);
  }
  for (const config of Object.values(configs)) {
    groups.push(...targetIds(config.includeTargets, 'group'), ...targetIds(config.excludeTargets, 'group'));
    for (const setting of Object.values(config.featureSettings ?? {})) {
      for (const t of [setting?.includeTarget, setting?.excludeTarget]) if (t) groups.push(String(t.id));
    }
  }
  const campaign = policy.registrationEnforcement?.authenticationMethodsRegistrationCampaign;
  for (const targets of [campaign?.includeTargets, campaign?.excludeTargets]) {
    users.push(...targetIds(targets, 'user'));
    groups.push(...targetIds(targets, 'group'));
  }
  return { users, groups };
}
