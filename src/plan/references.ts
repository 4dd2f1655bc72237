// CA policy references other than users and groups: directory roles, applications, authentication
// strengths and named locations. YAML may name them; the planner turns names into the ids Graph
// stores (role TEMPLATE ids, appIds, strength and location ids). Keywords and ids pass unchanged.
import type { ConditionalAccessPolicySpec } from '../config/types.js';
import { resolveRef, type DirectoryIndex, type RefKind } from './directory.js';
import type { Json } from '../util/json.js';

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** includeApplications/excludeApplications keywords (conditionalaccessapplications resource page). */
export const APPLICATION_KEYWORDS = ['All', 'None', 'Office365', 'MicrosoftAdminPortals'];
/** includeLocations/excludeLocations keywords (conditionalaccesslocations resource page). */
export const LOCATION_KEYWORDS = ['All', 'AllTrusted'];

const keyword = (words: readonly string[], ref: string) => words.find((w) => w.toLowerCase() === ref.toLowerCase());

/**
 * The id an object declared in this folder will get once apply creates it. A CA policy written in the
 * same apply refers to it by this token; apply puts the new id in its place before sending (creates
 * come first), and the next plan reads the real id.
 */
export function pendingId(address: string): string {
  return `<id of ${address} once created>`;
}
export const PENDING_ID = /^<id of (.+) once created>$/;

/** A name to resolve, or undefined for a keyword or an id (written as Graph stores it). */
export function nameToResolve(kind: Exclude<RefKind, 'group' | 'user'>, ref: string): string | undefined {
  if (GUID.test(ref)) return undefined;
  if (kind === 'application' && keyword(APPLICATION_KEYWORDS, ref)) return undefined;
  if (kind === 'location' && keyword(LOCATION_KEYWORDS, ref)) return undefined;
  return ref;
}

function resolveOne(dir: DirectoryIndex, kind: Exclude<RefKind, 'group' | 'user'>, ref: string): string {
  if (nameToResolve(kind, ref) === undefined) return keyword(kind === 'application' ? APPLICATION_KEYWORDS : kind === 'location' ? LOCATION_KEYWORDS : [], ref) ?? ref;
  return resolveRef(dir, kind, ref);
}

/**
 * Roles, applications, locations and the strength of a CA policy spec, with names turned into ids.
 * Returns the parts of the policy it rewrote (conditions.users role lists, conditions.applications,
 * conditions.locations, grantControls).
 */
export function resolveCaReferences(spec: ConditionalAccessPolicySpec, users: Json, dir: DirectoryIndex): { users: Json; conditions: Json; grantControls: unknown } {
  const list = (kind: Exclude<RefKind, 'group' | 'user'>, refs: readonly string[] | undefined) => (refs ?? []).map((r) => resolveOne(dir, kind, r));
  const conditions: Json = { ...spec.conditions };
  const apps = spec.conditions.applications;
  if (apps) {
    conditions.applications = {
      ...apps,
      ...(apps.includeApplications ? { includeApplications: list('application', apps.includeApplications) } : {}),
      ...(apps.excludeApplications ? { excludeApplications: list('application', apps.excludeApplications) } : {}),
    };
  }
  const locations = spec.conditions.locations;
  if (locations) {
    conditions.locations = {
      ...locations,
      ...(locations.includeLocations ? { includeLocations: list('location', locations.includeLocations) } : {}),
      ...(locations.excludeLocations ? { excludeLocations: list('location', locations.excludeLocations) } : {}),
    };
  }
  const resolvedUsers = { ...users, includeRoles: list('role', spec.conditions.users.includeRoles), excludeRoles: list('role', spec.conditions.users.excludeRoles) };
  const grant = spec.grantControls;
  const strength = grant?.authenticationStrength;
  const grantControls = grant && strength?.displayName !== undefined ? { ...grant, authenticationStrength: { id: resolveOne(dir, 'strength', strength.displayName) } } : grant;
  return { users: resolvedUsers, conditions, grantControls };
}
