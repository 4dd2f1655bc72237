// What `export` reads for strengths, named locations, roles and applications, and the names it may
// write for their ids: a name is used only when it leads back to exactly this object (the name is
// unique among its kind); otherwise the id stays, with a comment saying why.
import type { AuthenticationStrengthPolicy, ConditionalAccessPolicy, NamedLocation } from '@microsoft/microsoft-graph-types';
import {
  findServicePrincipals,
  GraphRequestError,
  listAuthenticationStrengths,
  listDirectoryRoleTemplates,
  listNamedLocations,
  type GraphGateway,
  type GraphJson,
} from '../graph/index.js';
import { GUID } from '../plan/references.js';
import type { ExportNames } from '../render/exportYaml.js';
import { caConditionsOf, caUsersOf } from '../waves/caUsers.js';

export interface ExportReferences {
  authenticationStrengths: GraphJson<AuthenticationStrengthPolicy>[];
  namedLocations: GraphJson<NamedLocation>[];
}

type Named = { id?: string | null; displayName?: string | null };

/** Reads the lists and adds names (or kept-id reasons) for the ids CA policies use to `names`. */
export async function readExportReferences(gw: GraphGateway, caPolicies: readonly ConditionalAccessPolicy[], names: ExportNames): Promise<ExportReferences> {
  const roleIds = new Set(caPolicies.flatMap((p) => [...(caUsersOf(p).includeRoles ?? []), ...(caUsersOf(p).excludeRoles ?? [])]).filter((id) => GUID.test(id)));
  const apps = (p: ConditionalAccessPolicy) => caConditionsOf(p).applications;
  const appIds = new Set(caPolicies.flatMap((p) => [...(apps(p)?.includeApplications ?? []), ...(apps(p)?.excludeApplications ?? [])]).filter((id) => GUID.test(id)));
  const [authenticationStrengths, namedLocations, roles] = await Promise.all([
    listAuthenticationStrengths(gw),
    listNamedLocations(gw),
    roleIds.size > 0 ? listDirectoryRoleTemplates(gw) : Promise.resolve([]),
  ]);
  nameUnique(authenticationStrengths, names, 'authentication strength');
  nameUnique(namedLocations, names, 'named location');
  nameUnique(roles.filter((r) => r.id && roleIds.has(r.id)), names, 'directory role', roles);
  for (const id of roleIds) if (!names.refs.has(id) && !names.keptIds.has(id)) names.keptIds.set(id, 'directory role template not found');

  let readable = true;
  await Promise.all(
    [...appIds].map(async (appId) => {
      let found: Awaited<ReturnType<typeof findServicePrincipals>>;
      try {
        found = readable ? await findServicePrincipals(gw, 'appId', appId) : [];
      } catch (err) {
        // Application.Read.All is optional for export: without it the appIds stay, each with a comment.
        if (!(err instanceof GraphRequestError) || err.status !== 403) throw err;
        readable = false;
      }
      if (!readable) {
        names.keptIds.set(appId, 'application: service principals not readable (grant Application.Read.All to export names)');
        return;
      }
      const [sp, ...more] = found!;
      if (!sp || more.length > 0 || typeof sp.displayName !== 'string') {
        names.keptIds.set(appId, sp ? 'application: no unique service principal' : 'application: no service principal in the tenant');
        return;
      }
      const sameName = await findServicePrincipals(gw, 'displayName', sp.displayName);
      if (sameName.filter((s) => String(s.displayName).toLowerCase() === sp.displayName!.toString().toLowerCase()).length === 1) names.refs.set(appId, sp.displayName);
      else names.keptIds.set(appId, `application "${sp.displayName}": ${sameName.length} service principals share this name, so the appId is kept`);
    }),
  );
  return { authenticationStrengths, namedLocations };
}

/** Names `objects` by displayName where that name is unique within `among` (default: `objects`). */
function nameUnique(objects: readonly Named[], names: ExportNames, what: string, among: readonly Named[] = objects): void {
  const counts = new Map<string, number>();
  for (const o of among) {
    const key = String(o.displayName ?? '').toLowerCase();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const o of objects) {
    const id = String(o.id);
    const name = typeof o.displayName === 'string' ? o.displayName : undefined;
    if (name && counts.get(name.toLowerCase()) === 1) names.refs.set(id, name);
    else names.keptIds.set(id, `${what} "${name ?? ''}": ${counts.get((name ?? '').toLowerCase()) ?? 0} share this name, so the id is kept`);
  }
}
