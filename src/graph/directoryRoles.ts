/**
 * The directory roles a user holds, for `users show`'s Conditional Access scope.
 *
 * Microsoft Learn "List a user's memberships (direct and transitive)" (user-list-transitivememberof):
 * `GET /users/{id}/transitiveMemberOf` lists groups, directory roles and administrative units; an
 * OData cast narrows it to one type, and a cast needs the advanced query parameters
 * (`ConsistencyLevel: eventual` and `$count=true`). Application permission: User.Read.All.
 *
 * CA's `includeRoles`/`excludeRoles` hold role TEMPLATE ids; a directoryRole's `id` is the activated
 * role's object id and its `roleTemplateId` the template (directoryrole resource page). An app that
 * may not read directory roles (RoleManagement.Read.Directory or Directory.Read.All) gets each role
 * with limited information: `@odata.type` and `id` only, `roleTemplateId` null ("Limited information
 * returned for inaccessible member objects"); `rolesWithheld` says so, never "holds no role".
 */
import type { GraphGateway } from './gateway.js';
import { buildQuery, seg } from './odata.js';

export interface UserDirectoryRole {
  /** The activated role's object id. */
  id: string;
  displayName?: string;
  /** What CA's includeRoles names; absent when Graph withheld it (limited information). */
  roleTemplateId?: string;
}

export function userDirectoryRolesPath(userId: string): string {
  return `/users/${seg(userId)}/transitiveMemberOf/microsoft.graph.directoryRole${buildQuery({ $select: ['id', 'displayName', 'roleTemplateId'], $count: 'true' })}`;
}

export async function listUserDirectoryRoles(gw: GraphGateway, userId: string): Promise<UserDirectoryRole[]> {
  const rows = await gw.listAll<Record<string, unknown>>(userDirectoryRolesPath(userId), { headers: { ConsistencyLevel: 'eventual' } });
  return rows.map((r) => ({
    id: String(r.id ?? ''),
    ...(typeof r.displayName === 'string' && r.displayName ? { displayName: r.displayName } : {}),
    ...(typeof r.roleTemplateId === 'string' && r.roleTemplateId ? { roleTemplateId: r.roleTemplateId } : {}),
  }));
}

/** Roles Graph returned without their template id: the app may not read directory roles. */
export function rolesWithheld(roles: readonly UserDirectoryRole[]): boolean {
  return roles.some((r) => r.roleTemplateId === undefined);
}
