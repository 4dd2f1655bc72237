import type { DesiredState } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import { getAuthenticationMethodsPolicy, getMethodConfiguration, listAuthenticationStrengths, listNamedLocations, listPolicies, type GraphGateway } from '../graph/index.js';
import { GENERIC_METHODS } from '../plan/methodConfigs.js';
import { collectRefs } from './refs.js';
import { labelLiveIds, resolveDeclaredRefs } from './resolve.js';
import { resolveReferenceNames } from './resolveReferences.js';
import type { LiveState } from './types.js';
import type { Json } from '../util/json.js';

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
    getAuthenticationMethodsPolicy(gw) as Promise<unknown> as Promise<Json>,
    listPolicies(gw) as Promise<unknown> as Promise<Json[]>,
    resolveDeclaredRefs(gw, collectRefs(desired)),
    listAuthenticationStrengths(gw),
    listNamedLocations(gw),
  ]);
  const referenceErrors = await resolveReferenceNames(gw, desired, resolved.directory, { strengths: authenticationStrengths, locations: namedLocations, caPolicies });
  if (resolved.diagnostics.length + referenceErrors.length > 0) return { diagnostics: [...resolved.diagnostics, ...referenceErrors] };

  const methodConfigurations: Record<string, Json> = {};
  for (const config of (Array.isArray(policy.authenticationMethodConfigurations) ? policy.authenticationMethodConfigurations : []) as Json[]) {
    if (typeof config.id === 'string') methodConfigurations[config.id.toLowerCase()] = config;
  }
  // A declared method whose configuration the policy GET did not expand is read on its own.
  const declared = GENERIC_METHODS.filter((d) => desired.authenticationMethods?.spec[d.key]).map((d) => d.graphId);
  await Promise.all(
    [...REQUIRED_CONFIGURATIONS, ...declared].filter((id) => !methodConfigurations[id.toLowerCase()]).map(async (id) => {
      methodConfigurations[id.toLowerCase()] = (await getMethodConfiguration(gw, id)) as unknown as Json;
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

function idsOfPolicy(p: Json): { users: string[]; groups: string[] } {
  const users = ((p.conditions as Json | undefined)?.users ?? {}) as Record<string, unknown>;
  const list = (key: string) => (Array.isArray(users[key]) ? (users[key] as unknown[]).map(String) : []);
  return { users: [...list('includeUsers'), ...list('excludeUsers')], groups: [...list('includeGroups'), ...list('excludeGroups')] };
}

function targetIds(value: unknown, type: 'user' | 'group'): string[] {
  return (Array.isArray(value) ? value : [])
    .map((t) => t as Json)
    .filter((t) => (t.targetType ?? 'group') === type)
    .map((t) => String(t.id));
}

function liveReferencedIds(policy: Json, configs: Record<string, Json>, caPolicies: Json[]): { users: string[]; groups: string[] } {
  const users: string[] = [];
  const groups: string[] = [];
  for (const p of caPolicies) {
    const ids = idsOfPolicy(p);
    users.push(...ids.users);
    groups.push(...ids.groups);
  }
  for (const config of Object.values(configs)) {
    groups.push(...targetIds(config.includeTargets, 'group'), ...targetIds(config.excludeTargets, 'group'));
    for (const setting of Object.values((config.featureSettings ?? {}) as Record<string, Json>)) {
      for (const t of [setting?.includeTarget, setting?.excludeTarget]) if (t) groups.push(String((t as Json).id));
    }
  }
  const campaign = (((policy.registrationEnforcement ?? {}) as Json).authenticationMethodsRegistrationCampaign ?? {}) as Json;
  for (const key of ['includeTargets', 'excludeTargets']) {
    users.push(...targetIds(campaign[key], 'user'));
    groups.push(...targetIds(campaign[key], 'group'));
  }
  return { users, groups };
}
