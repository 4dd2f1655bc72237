/** /identity/conditionalAccess/policies: list, create (201), get, patch (204), delete (204, soft). */
import { caPolicyAudit } from '../audit.js';
import { isoSeconds } from '../clock.js';
import { badRequest, notFound } from '../graphError.js';
import { evaluateFilter } from '../odataFilter.js';
import type { Json } from '../tenant.js';
import { applySelect, bodyObject, contextUrl, created, noContent, ok, pageScan, parseFilterParam, rejectUnsupportedParams, selectList } from './common.js';
import type { Router } from './router.js';
import { findStrength } from './strengthsLocations.js';

const BASE = '/identity/conditionalAccess/policies';
const STATES = ['enabled', 'disabled', 'enabledForReportingButNotEnforced'];
const GRANTS = ['block', 'mfa', 'compliantDevice', 'domainJoinedDevice', 'approvedApplication', 'compliantApplication', 'passwordChange', 'riskRemediation'];
const READ_ONLY = ['id', 'createdDateTime', 'modifiedDateTime', 'templateId', 'deletedDateTime'];
const MAX_POLICIES = 195;
const GUEST_TYPES = ['none', 'internalGuest', 'b2bCollaborationGuest', 'b2bCollaborationMember', 'b2bDirectConnectUser', 'otherExternalUser', 'serviceProvider', 'unknownFutureValue'];
const EXTERNAL_TENANT_TYPES: Record<string, string> = { all: 'conditionalAccessAllExternalTenants', enumerated: 'conditionalAccessEnumeratedExternalTenants' };

/**
 * The built-in authentication strengths, as the v1.0 "List authenticationStrengthPolicies" example
 * shows them (api-reference/v1.0/api/authenticationstrengthroot-list-policies.md). A policy refers
 * to one by id; Graph reads it back expanded.
 */
export const BUILT_IN_AUTH_STRENGTHS: readonly Json[] = [
  {
    id: '00000000-0000-0000-0000-000000000002',
    displayName: 'Multifactor authentication',
    description: 'Combinations of methods that satisfy strong authentication, such as a password + SMS',
    policyType: 'builtIn',
    requirementsSatisfied: 'mfa',
    allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor', 'deviceBasedPush', 'temporaryAccessPassOneTime', 'temporaryAccessPassMultiUse', 'password,microsoftAuthenticatorPush', 'password,softwareOath', 'password,hardwareOath', 'password,sms', 'password,voice'],
  },
  {
    id: '00000000-0000-0000-0000-000000000003',
    displayName: 'Passwordless MFA',
    description: 'Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator',
    policyType: 'builtIn',
    requirementsSatisfied: 'mfa',
    allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor', 'deviceBasedPush'],
  },
  {
    id: '00000000-0000-0000-0000-000000000004',
    displayName: 'Phishing resistant MFA',
    description: 'Phishing resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key',
    policyType: 'builtIn',
    requirementsSatisfied: 'mfa',
    allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor'],
  },
];

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function validateGuests(where: string, g: unknown): void {
  if (g === null || g === undefined) return;
  if (!isObject(g)) throw badRequest(`${where} must be an object.`);
  const types = typeof g.guestOrExternalUserTypes === 'string' ? g.guestOrExternalUserTypes.split(',').map((t) => t.trim()) : [];
  const bad = types.find((t) => !GUEST_TYPES.includes(t));
  if (bad !== undefined) throw badRequest(`Invalid value '${bad}' for property '${where}.guestOrExternalUserTypes'.`);
  const tenants = g.externalTenants;
  if (tenants === null || tenants === undefined) return;
  // "External tenants can be specified only when the property guestOrExternalUserTypes isn't null
  // or an empty String" (conditionalAccessGuestsOrExternalUsers resource page).
  if (types.filter((t) => t !== 'none').length === 0) throw badRequest(`${where}.externalTenants needs guestOrExternalUserTypes.`);
  // conditionalAccessExternalTenants is abstract: the body names the derived type.
  const derived = isObject(tenants) ? EXTERNAL_TENANT_TYPES[String(tenants.membershipKind)] : undefined;
  const odataType = isObject(tenants) ? String(tenants['@odata.type'] ?? '').replace(/^#/, '') : '';
  if (!derived || odataType !== `microsoft.graph.${derived}`) {
    throw badRequest(`1007: Incoming ConditionalAccessPolicy object is null or does not match the schema of ConditionalAccessPolicy type: ${where}.externalTenants needs "@odata.type": "#microsoft.graph.${derived ?? 'conditionalAccessAllExternalTenants'}".`);
  }
}

type StrengthLookup = (id: string) => Json | undefined;
const builtInStrength: StrengthLookup = (id) => BUILT_IN_AUTH_STRENGTHS.find((s) => s.id === id.toLowerCase());

function validatePolicy(p: Json, strengthOf: StrengthLookup = builtInStrength): void {
  if (typeof p.displayName !== 'string' || p.displayName.trim() === '') throw badRequest('displayName is required.');
  if (!STATES.includes(String(p.state))) throw badRequest(`Invalid value '${String(p.state)}' for property 'state'.`);
  const cond = p.conditions as Json | undefined;
  if (!cond || typeof cond !== 'object') throw badRequest('conditions is required.');
  const users = cond.users as Json | undefined;
  const apps = cond.applications as Json | undefined;
  if (!users || !apps) throw badRequest('conditions.users and conditions.applications are required.');
  for (const k of ['includeUsers', 'excludeUsers', 'includeGroups', 'excludeGroups', 'includeRoles', 'excludeRoles']) {
    const v = users[k];
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) throw badRequest(`conditions.users.${k} must be a collection of strings.`);
  }
  for (const k of ['includeGuestsOrExternalUsers', 'excludeGuestsOrExternalUsers']) validateGuests(`conditions.users.${k}`, users[k]);
  const grant = p.grantControls as Json | null | undefined;
  const session = p.sessionControls as Json | null | undefined;
  if (!grant && !session) throw badRequest('Policy must have grant controls or session controls.');
  if (grant) {
    if (!['AND', 'OR'].includes(String(grant.operator))) throw badRequest(`Invalid value '${String(grant.operator)}' for property 'grantControls.operator'.`);
    const bic = grant.builtInControls;
    if (bic !== undefined && (!Array.isArray(bic) || bic.some((x) => !GRANTS.includes(String(x))))) throw badRequest('grantControls.builtInControls contains an invalid value.');
    const strength = grant.authenticationStrength;
    if (strength !== null && strength !== undefined) {
      if (!isObject(strength) || !strengthOf(String(strength.id))) {
        throw badRequest(`grantControls.authenticationStrength: no authentication strength policy has the id '${isObject(strength) ? String(strength.id) : ''}'.`);
      }
      // Require MFA and Require authentication strength exclude each other; Graph answers 1108.
      // The error's exact wording is not documented: code BadRequest and a numbered message, the
      // shape Graph's CA validation errors take (e.g. "1007: Incoming ConditionalAccessPolicy…").
      if (Array.isArray(bic) && bic.includes('mfa')) {
        throw badRequest('1108: The mfa grant control and an authentication strength cannot be used together in one policy: remove mfa from builtInControls or remove the authentication strength.');
      }
    }
  }
}

/** The referenced strength, expanded as Graph reads it back. */
function expandStrength(grant: Json, strengthOf: StrengthLookup): Json {
  const ref = grant.authenticationStrength;
  if (!isObject(ref)) return { ...grant, authenticationStrength: null };
  const strength = strengthOf(String(ref.id));
  return { ...grant, authenticationStrength: strength ? structuredClone(strength) : null };
}

function normaliseSession(session: unknown): unknown {
  if (!isObject(session) || !isObject(session.signInFrequency)) return session ?? null;
  const f: Json = { frequencyInterval: 'timeBased', ...session.signInFrequency };
  if (f.frequencyInterval === 'timeBased') f.authenticationType ??= 'primaryAndSecondaryAuthentication';
  return { ...session, signInFrequency: f };
}

function normalise(p: Json, strengthOf: StrengthLookup = builtInStrength): Json {
  const cond = (p.conditions ?? {}) as Json;
  const users = (cond.users ?? {}) as Json;
  const apps = (cond.applications ?? {}) as Json;
  return {
    ...p,
    sessionControls: normaliseSession(p.sessionControls),
    conditions: {
      userRiskLevels: [],
      signInRiskLevels: [],
      clientAppTypes: ['all'],
      servicePrincipalRiskLevels: [],
      platforms: null,
      locations: null,
      devices: null,
      clientApplications: null,
      ...cond,
      applications: { includeApplications: [], excludeApplications: [], includeUserActions: [], includeAuthenticationContextClassReferences: [], applicationFilter: null, ...apps },
      users: {
        includeUsers: [],
        excludeUsers: [],
        includeGroups: [],
        excludeGroups: [],
        includeRoles: [],
        excludeRoles: [],
        includeGuestsOrExternalUsers: null,
        excludeGuestsOrExternalUsers: null,
        ...users,
      },
    },
    grantControls: p.grantControls ? expandStrength({ customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null, ...(p.grantControls as Json) }, strengthOf) : null,
  };
}

/**
 * PATCH keeps what the body leaves out, at every depth ("Existing properties that are not included
 * in the request body will maintain their previous values": conditionalaccesspolicy-update).
 * Collections are replaced whole, null clears, and an object whose @odata.type changes (another
 * derived type) is replaced rather than merged. A strength merged by id is re-read whole (normalise).
 */
function mergePatch(target: Json, patch: Json): Json {
  const out: Json = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    const cur = out[k];
    const replace = !isObject(v) || !isObject(cur) || ('@odata.type' in v && v['@odata.type'] !== cur['@odata.type']);
    out[k] = replace ? structuredClone(v) : mergePatch(cur, v);
  }
  return out;
}

export function registerConditionalAccessRoutes(r: Router): void {
  r.add('GET', BASE, (req, ctx) => {
    rejectUnsupportedParams(req, ['$filter', '$select', '$top']);
    const filter = parseFilterParam(req, { cmp: { displayName: ['eq', 'ne'], state: ['eq', 'ne'], id: ['eq'] }, startsWith: ['displayName'], in: ['id'], allowOr: true });
    const select = selectList(req);
    const list = [...ctx.tenant.caPolicies.values()];
    return pageScan(req, ctx, list.length, (i) => {
      const p = list[i]!;
      if (filter && !evaluateFilter(filter, p)) return undefined;
      return applySelect(structuredClone(p), select);
    }, { defaultTop: 100, maxTop: 999, context: 'identity/conditionalAccess/policies' });
  });

  r.add('POST', BASE, (req, ctx) => {
    const t = ctx.tenant;
    const body = bodyObject(req);
    for (const k of READ_ONLY) if (k in body && k !== 'templateId') throw badRequest(`Property '${k}' is read-only and cannot be set.`);
    if (t.caPolicies.size >= MAX_POLICIES) throw badRequest(`The tenant already has the maximum of ${MAX_POLICIES} Conditional Access policies.`);
    const { '@odata.type': _t, ...rest } = body;
    const strengthOf: StrengthLookup = (sid) => findStrength(t, sid);
    validatePolicy(rest, strengthOf);
    const id = t.newId();
    const now = isoSeconds(t.clock.nowMs());
    const policy = normalise({ id, templateId: null, displayName: rest.displayName, createdDateTime: now, modifiedDateTime: null, ...rest }, strengthOf);
    t.caPolicies.set(id, policy);
    caPolicyAudit(t, 'Add', null, policy);
    return created({ '@odata.context': contextUrl(ctx, req, 'identity/conditionalAccess/policies/$entity'), ...structuredClone(policy) });
  });

  r.add('GET', `${BASE}/{id}`, (req, ctx, [id]) => {
    const p = ctx.tenant.caPolicies.get(id!.toLowerCase());
    if (!p) throw notFound(id!);
    return ok({ '@odata.context': contextUrl(ctx, req, 'identity/conditionalAccess/policies/$entity'), ...applySelect(structuredClone(p), selectList(req)) });
  });

  r.add('PATCH', `${BASE}/{id}`, (req, ctx, [id]) => {
    const t = ctx.tenant;
    const before = t.caPolicies.get(id!.toLowerCase());
    if (!before) throw notFound(id!);
    const body = bodyObject(req);
    for (const k of READ_ONLY) if (k in body && body[k] !== before[k]) throw badRequest(`Property '${k}' is read-only and cannot be set.`);
    const { '@odata.type': _t, ...rest } = body;
    const merged = mergePatch(before, rest);
    const strengthOf: StrengthLookup = (sid) => findStrength(t, sid);
    validatePolicy(merged, strengthOf);
    const after = normalise(merged, strengthOf);
    after.modifiedDateTime = isoSeconds(t.clock.nowMs());
    t.caPolicies.set(String(before.id), after);
    caPolicyAudit(t, 'Update', before, after);
    return noContent();
  });

  r.add('DELETE', `${BASE}/{id}`, (_req, ctx, [id]) => {
    const t = ctx.tenant;
    const before = t.caPolicies.get(id!.toLowerCase());
    if (!before) throw notFound(id!);
    t.caPolicies.delete(String(before.id));
    t.deletedCaPolicies.set(String(before.id), { ...before, deletedDateTime: isoSeconds(t.clock.nowMs()) });
    caPolicyAudit(t, 'Delete', before, null);
    return noContent();
  });

  r.add('GET', '/identity/conditionalAccess/deletedItems/policies', (req, ctx) => {
    const list = [...ctx.tenant.deletedCaPolicies.values()];
    return pageScan(req, ctx, list.length, (i) => list[i], { defaultTop: 100, maxTop: 999, context: 'identity/conditionalAccess/deletedItems/policies' });
  });
}
