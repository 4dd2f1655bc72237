// Desired (YAML) and live (Graph) objects are brought into one Graph-shaped, comparable form:
// read-only fields gone, Graph's defaults filled, nulls and empty lists treated as absent. Both
// sides go through the same functions, so a value Graph echoes back never shows as a change.
import type {
  ConditionalAccessPolicySpec,
  MicrosoftAuthenticatorSpec,
  RegistrationCampaignSpec,
  TemporaryAccessPassSpec,
} from '../config/types.js';
import { projectToSchema, specSchema } from '../config/schemas.js';
import { ALL_USERS_TARGET, CA_USER_KEYWORDS, EMPTY_TARGET_ID, resolveRef, type DirectoryIndex } from './directory.js';
import { resolveCaReferences } from './references.js';
import { asJsonObject, isJsonObject, type Json } from '../util/json.js';

type Target = { id: string; targetType: string; [k: string]: unknown };

export const FEATURE_SETTING_KEYS = ['displayAppInformationRequiredState', 'displayLocationInformationRequiredState'] as const;

/** Drops null, undefined, empty lists and empty objects, recursively. */
export function pruneEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneEmpty);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    const pruned = pruneEmpty(v);
    if (pruned === null || pruned === undefined) continue;
    if (Array.isArray(pruned) && pruned.length === 0) continue;
    if (typeof pruned === 'object' && !Array.isArray(pruned) && Object.keys(pruned).length === 0) continue;
    out[key] = pruned;
  }
  return out;
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function target(id: string, targetType: string, extra: Json = {}): Target {
  return { id, targetType, ...extra };
}

function liveTargets(value: unknown, shape: (t: Json) => Json): Target[] {
  return asArray(value).map((raw) => {
    const t = asJsonObject(raw);
    return target(String(t.id), String(t.targetType ?? 'group'), shape(t));
  });
}

function featureSetting(state: unknown, include: unknown, exclude: unknown): Json {
  const inc = asJsonObject(include);
  const exc = asJsonObject(exclude);
  return {
    state: state ?? 'default',
    includeTarget: target(String(inc.id ?? ALL_USERS_TARGET), String(inc.targetType ?? 'group')),
    excludeTarget: target(String(exc.id ?? EMPTY_TARGET_ID), String(exc.targetType ?? 'group')),
  };
}

// ---------------------------------------------------------------- Microsoft Authenticator

const authenticatorTargetShape = (t: Json) => ({
  authenticationMode: t.authenticationMode ?? 'any',
  isRegistrationRequired: t.isRegistrationRequired ?? false,
});

export function desiredAuthenticator(spec: MicrosoftAuthenticatorSpec, dir: DirectoryIndex): Json {
  const out: Json = { state: spec.state };
  if (spec.isSoftwareOathEnabled !== undefined) out.isSoftwareOathEnabled = spec.isSoftwareOathEnabled;
  if (spec.includeTargets) {
    out.includeTargets = spec.includeTargets.map((t) => target(resolveRef(dir, 'group', t.group), 'group', authenticatorTargetShape(t as unknown as Json)));
  }
  if (spec.excludeTargets) out.excludeTargets = spec.excludeTargets.map((t) => target(resolveRef(dir, 'group', t.group), 'group'));
  if (spec.featureSettings) {
    const settings: Json = {};
    for (const key of FEATURE_SETTING_KEYS) {
      const s = spec.featureSettings[key];
      if (!s) continue;
      settings[key] = featureSetting(
        s.state,
        { id: resolveRef(dir, 'group', s.includeTarget?.group ?? ALL_USERS_TARGET), targetType: 'group' },
        s.excludeTarget ? { id: resolveRef(dir, 'group', s.excludeTarget.group), targetType: 'group' } : undefined,
      );
    }
    out.featureSettings = settings;
  }
  return out;
}

/** Every property the format can manage, from a live configuration. */
export function liveAuthenticator(live: Json): Json {
  const settings = asJsonObject(live.featureSettings);
  const features: Json = {};
  for (const key of FEATURE_SETTING_KEYS) {
    const s = asJsonObject(settings[key]);
    features[key] = featureSetting(s.state, s.includeTarget, s.excludeTarget);
  }
  return {
    state: live.state ?? 'disabled',
    isSoftwareOathEnabled: live.isSoftwareOathEnabled ?? false,
    includeTargets: liveTargets(live.includeTargets, authenticatorTargetShape),
    excludeTargets: liveTargets(live.excludeTargets, () => ({})),
    featureSettings: features,
  };
}

// ---------------------------------------------------------------- Temporary Access Pass

const tapTargetShape = (t: Json) => ({ isRegistrationRequired: t.isRegistrationRequired ?? false });
const TAP_SCALARS = ['defaultLength', 'minimumLifetimeInMinutes', 'maximumLifetimeInMinutes', 'defaultLifetimeInMinutes', 'isUsableOnce'] as const;

export function desiredTemporaryAccessPass(spec: TemporaryAccessPassSpec, dir: DirectoryIndex): Json {
  const out: Json = { state: spec.state };
  if (spec.includeTargets) out.includeTargets = spec.includeTargets.map((t) => target(resolveRef(dir, 'group', t.group), 'group', tapTargetShape(t as unknown as Json)));
  if (spec.excludeTargets) out.excludeTargets = spec.excludeTargets.map((t) => target(resolveRef(dir, 'group', t.group), 'group'));
  for (const key of TAP_SCALARS) if (spec[key] !== undefined) out[key] = spec[key];
  return out;
}

export function liveTemporaryAccessPass(live: Json): Json {
  const out: Json = {
    state: live.state ?? 'disabled',
    includeTargets: liveTargets(live.includeTargets, tapTargetShape),
    excludeTargets: liveTargets(live.excludeTargets, () => ({})),
  };
  for (const key of TAP_SCALARS) out[key] = live[key] ?? null;
  return out;
}

// ---------------------------------------------------------------- Registration campaign

function campaignTarget(t: { group?: string; user?: string }, dir: DirectoryIndex): Target {
  return t.user !== undefined ? target(resolveRef(dir, 'user', t.user), 'user') : target(resolveRef(dir, 'group', t.group!), 'group');
}

export function desiredRegistrationCampaign(spec: RegistrationCampaignSpec, dir: DirectoryIndex): Json {
  const out: Json = { state: spec.state };
  if (spec.snoozeDurationInDays !== undefined) out.snoozeDurationInDays = spec.snoozeDurationInDays;
  if (spec.includeTargets) {
    out.includeTargets = spec.includeTargets.map((t) => ({ ...campaignTarget(t, dir), targetedAuthenticationMethod: t.targetedAuthenticationMethod ?? 'microsoftAuthenticator' }));
  }
  if (spec.excludeTargets) out.excludeTargets = spec.excludeTargets.map((t) => campaignTarget(t, dir));
  return out;
}

export function liveRegistrationCampaign(live: Json): Json {
  return {
    state: live.state ?? 'default',
    snoozeDurationInDays: live.snoozeDurationInDays ?? 1,
    includeTargets: liveTargets(live.includeTargets, (t) => ({ targetedAuthenticationMethod: t.targetedAuthenticationMethod ?? 'microsoftAuthenticator' })),
    excludeTargets: liveTargets(live.excludeTargets, () => ({})),
  };
}

/** Only the properties the YAML declares are compared for method settings (the rest is not managed). */
export function projectOnto(live: Json, desired: Json): Json {
  const out: Json = {};
  for (const key of Object.keys(desired)) {
    const d = desired[key];
    const l = live[key];
    out[key] = key === 'featureSettings' ? projectOnto(asJsonObject(l), asJsonObject(d)) : l;
  }
  return out;
}

// ---------------------------------------------------------------- Conditional Access

const CA_USER_LISTS = ['includeUsers', 'excludeUsers', 'includeGroups', 'excludeGroups', 'includeRoles', 'excludeRoles'] as const;
const CA_GUEST_KEYS = ['includeGuestsOrExternalUsers', 'excludeGuestsOrExternalUsers'] as const;
let caSpecSchema: ReturnType<typeof specSchema> | undefined;
const caSchema = () => (caSpecSchema ??= specSchema('ConditionalAccessPolicy'));

function resolveCaUsers(users: ConditionalAccessPolicySpec['conditions']['users'], dir: DirectoryIndex): Json {
  const userRef = (u: string) => (CA_USER_KEYWORDS.some((k) => k.toLowerCase() === u.toLowerCase()) ? CA_USER_KEYWORDS.find((k) => k.toLowerCase() === u.toLowerCase())! : resolveRef(dir, 'user', u));
  return {
    ...users,
    includeUsers: (users.includeUsers ?? []).map(userRef),
    excludeUsers: (users.excludeUsers ?? []).map(userRef),
    includeGroups: (users.includeGroups ?? []).map((g) => resolveRef(dir, 'group', g)),
    excludeGroups: (users.excludeGroups ?? []).map((g) => resolveRef(dir, 'group', g)),
    includeRoles: users.includeRoles ?? [],
    excludeRoles: users.excludeRoles ?? [],
  };
}

/**
 * The whole managed shape of a CA policy with Graph's defaults: what a create sends, and the
 * base of what an update sends (`caUpdateBody` adds the explicit clears).
 */
export function desiredConditionalAccess(spec: ConditionalAccessPolicySpec, dir: DirectoryIndex): Json {
  const refs = resolveCaReferences(spec, resolveCaUsers(spec.conditions.users, dir), dir);
  const conditions = { ...refs.conditions, users: refs.users };
  return caShape({ displayName: spec.displayName, state: spec.state, conditions, grantControls: refs.grantControls, sessionControls: spec.sessionControls });
}

export function liveConditionalAccess(live: Json): Json {
  const conditions = asJsonObject(live.conditions);
  const users = asJsonObject(conditions.users);
  const grant = asJsonObject(live.grantControls);
  const strength = asJsonObject(grant.authenticationStrength);
  const normalisedUsers: Json = { ...users };
  for (const key of CA_USER_LISTS) normalisedUsers[key] = asArray(users[key]);
  return caShape({
    displayName: live.displayName,
    state: live.state,
    conditions: { ...conditions, users: normalisedUsers },
    // Graph expands the referenced strength policy on read; the policy refers to it by id only.
    grantControls: live.grantControls ? { ...grant, authenticationStrength: strength.id ? { id: strength.id } : null } : null,
    sessionControls: live.sessionControls,
  });
}

/**
 * Multi-valued ("flags") enums are one comma-separated string in Graph (guestOrExternalUserTypes,
 * insiderRiskLevels, transferMethods): the order carries no meaning, and `none` is no value.
 */
function normaliseFlags(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const members = [...new Set(value.split(',').map((v) => v.trim()).filter((v) => v !== '' && v !== 'none'))].sort();
  return members.length ? members.join(',') : null;
}

function caShape(policy: Json): Json {
  const shaped = asJsonObject(projectToSchema(policy, caSchema()));
  const conditions = asJsonObject(shaped.conditions);
  if (asArray(conditions.clientAppTypes).length === 0) conditions.clientAppTypes = ['all'];
  if ('insiderRiskLevels' in conditions) conditions.insiderRiskLevels = normaliseFlags(conditions.insiderRiskLevels);
  const flows = conditions.authenticationFlows;
  if (flows && typeof flows === 'object') conditions.authenticationFlows = { ...flows, transferMethods: normaliseFlags((flows as Json).transferMethods) };
  const users = asJsonObject(conditions.users);
  for (const key of CA_GUEST_KEYS) {
    const g = users[key];
    if (g && typeof g === 'object') users[key] = { ...g, guestOrExternalUserTypes: normaliseFlags((g as Json).guestOrExternalUserTypes) };
  }
  if (conditions.users) conditions.users = users;
  // A grant with nothing but an operator grants nothing: Graph returns that shape for "no grant".
  const grant = asJsonObject(pruneEmpty(shaped.grantControls));
  if (Object.keys(grant).filter((k) => k !== 'operator').length === 0) shaped.grantControls = null;
  const session = shaped.sessionControls;
  const frequency = session && typeof session === 'object' ? (session as Json).signInFrequency : undefined;
  if (frequency && typeof frequency === 'object') {
    // Graph fills these when a sign-in frequency is set (signInFrequencySessionControl page):
    // filled on both sides, an omitted default is not a change.
    (session as Json).signInFrequency = { frequencyInterval: 'timeBased', ...(frequency as Json) };
    const f = (session as Json).signInFrequency as Json;
    if (f.frequencyInterval === 'timeBased') f.authenticationType ??= 'primaryAndSecondaryAuthentication';
  }
  return { ...shaped, conditions };
}

/** The comparable form of a CA policy: a session control that is not enabled does nothing, so it is no difference. */
export function comparableConditionalAccess(value: Json): Json {
  const session = value.sessionControls;
  if (!session || typeof session !== 'object') return comparable(value);
  const active = Object.fromEntries(Object.entries(session).filter(([, v]) => !(v && typeof v === 'object' && !Array.isArray(v) && (v as Json).isEnabled !== true)));
  return comparable({ ...value, sessionControls: active });
}

// Values replaced whole: a reference (the strength), a derived type chosen by membershipKind, a
// filter whose mode and rule go together. Clearing inside them would send a half object.
const CA_ATOMIC_KEYS = new Set(['authenticationStrength', 'externalTenants', 'applicationFilter', 'deviceFilter', 'servicePrincipalFilter']);

/**
 * The PATCH body for a CA policy. Graph keeps what a PATCH leaves out, nested properties too
 * ("Existing properties that are not included in the request body will maintain their previous
 * values": conditionalaccesspolicy-update), so every value the live policy has and the YAML does
 * not is sent empty, at any depth: a list as [], anything else as null. `liveComparable` is the
 * live policy's comparable form (ids, not labels).
 */
export function caUpdateBody(want: Json, liveComparable: Json): Json {
  return withGraphTypes(clearRemoved(want, liveComparable));
}

function clearRemoved(want: Json, live: Json): Json {
  const out: Json = { ...want };
  for (const [key, liveValue] of Object.entries(live)) {
    const wanted = want[key];
    if (wanted === undefined) out[key] = Array.isArray(liveValue) ? [] : null;
    else if (!CA_ATOMIC_KEYS.has(key) && isJsonObject(wanted) && isJsonObject(liveValue)) out[key] = clearRemoved(wanted, liveValue);
  }
  return out;
}


/** The POST body for a new CA policy. */
export function caCreateBody(want: Json): Json {
  return withGraphTypes(comparable(want));
}

/**
 * conditionalAccessExternalTenants is abstract: Graph needs the derived type, named by
 * membershipKind (conditionalAccessAllExternalTenants / conditionalAccessEnumeratedExternalTenants).
 */
function withGraphTypes(body: Json): Json {
  const conditions = body.conditions;
  if (!isJsonObject(conditions) || !isJsonObject(conditions.users)) return body;
  const users = conditions.users;
  const typedUsers: Json = { ...users };
  for (const key of CA_GUEST_KEYS) {
    const g = users[key];
    if (!isJsonObject(g) || !isJsonObject(g.externalTenants)) continue;
    const tenants = g.externalTenants;
    const derived = tenants.membershipKind === 'all' ? 'conditionalAccessAllExternalTenants' : 'conditionalAccessEnumeratedExternalTenants';
    typedUsers[key] = { ...g, externalTenants: { '@odata.type': `#microsoft.graph.${derived}`, ...tenants } };
  }
  return { ...body, conditions: { ...conditions, users: typedUsers } };
}

// Read-only on the policy, or Graph's annotations: never data the YAML could carry.
const CA_LIVE_ONLY = new Set(['id', 'createdDateTime', 'modifiedDateTime', 'templateId', 'deletedDateTime']);

/**
 * Paths (`conditions.users.someNewList`) of the live policy's values that the policy schema does
 * not know. Projection onto the schema would drop them silently: plan and export report them
 * instead. Null and empty values are not data. The strength is compared by id only (Graph expands
 * the whole strength policy on read), so nothing under it is reported.
 */
export function unknownConditionalAccessProperties(live: Json): string[] {
  const found: string[] = [];
  const walk = (value: Json, schema: ReturnType<typeof specSchema>, path: string) => {
    for (const [key, v] of Object.entries(value)) {
      if (key.includes('@') || (path === '' && CA_LIVE_ONLY.has(key))) continue;
      const sub = schema.properties?.[key];
      if (!sub) {
        // Keys come from the tenant: anything but a plain name is quoted (escapes included) before display.
        if ('v' in asJsonObject(pruneEmpty({ v }))) found.push(`${path}${/^[A-Za-z0-9_]+$/.test(key) ? key : JSON.stringify(key)}`);
        continue;
      }
      if (key !== 'authenticationStrength' && sub.properties && isJsonObject(v)) walk(v, sub, `${path}${key}.`);
    }
  };
  walk(live, caSchema(), '');
  return found;
}

/** The comparable form: Graph shape with every empty value dropped. */
export function comparable(value: Json): Json {
  return asJsonObject(pruneEmpty(value));
}
