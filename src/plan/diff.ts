import { atomizeChangeset, diff, type EmbeddedObjKeysMapType } from 'json-diff-ts';
import { canonicalJson } from '../util/canonicalJson.js';
import type { PlanChange } from './types.js';
import type { Json } from '../util/json.js';

// Lists that Graph treats as sets: compared by value (strings) or by `id` (targets), never by index.
const SET_KEYS: EmbeddedObjKeysMapType = new Map<string | RegExp, string>([
  [/(include|exclude)(Users|Groups|Roles|Applications|Locations|Platforms|UserActions|AuthenticationContextClassReferences|ServicePrincipals)$/, '$value'],
  [/externalTenants\.members$/, '$value'],
  [/(clientAppTypes|builtInControls|termsOfUse|customAuthenticationFactors|RiskLevels)$/, '$value'],
  [/(include|exclude)Targets$/, 'id'],
  // Method configurations (src/plan/methodConfigs.ts): AAGUIDs, passkey profile ids, CA key ids.
  [/(aaGuids|allowedPasskeyProfiles|exemptedCertificateAuthoritiesSubjectKeyIdentifiers)$/, '$value'],
  [/passkeyProfiles$/, 'id'],
]);

/**
 * Field-level changes from `before` to `after` (both comparable, labelled forms). A change inside
 * a list is reported once for the whole list, with what it adds and removes.
 */
export function fieldChanges(before: Json, after: Json): PlanChange[] {
  const atomic = atomizeChangeset(diff(before, after, { embeddedObjKeys: SET_KEYS }));
  const fields = new Set<string>();
  for (const change of atomic) fields.add(fieldOf(change.path));
  return [...fields].sort().map((path) => {
    const b = get(before, path);
    const a = get(after, path);
    const change: PlanChange = { path, before: b ?? null, after: a ?? null };
    if (Array.isArray(b) || Array.isArray(a)) {
      const bKeys = new Map((Array.isArray(b) ? b : []).map((v) => [canonicalJson(v), v]));
      const aKeys = new Map((Array.isArray(a) ? a : []).map((v) => [canonicalJson(v), v]));
      change.added = [...aKeys].filter(([k]) => !bKeys.has(k)).map(([, v]) => v);
      change.removed = [...bKeys].filter(([k]) => !aKeys.has(k)).map(([, v]) => v);
    }
    return change;
  });
}

/** `$.conditions.users.includeGroups[?(@=='x')]` → `conditions.users.includeGroups`. */
function fieldOf(jsonPath: string): string {
  const withoutRoot = jsonPath.replace(/^\$\.?/, '');
  const bracket = withoutRoot.indexOf('[');
  return (bracket === -1 ? withoutRoot : withoutRoot.slice(0, bracket)) || '(root)';
}

function get(value: unknown, path: string): unknown {
  if (path === '(root)') return value;
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Json)[key];
  }
  return current;
}

/** Replaces every string that is a known id by its label, recursively. */
export function labelIds(value: unknown, label: (id: string) => string): unknown {
  if (typeof value === 'string') return label(value);
  if (Array.isArray(value)) return value.map((v) => labelIds(v, label));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, labelIds(v, label)]));
  }
  return value;
}
