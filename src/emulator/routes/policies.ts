/** The authentication methods policy and its per-method configurations. */
import { methodsPolicyAudit } from '../audit.js';
import { isoSeconds } from '../clock.js';
import { badRequest, GraphError, notFound } from '../graphError.js';
import type { Json } from '../tenant.js';
import { bodyObject, contextUrl, noContent, ok, type Ctx, type ApiRequest } from './common.js';
import type { Router } from './router.js';

const POLICY_READ_ONLY = ['id', 'displayName', 'description', 'lastModifiedDateTime', 'policyVersion'];

function policyJson(ctx: Ctx, req: ApiRequest): Json {
  const t = ctx.tenant;
  return {
    '@odata.context': contextUrl(ctx, req, 'policies/authenticationMethodsPolicy'),
    ...structuredClone(t.methodsPolicy),
    'authenticationMethodConfigurations@odata.context': contextUrl(ctx, req, "policies/authenticationMethodsPolicy/authenticationMethodConfigurations"),
    authenticationMethodConfigurations: [...t.methodConfigs.values()].map((c) => structuredClone(c)),
  };
}

function mergeInto(target: Json, patch: Json): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && target[k] !== null && typeof target[k] === 'object' && !Array.isArray(target[k])) {
      mergeInto(target[k] as Json, v as Json);
    } else {
      // Collections are replaced whole (OData semantics).
      target[k] = structuredClone(v);
    }
  }
}

const ENUMS: Record<string, readonly string[]> = {
  state: ['enabled', 'disabled'],
  authenticationMode: ['any', 'push', 'deviceBasedPush'],
  targetType: ['user', 'group', 'administrativeUnit', 'role'],
};

function checkEnums(v: unknown, path: string): void {
  if (Array.isArray(v)) return v.forEach((x, i) => checkEnums(x, `${path}[${i}]`));
  if (v === null || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    const allowed = ENUMS[k];
    if (allowed && typeof x === 'string' && !(k === 'state' && path.includes('featureSettings') ? ['default', 'enabled', 'disabled'] : allowed).includes(x)) {
      throw badRequest(`Invalid value '${x}' for property '${k}'.`);
    }
    checkEnums(x, `${path}.${k}`);
  }
}

export function registerPolicyRoutes(r: Router): void {
  r.add('GET', '/policies/authenticationMethodsPolicy', (req, ctx) => ok(policyJson(ctx, req)));

  r.add('PATCH', '/policies/authenticationMethodsPolicy', (req, ctx) => {
    const t = ctx.tenant;
    const body = bodyObject(req);
    for (const k of Object.keys(body)) {
      if (POLICY_READ_ONLY.includes(k)) throw badRequest(`Property '${k}' is read-only and cannot be set.`);
      if (k === 'authenticationMethodConfigurations') throw badRequest('Update the method configurations through their own resources.');
    }
    for (const k of Object.keys(body)) {
      if (!k.startsWith('@') && !POLICY_WRITABLE.has(k)) throw unknownProperty(k, 'microsoft.graph.authenticationMethodsPolicy');
    }
    const migration = body.policyMigrationState;
    if (migration !== undefined && !['preMigration', 'migrationInProgress', 'migrationComplete'].includes(String(migration))) {
      throw badRequest(`Invalid value '${String(migration)}' for property 'policyMigrationState'.`);
    }
    const campaign = (body.registrationEnforcement as Json | undefined)?.authenticationMethodsRegistrationCampaign as Json | undefined;
    if (campaign) {
      if (campaign.state !== undefined && !['default', 'enabled', 'disabled'].includes(String(campaign.state))) throw badRequest(`Invalid value '${String(campaign.state)}' for property 'state'.`);
      const snooze = campaign.snoozeDurationInDays;
      if (snooze !== undefined && (typeof snooze !== 'number' || snooze < 0 || snooze > 14)) throw badRequest('snoozeDurationInDays must be between 0 and 14.');
    }
    const before = structuredClone(t.methodsPolicy);
    const { '@odata.type': _ignored, ...rest } = body;
    mergeInto(t.methodsPolicy, rest);
    t.methodsPolicy.lastModifiedDateTime = isoSeconds(t.clock.nowMs());
    methodsPolicyAudit(t, 'authenticationMethodsPolicy', before, t.methodsPolicy);
    return ok(policyJson(ctx, req));
  });

  r.add('GET', '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations', (req, ctx) =>
    ok({ '@odata.context': contextUrl(ctx, req, 'policies/authenticationMethodsPolicy/authenticationMethodConfigurations'), value: [...ctx.tenant.methodConfigs.values()] }),
  );

  r.add('GET', '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}', (req, ctx, [id]) => {
    const cfg = ctx.tenant.methodConfigs.get(id!.toLowerCase());
    if (!cfg) throw notFound(id!);
    return ok({ '@odata.context': contextUrl(ctx, req, 'policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity'), ...structuredClone(cfg) });
  });

  r.add('PATCH', '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const cfg = t.methodConfigs.get(id!.toLowerCase());
    if (!cfg) throw notFound(id!);
    const body = bodyObject(req);
    const type = body['@odata.type'];
    if (typeof type !== 'string') {
      throw badRequest("The '@odata.type' property is required to update an authentication method configuration.");
    }
    if (type.replace(/^#/, '').toLowerCase() !== String(cfg['@odata.type']).replace(/^#/, '').toLowerCase()) {
      throw badRequest(`'@odata.type' '${type}' does not match the configuration type '${String(cfg['@odata.type'])}'.`);
    }
    if ('id' in body && String(body.id).toLowerCase() !== String(cfg.id).toLowerCase()) throw badRequest("Property 'id' cannot be changed.");
    checkEnums(body, '');
    checkConfigurationBody(String(cfg['@odata.type']), body);
    const next = structuredClone(cfg);
    const { '@odata.type': _t, id: _id, ...rest } = body;
    mergeInto(next, rest);
    if (String(cfg.id) === 'TemporaryAccessPass') checkTap(next);
    t.methodConfigs.set(id!.toLowerCase(), next);
    methodsPolicyAudit(t, String(cfg.id), cfg, next);
    return noContent();
  });

  r.add('DELETE', '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}', () => {
    throw new GraphError(405, 'Request_BadRequest', 'Built-in authentication method configurations cannot be deleted.');
  });
}

function checkTap(c: Json): void {
  const n = (k: string): number => Number(c[k]);
  const min = n('minimumLifetimeInMinutes');
  const max = n('maximumLifetimeInMinutes');
  const def = n('defaultLifetimeInMinutes');
  const len = n('defaultLength');
  if (!(min >= 10 && min <= 43200 && max >= 10 && max <= 43200)) throw badRequest('Temporary Access Pass lifetimes must be between 10 and 43200 minutes.');
  if (min > max) throw badRequest('minimumLifetimeInMinutes cannot be greater than maximumLifetimeInMinutes.');
  if (def < min || def > max) throw badRequest('defaultLifetimeInMinutes must be between minimumLifetimeInMinutes and maximumLifetimeInMinutes.');
  if (!(len >= 8 && len <= 48)) throw badRequest('defaultLength must be between 8 and 48.');
}

// ---- what a method configuration PATCH may carry (Learn v1.0 resource pages of each
// <method>AuthenticationMethodConfiguration and the complex types they link).

/** Writable on the policy itself (v1.0 authenticationMethodsPolicy); the read-only ones are refused above. */
const POLICY_WRITABLE = new Set(['registrationEnforcement', 'policyMigrationState', 'reconfirmationInDays', ...POLICY_READ_ONLY, 'authenticationMethodConfigurations']);

const BASE_PROPERTIES = ['id', 'state', 'includeTargets', 'excludeTargets'];
/** Properties per configuration type, and the properties an include target may carry besides id and targetType. */
const CONFIGURATION_TYPES: Record<string, { properties: string[]; targetProperties: string[] }> = {
  microsoftauthenticatorauthenticationmethodconfiguration: { properties: ['isSoftwareOathEnabled', 'featureSettings'], targetProperties: ['isRegistrationRequired', 'authenticationMode'] },
  temporaryaccesspassauthenticationmethodconfiguration: {
    properties: ['defaultLength', 'defaultLifetimeInMinutes', 'isUsableOnce', 'maximumLifetimeInMinutes', 'minimumLifetimeInMinutes'],
    targetProperties: ['isRegistrationRequired'],
  },
  smsauthenticationmethodconfiguration: { properties: [], targetProperties: ['isRegistrationRequired', 'isUsableForSignIn'] },
  voiceauthenticationmethodconfiguration: { properties: ['isOfficePhoneAllowed'], targetProperties: ['isRegistrationRequired'] },
  fido2authenticationmethodconfiguration: {
    properties: ['isAttestationEnforced', 'isSelfServiceRegistrationAllowed', 'keyRestrictions', 'passkeyProfiles', 'defaultPasskeyProfile'],
    targetProperties: ['isRegistrationRequired', 'allowedPasskeyProfiles'],
  },
  softwareoathauthenticationmethodconfiguration: { properties: [], targetProperties: ['isRegistrationRequired'] },
  emailauthenticationmethodconfiguration: { properties: ['allowExternalIdToUseEmailOtp'], targetProperties: ['isRegistrationRequired'] },
  x509certificateauthenticationmethodconfiguration: {
    properties: ['certificateUserBindings', 'authenticationModeConfiguration', 'crlValidationConfiguration'],
    targetProperties: ['isRegistrationRequired'],
  },
};

/** Enum-valued properties of the configurations' complex types (`unknownFutureValue` is never accepted on write). */
const CONFIGURATION_ENUMS: Record<string, readonly string[]> = {
  allowExternalIdToUseEmailOtp: ['default', 'enabled', 'disabled'],
  enforcementType: ['allow', 'block'],
  attestationEnforcement: ['disabled', 'registrationOnly'],
  x509CertificateAuthenticationDefaultMode: ['x509CertificateSingleFactor', 'x509CertificateMultiFactor'],
  x509CertificateAuthenticationMode: ['x509CertificateSingleFactor', 'x509CertificateMultiFactor'],
  x509CertificateRuleType: ['issuerSubject', 'policyOID', 'issuerSubjectAndPolicyOID'],
  trustAffinityLevel: ['low', 'high'],
  x509CertificateDefaultRequiredAffinityLevel: ['low', 'high'],
  x509CertificateRequiredAffinityLevel: ['low', 'high'],
};

function unknownProperty(name: string, type: string): GraphError {
  // OData's wording for a property the (closed) type does not declare.
  return badRequest(`The property '${name}' does not exist on type '${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
}

function checkConfigurationBody(odataType: string, body: Json): void {
  const type = odataType.replace(/^#/, '');
  const known = CONFIGURATION_TYPES[type.replace(/^microsoft\.graph\./, '').toLowerCase()];
  if (!known) return;
  for (const k of Object.keys(body)) {
    if (k.startsWith('@')) continue;
    if (!BASE_PROPERTIES.includes(k) && !known.properties.includes(k)) throw unknownProperty(k, type);
  }
  for (const list of ['includeTargets', 'excludeTargets'] as const) {
    if (body[list] === undefined) continue;
    if (!Array.isArray(body[list])) throw badRequest(`Property '${list}' must be a collection.`);
    for (const t of body[list] as unknown[]) {
      if (t === null || typeof t !== 'object' || Array.isArray(t)) throw badRequest(`Each of '${list}' must be an object.`);
      const target = t as Json;
      if (typeof target.id !== 'string' || target.id === '') throw badRequest(`A target in '${list}' needs an 'id'.`);
      const allowed = list === 'includeTargets' ? known.targetProperties : [];
      for (const k of Object.keys(target)) {
        if (k !== 'id' && k !== 'targetType' && !k.startsWith('@') && !allowed.includes(k)) throw unknownProperty(k, list === 'includeTargets' ? 'microsoft.graph.authenticationMethodTarget' : 'microsoft.graph.excludeTarget');
      }
    }
  }
  walkEnums(body);
}

function walkEnums(v: unknown): void {
  if (Array.isArray(v)) return v.forEach(walkEnums);
  if (v === null || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    const allowed = CONFIGURATION_ENUMS[k];
    if (allowed && x !== null && !allowed.includes(String(x))) throw badRequest(`Invalid value '${String(x)}' for property '${k}'.`);
    walkEnums(x);
  }
}
