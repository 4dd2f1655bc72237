import type { GraphGateway, LiveCaPolicy, LiveMethodConfiguration, LiveMethodsPolicy } from '../graph/index.js';
import { findGroupsByDisplayName, getAuthenticationMethodsPolicy, getMethodConfiguration, GraphRequestError, listPolicies, methodConfigurationsById } from '../graph/index.js';
import { caUsersOf } from '../waves/caUsers.js';
import { UserError } from '../errors.js';
import { ALL_USERS_TARGET, EMPTY_TARGET_ID } from '../plan/directory.js';
import { GENERIC_METHODS } from '../plan/methodConfigs.js';
import type { ExportInput, ExportNames } from '../render/exportYaml.js';
import { readExportReferences } from './exportReferences.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads the live settings `export` writes, and a name for every id they mention. */
export async function readForExport(gw: GraphGateway, options: { tenantId?: string; cloud: string }): Promise<ExportInput> {
  const [methodsPolicy, policies, tenantId] = await Promise.all([
    getAuthenticationMethodsPolicy(gw),
    listPolicies(gw),
    options.tenantId ? Promise.resolve(options.tenantId) : organisationId(gw),
  ]);
  const methodConfigurations = methodConfigurationsById(methodsPolicy) ?? {};
  for (const id of ['MicrosoftAuthenticator', 'TemporaryAccessPass']) {
    methodConfigurations[id.toLowerCase()] ??= await getMethodConfiguration(gw, id);
  }
  const ids = collectIds(methodsPolicy, methodConfigurations, policies);
  const names = await nameIds(gw, ids);
  const references = await readExportReferences(gw, policies, names);
  return { tenantId, cloud: options.cloud, methodsPolicy, methodConfigurations, conditionalAccessPolicies: policies, names, ...references };
}

/**
 * The tenant id, from /organization. Organization.Read.All is optional for export: without it (403)
 * the error says to pass --tenant-id; any other failure (401, throttling, a damaged answer) is
 * reported as it is, naming the request and its request-id.
 */
async function organisationId(gw: GraphGateway): Promise<string> {
  let orgs: Array<{ id?: string }>;
  try {
    orgs = await gw.listAll<{ id?: string }>('/organization?$select=id');
  } catch (err) {
    if (err instanceof GraphRequestError && err.status === 403) {
      throw new UserError(err.message, { detail: 'export reads the tenant id from /organization (Organization.Read.All, optional): grant it, or pass --tenant-id' });
    }
    throw err;
  }
  if (orgs[0]?.id) return orgs[0].id;
  throw new UserError('/organization named no tenant: pass --tenant-id');
}

function collectIds(policy: LiveMethodsPolicy, configs: Record<string, LiveMethodConfiguration>, caPolicies: LiveCaPolicy[]): { users: Set<string>; groups: Set<string> } {
  const users = new Set<string>();
  const groups = new Set<string>();
  type Target = { id?: string | null; targetType?: string | null } | null | undefined;
  const addTargets = (list: readonly Target[] | null | undefined) => {
    for (const t of list ?? []) if (t) (t.targetType === 'user' ? users : groups).add(String(t.id));
  };
  for (const c of [configs.microsoftauthenticator, configs.temporaryaccesspass, ...GENERIC_METHODS.map((d) => configs[d.graphId.toLowerCase()])]) {
    addTargets(c?.includeTargets);
    addTargets(c?.excludeTargets);
    for (const s of Object.values(c?.featureSettings ?? {})) addTargets([s?.includeTarget, s?.excludeTarget]);
  }
  const campaign = policy.registrationEnforcement?.authenticationMethodsRegistrationCampaign;
  addTargets(campaign?.includeTargets);
  addTargets(campaign?.excludeTargets);
  for (const p of caPolicies) {
    const u = caUsersOf(p);
    for (const id of [...(u.includeUsers ?? []), ...(u.excludeUsers ?? [])]) users.add(id);
    for (const id of [...(u.includeGroups ?? []), ...(u.excludeGroups ?? [])]) groups.add(id);
  }
  for (const set of [users, groups]) for (const id of [...set]) if (!GUID.test(id) || id === EMPTY_TARGET_ID || id === ALL_USERS_TARGET) set.delete(id);
  return { users, groups };
}

/** A name is used only when it leads back to exactly this object; otherwise the id stays, with a comment. */
async function nameIds(gw: GraphGateway, ids: { users: Set<string>; groups: Set<string> }): Promise<ExportNames> {
  const names: ExportNames = { refs: new Map(), keptIds: new Map() };
  const wanted = [...[...ids.users].map((id) => ({ id, kind: 'user' as const })), ...[...ids.groups].map((id) => ({ id, kind: 'group' as const }))];
  const results = await gw.batch<{ displayName?: string; userPrincipalName?: string }>(
    wanted.map(({ id, kind }) => ({ method: 'GET', url: kind === 'user' ? `/users/${id}?$select=id,userPrincipalName` : `/groups/${id}?$select=id,displayName` })),
  );
  const groupNames = new Map<string, string>();
  results.forEach((r, i) => {
    const { id, kind } = wanted[i]!;
    if (r.status === 404) names.keptIds.set(id, `${kind} not found in the tenant (deleted?)`);
    else if (!r.ok) throw r.error ?? new UserError(`could not read ${kind} ${id}`);
    else if (kind === 'user' && r.body?.userPrincipalName) names.refs.set(id, r.body.userPrincipalName);
    else if (kind === 'group' && r.body?.displayName) groupNames.set(id, r.body.displayName);
  });
  await Promise.all(
    [...groupNames].map(async ([id, name]) => {
      const hits = await findGroupsByDisplayName(gw, name, ['id']);
      if (hits.length === 1) names.refs.set(id, name);
      else names.keptIds.set(id, `group "${name}": ${hits.length} groups share this name, so the id is kept`);
    }),
  );
  return names;
}
