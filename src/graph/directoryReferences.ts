// What CA policies name besides users and groups: directory roles (by role TEMPLATE id) and
// applications (by appId). /directoryRoleTemplates lists every built-in role, activated or not
// (directoryroletemplate-list; RoleManagement.Read.Directory), unlike /directoryRoles, which lists only
// activated ones. Service principals are found by appId or displayName (serviceprincipal-list,
// $filter eq on both; Application.Read.All).
import type { GraphGateway } from './gateway.js';
import { buildQuery, odataString } from './odata.js';
import type { Json } from '../util/json.js';

export function listDirectoryRoleTemplates(gw: GraphGateway): Promise<Array<{ id?: string; displayName?: string }>> {
  // The page documents no query options ("does not support the OData Query Parameters"): none are sent.
  return gw.listAll<{ id?: string; displayName?: string }>('/directoryRoleTemplates');
}

/** The request path that finds service principals by `appId` or `displayName`. */
export function servicePrincipalsWherePath(property: 'appId' | 'displayName', value: string): string {
  return `/servicePrincipals${buildQuery({ $filter: `${property} eq ${odataString(value)}`, $select: ['id', 'appId', 'displayName'] })}`;
}

export function findServicePrincipals(gw: GraphGateway, property: 'appId' | 'displayName', value: string): Promise<Json[]> {
  return gw.listAll<Json>(servicePrincipalsWherePath(property, value));
}
