/**
 * Reads the claims of an access token without verifying it (Graph verifies; we only want to know
 * what was granted). Only the payload is decoded; the token itself is never printed or returned.
 */
import { isJsonObject } from '../util/json.js';

export type JwtClaims = Record<string, unknown>;

/** The payload of a compact JWT, or undefined when the string is not one (an opaque token). */
export function decodeJwtClaims(token: string): JwtClaims | undefined {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    return isJsonObject(payload) ? payload : undefined;
  } catch {
    return undefined;
  }
}

export interface GrantedPermissions {
  /** `application`: app-only token, permissions in `roles`; `delegated`: a signed-in user, scopes in `scp`. */
  kind: 'application' | 'delegated';
  permissions: string[];
  tenantId?: string;
  /** The client (application) id the token was issued to. */
  appId?: string;
  appDisplayName?: string;
  /** For a delegated token: who signed in. */
  user?: string;
  audience?: string;
  expiresAt?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** What an Entra access token grants: `roles` (application permissions) or `scp` (delegated scopes). */
export function grantedPermissions(claims: JwtClaims): GrantedPermissions {
  const scp = str(claims.scp);
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  const delegated = scp !== undefined || claims.idtyp === 'user';
  const permissions = delegated ? (scp ?? '').split(' ').filter(Boolean) : roles;
  const out: GrantedPermissions = { kind: delegated ? 'delegated' : 'application', permissions: [...new Set(permissions)].sort() };
  const set = (key: keyof GrantedPermissions, value: string | undefined) => {
    if (value !== undefined) (out as unknown as Record<string, unknown>)[key] = value;
  };
  set('tenantId', str(claims.tid));
  set('appId', str(claims.appid) ?? str(claims.azp));
  set('appDisplayName', str(claims.app_displayname));
  set('user', delegated ? (str(claims.upn) ?? str(claims.unique_name) ?? str(claims.preferred_username)) : undefined);
  set('audience', str(claims.aud));
  if (typeof claims.exp === 'number') set('expiresAt', new Date(claims.exp * 1000).toISOString());
  return out;
}
