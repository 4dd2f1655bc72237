/**
 * Which Graph application permissions each emulated endpoint accepts (any one of a list; several
 * lists must all be met), from the Microsoft Learn permission tables of those APIs. Enforced only
 * when a test configured the app's roles through POST /_emulator/auth {roles}; Graph answers a
 * token without them 403 Authorization_RequestDenied. Written independently of src/permissions.ts
 * so that an e2e test can hold the tool's matrix against it.
 */
import { GraphError } from './graphError.js';

type AnyOf = readonly string[];

interface Rule {
  method: string;
  path: RegExp;
  allOf: readonly AnyOf[];
}

const POLICY_METHODS_READ: AnyOf = ['Policy.Read.AuthenticationMethod', 'Policy.ReadWrite.AuthenticationMethod', 'Policy.Read.All'];
const POLICY_METHODS_WRITE: AnyOf = ['Policy.ReadWrite.AuthenticationMethod'];
const CA_READ: AnyOf = ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess'];
const CA_WRITE: readonly AnyOf[] = [['Policy.ReadWrite.ConditionalAccess'], ['Policy.Read.All'], ['Application.Read.All']];
const GROUP_READ: AnyOf = ['GroupMember.ReadBasic.All', 'GroupMember.Read.All', 'Group.Read.All', 'Group.ReadBasic.All', 'Directory.Read.All', 'GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const MEMBER_WRITE: AnyOf = ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const GROUP_WRITE: AnyOf = ['Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const USER_READ: AnyOf = ['User.Read.All', 'User.ReadBasic.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const USER_WRITE: AnyOf = ['User.ReadWrite.All', 'Directory.ReadWrite.All'];
const METHODS_READ: AnyOf = ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'];
const METHODS_WRITE: AnyOf = ['UserAuthenticationMethod.ReadWrite.All'];
const TAP_WRITE: AnyOf = ['UserAuthenticationMethod.ReadWrite.All', 'UserAuthMethod-TAP.ReadWrite.All'];
const AUDIT_READ: AnyOf = ['AuditLog.Read.All'];
const PER_USER_MFA_READ: AnyOf = ['Policy.Read.All', 'Policy.ReadWrite.AuthenticationMethod'];
const ORG_READ: AnyOf = ['Organization.Read.All', 'Directory.Read.All', 'Organization.ReadWrite.All', 'Directory.ReadWrite.All'];

const rule = (method: string, path: string, ...allOf: AnyOf[]): Rule => ({
  method,
  // `{}` is one path segment, `$` is literal ($ref), the rest is a regular expression; case-insensitive like Graph.
  path: new RegExp(`^${path.replace(/\$/g, '\\$&').replace(/\{\}/g, '[^/]+')}$`, 'i'),
  allOf,
});

const RULES: readonly Rule[] = [
  rule('GET', '/policies/authenticationMethodsPolicy(/.*)?', POLICY_METHODS_READ),
  rule('PATCH', '/policies/authenticationMethodsPolicy(/.*)?', POLICY_METHODS_WRITE),
  rule('DELETE', '/policies/authenticationMethodsPolicy(/.*)?', POLICY_METHODS_WRITE),
  rule('GET', '/identity/conditionalAccess/.*', CA_READ),
  { method: 'POST', path: /^\/identity\/conditionalAccess\/policies$/i, allOf: CA_WRITE },
  { method: 'PATCH', path: /^\/identity\/conditionalAccess\/policies\/[^/]+$/i, allOf: CA_WRITE },
  { method: 'DELETE', path: /^\/identity\/conditionalAccess\/policies\/[^/]+$/i, allOf: CA_WRITE },
  rule('POST', '/groups/{}/members/$ref', MEMBER_WRITE),
  rule('DELETE', '/groups/{}/members/{}/$ref', MEMBER_WRITE),
  rule('GET', '/groups(/.*)?', GROUP_READ),
  rule('POST', '/groups(/.*)?', GROUP_WRITE),
  rule('PATCH', '/groups(/.*)?', GROUP_WRITE),
  rule('DELETE', '/groups(/.*)?', GROUP_WRITE),
  // Microsoft Learn "user: revokeSignInSessions": User.RevokeSessions.All, higher User.ReadWrite.All, Directory.ReadWrite.All.
  rule('POST', '/users/{}/revokeSignInSessions', ['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All']),
  // Microsoft Learn (beta) "Get authentication method states", per-user MFA acting on others:
  // Policy.Read.All, higher Policy.ReadWrite.AuthenticationMethod; the update page writes with the latter.
  rule('GET', '/users/{}/authentication/requirements', PER_USER_MFA_READ),
  rule('PATCH', '/users/{}/authentication/requirements', POLICY_METHODS_WRITE),
  rule('GET', '/users/{}/authentication/.*', METHODS_READ),
  rule('POST', '/users/{}/authentication/temporaryAccessPassMethods', TAP_WRITE),
  rule('POST', '/users/{}/authentication/.*', METHODS_WRITE),
  rule('PATCH', '/users/{}/authentication/.*', METHODS_WRITE),
  rule('DELETE', '/users/{}/authentication/.*', METHODS_WRITE),
  rule('GET', '/users(/{})?', USER_READ),
  // Microsoft Learn "List a user's memberships (direct and transitive)": User.Read.All (application).
  rule('GET', '/users/{}/transitiveMemberOf(/.*)?', USER_READ),
  rule('PATCH', '/users/{}', USER_WRITE),
  rule('GET', '/reports/authenticationMethods/.*', ['AuditLog.Read.All', 'UserAuthenticationMethod.Read.All']),
  rule('GET', '/auditLogs/directoryAudits(/{})?', AUDIT_READ, ['Directory.Read.All', 'Directory.ReadWrite.All']),
  rule('GET', '/auditLogs/signIns(/{})?', AUDIT_READ),
  rule('GET', '/organization(/.*)?', ORG_READ),
  // authenticationstrengthroot-list-policies / -post-policies, authenticationstrengthpolicy-update / -updateallowedcombinations.
  rule('GET', '/policies/authenticationStrengthPolicies(/.*)?', ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.AuthenticationMethod']),
  rule('POST', '/policies/authenticationStrengthPolicies(/.*)?', ['Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.AuthenticationMethod']),
  rule('PATCH', '/policies/authenticationStrengthPolicies/{}', ['Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.AuthenticationMethod']),
  rule('DELETE', '/policies/authenticationStrengthPolicies/{}', ['Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.AuthenticationMethod']),
  // conditionalaccessroot-post-namedlocations, namedlocation-update, namedlocation-delete: Policy.Read.All and Policy.ReadWrite.ConditionalAccess.
  rule('POST', '/identity/conditionalAccess/namedLocations', ['Policy.ReadWrite.ConditionalAccess'], ['Policy.Read.All']),
  rule('PATCH', '/identity/conditionalAccess/namedLocations/{}', ['Policy.ReadWrite.ConditionalAccess'], ['Policy.Read.All']),
  rule('DELETE', '/identity/conditionalAccess/namedLocations/{}', ['Policy.ReadWrite.ConditionalAccess'], ['Policy.Read.All']),
  // directoryroletemplate-list, serviceprincipal-list.
  rule('GET', '/directoryRoleTemplates(/{})?', ['RoleManagement.Read.Directory', 'Directory.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All']),
  rule('GET', '/servicePrincipals(/{})?', ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All']),
];

/**
 * The permission lists a request needs, or undefined when no rule knows the endpoint (it is then
 * allowed: an unknown path answers its own 400/404 as before).
 */
export function requiredPermissions(method: string, path: string, body?: unknown): readonly AnyOf[] | undefined {
  if (method === 'PATCH' && isMembersBind(path, body)) return [MEMBER_WRITE];
  return RULES.find((r) => r.method === method && r.path.test(path))?.allOf;
}

/**
 * A group PATCH whose body only binds members is an "Add members" call: Microsoft Learn documents it
 * on that page (example 2, "Add multiple members to a group in a single request"), whose least
 * privileged permission is GroupMember.ReadWrite.All, not the Group.ReadWrite.All of "Update group".
 */
function isMembersBind(path: string, body: unknown): boolean {
  if (!/^\/groups\/[^/]+$/i.test(path) || body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const keys = Object.keys(body);
  return keys.length > 0 && keys.every((k) => k.toLowerCase() === 'members@odata.bind');
}

/**
 * Who may read directory roles themselves (Microsoft Learn "List directoryRoles"). Without one, a
 * membership list returns each role with limited information: `@odata.type` and `id` only.
 */
export const DIRECTORY_ROLE_READ: AnyOf = ['RoleManagement.Read.Directory', 'Directory.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All'];

/** Whether the configured permissions let the app read an object type (null: nothing configured, all granted). */
export function mayRead(roles: readonly string[] | null | undefined, anyOf: AnyOf): boolean {
  if (!roles) return true;
  const granted = new Set(roles.map((r) => r.toLowerCase()));
  return anyOf.some((p) => granted.has(p.toLowerCase()));
}

/** Graph's answer to a token that lacks what the request needs. */
export function checkRoles(roles: readonly string[] | null, method: string, path: string, body?: unknown): GraphError | undefined {
  if (roles === null) return undefined;
  const needed = requiredPermissions(method, path, body);
  if (!needed) return undefined;
  const granted = new Set(roles.map((r) => r.toLowerCase()));
  const ok = needed.every((anyOf) => anyOf.some((p) => granted.has(p.toLowerCase())));
  return ok ? undefined : new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

/** Premium-only endpoints: a tenant without Entra ID P1/P2 gets this 403. */
export function checkPremium(premium: boolean, method: string, path: string): GraphError | undefined {
  if (premium || method !== 'GET') return undefined;
  if (!/^\/(reports\/authenticationMethods\/|auditLogs\/signIns)/i.test(path)) return undefined;
  return new GraphError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");
}

/**
 * An access token as Entra would issue it for the app (claims only: alg "none", no signature, since
 * the emulator does not verify signatures and doctor only reads the payload).
 */
export function emulatorAccessToken(claims: { tenantId: string; roles: readonly string[]; appId: string; nowSeconds: number }): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const payload = {
    aud: 'https://graph.microsoft.com',
    iss: `https://sts.windows.net/${claims.tenantId}/`,
    iat: claims.nowSeconds,
    nbf: claims.nowSeconds,
    exp: claims.nowSeconds + 3600,
    app_displayname: 'entra-rollout (emulator)',
    appid: claims.appId,
    idtyp: 'app',
    roles: [...claims.roles],
    tid: claims.tenantId,
  };
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

/** The `tid` claim of a JWT-shaped bearer token, or undefined for an opaque token (any other string). */
export function tokenTenantId(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    const tid = payload !== null && typeof payload === 'object' ? (payload as { tid?: unknown }).tid : undefined;
    return typeof tid === 'string' ? tid : undefined;
  } catch {
    return undefined;
  }
}
