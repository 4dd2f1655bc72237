// The method configurations of Graph v1.0's authentication methods policy that share one shape:
// state, include/exclude targets by group, and a few properties of their own. One table drives
// normalisation, plan, export and the cross-checks, so a method is added in one place.
// Sources (Learn, v1.0 resource pages): smsAuthenticationMethodConfiguration,
// voiceAuthenticationMethodConfiguration, fido2AuthenticationMethodConfiguration (with passkeyProfile),
// softwareOathAuthenticationMethodConfiguration, emailAuthenticationMethodConfiguration,
// x509CertificateAuthenticationMethodConfiguration. The Authenticator and TAP keep their own code
// (featureSettings, lifetimes), the registration campaign lives on the policy itself.
import type { GenericMethodKey, GenericMethodSpec } from '../config/types.js';
import { resolveRef, type DirectoryIndex } from './directory.js';
import type { MethodConfigurationKind } from './types.js';
import type { Json } from '../util/json.js';

export interface GenericMethodDef {
  /** The key under `spec` in the YAML. */
  key: GenericMethodKey;
  /** The configuration's id in Graph (also the plan resource kind). */
  graphId: MethodConfigurationKind;
  odataType: string;
  displayName: string;
  /** Properties of an include target besides id and targetType, with Graph's default. */
  targetProps: Readonly<Record<string, unknown>>;
  /** The configuration's own properties, with Graph's default (null: none; compared as given). */
  props: Readonly<Record<string, unknown>>;
}

export const GENERIC_METHODS: readonly GenericMethodDef[] = [
  {
    key: 'sms',
    graphId: 'Sms',
    odataType: '#microsoft.graph.smsAuthenticationMethodConfiguration',
    displayName: 'SMS',
    // smsAuthenticationMethodTarget: isUsableForSignIn is SMS sign-in (the number as the user name).
    targetProps: { isRegistrationRequired: false, isUsableForSignIn: true },
    props: {},
  },
  {
    key: 'voice',
    graphId: 'Voice',
    odataType: '#microsoft.graph.voiceAuthenticationMethodConfiguration',
    displayName: 'Voice call',
    targetProps: { isRegistrationRequired: false },
    props: { isOfficePhoneAllowed: false },
  },
  {
    key: 'fido2',
    graphId: 'Fido2',
    odataType: '#microsoft.graph.fido2AuthenticationMethodConfiguration',
    displayName: 'Passkey (FIDO2)',
    targetProps: { isRegistrationRequired: false, allowedPasskeyProfiles: [] },
    props: { isSelfServiceRegistrationAllowed: true, isAttestationEnforced: false, keyRestrictions: null, passkeyProfiles: [] },
  },
  {
    key: 'softwareOath',
    graphId: 'SoftwareOath',
    odataType: '#microsoft.graph.softwareOathAuthenticationMethodConfiguration',
    displayName: 'Software OATH tokens',
    targetProps: { isRegistrationRequired: false },
    props: {},
  },
  {
    key: 'email',
    graphId: 'Email',
    odataType: '#microsoft.graph.emailAuthenticationMethodConfiguration',
    displayName: 'Email OTP',
    targetProps: { isRegistrationRequired: false },
    props: { allowExternalIdToUseEmailOtp: 'default' },
  },
  {
    key: 'x509Certificate',
    graphId: 'X509Certificate',
    odataType: '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
    displayName: 'Certificate-based authentication',
    targetProps: { isRegistrationRequired: false },
    props: { certificateUserBindings: null, authenticationModeConfiguration: null, crlValidationConfiguration: null },
  },
];

export function genericMethod(key: GenericMethodKey): GenericMethodDef {
  return GENERIC_METHODS.find((d) => d.key === key)!;
}

const isPlainObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function targetShape(def: GenericMethodDef, t: Json): Json {
  const out: Json = {};
  for (const [k, dflt] of Object.entries(def.targetProps)) out[k] = t[k] ?? dflt;
  return out;
}

/** The desired configuration in Graph's shape, only with what the YAML declares (targets resolved to ids). */
export function desiredGenericMethod(def: GenericMethodDef, spec: GenericMethodSpec, dir: DirectoryIndex): Json {
  const out: Json = { state: spec.state };
  if (spec.includeTargets) {
    out.includeTargets = spec.includeTargets.map((t) => ({ id: resolveRef(dir, 'group', t.group), targetType: 'group', ...targetShape(def, t as unknown as Json) }));
  }
  if (spec.excludeTargets) out.excludeTargets = spec.excludeTargets.map((t) => ({ id: resolveRef(dir, 'group', t.group), targetType: 'group' }));
  for (const key of Object.keys(def.props)) {
    const v = (spec as unknown as Json)[key];
    if (v !== undefined) out[key] = structuredClone(v);
  }
  return out;
}

/** Every property the format manages, from a live configuration (Graph's defaults filled). */
export function liveGenericMethod(def: GenericMethodDef, live: Json): Json {
  const out: Json = {
    state: live.state ?? 'disabled',
    includeTargets: asArray(live.includeTargets).map((raw) => {
      const t = isPlainObject(raw) ? raw : {};
      return { id: String(t.id), targetType: String(t.targetType ?? 'group'), ...targetShape(def, t) };
    }),
    excludeTargets: asArray(live.excludeTargets).map((raw) => {
      const t = isPlainObject(raw) ? raw : {};
      return { id: String(t.id), targetType: String(t.targetType ?? 'group') };
    }),
  };
  for (const [key, dflt] of Object.entries(def.props)) out[key] = live[key] ?? dflt;
  return out;
}

/**
 * Only what the YAML declares is compared, nested objects too (a declared `keyRestrictions.isEnforced`
 * does not make the undeclared `enforcementType` a change). Lists are compared whole.
 */
export function projectDeep(live: unknown, desired: unknown): unknown {
  if (!isPlainObject(desired)) return live;
  const l = isPlainObject(live) ? live : {};
  const out: Json = {};
  for (const key of Object.keys(desired)) out[key] = isPlainObject(desired[key]) ? projectDeep(l[key], desired[key]) : l[key];
  return out;
}

/** `live` with `patch` laid over it, objects merged key by key, lists replaced: what a PATCH body carries for a complex property. */
export function mergeDeep(live: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Json = isPlainObject(live) ? structuredClone(live) : {};
  for (const [key, v] of Object.entries(patch)) out[key] = mergeDeep(out[key], v);
  return out;
}

/**
 * The PATCH body: `@odata.type` (Graph needs it on a method configuration), the declared scalars and
 * targets, and declared complex properties merged over their live value, so a partial declaration
 * never clears what it does not name whether Graph replaces or merges complex values.
 */
export function genericMethodBody(def: GenericMethodDef, liveFull: Json, want: Json): Json {
  const body: Json = { '@odata.type': def.odataType };
  for (const [key, v] of Object.entries(want)) body[key] = isPlainObject(v) ? mergeDeep(liveFull[key], v) : v;
  return body;
}
