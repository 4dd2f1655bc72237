/**
 * Authentication strength policies (/policies/authenticationStrengthPolicies), named locations
 * (/identity/conditionalAccess/namedLocations), directory role templates and service principals,
 * modelled on the v1.0 pages' examples and the validation they document:
 * - authenticationstrengthroot-post-policies: 201 with policyType custom, requirementsSatisfied mfa;
 * - authenticationstrengthpolicy-update: PATCH changes displayName/description only, 204 ("You cannot
 *   update the allowed auth method combinations using this request");
 * - authenticationstrengthpolicy-updateallowedcombinations: 200 with an updateAllowedCombinationsResult;
 * - conditionalaccessroot-post-namedlocations: the body must name the derived @odata.type, and so
 *   must each ipRange; namedlocation-update: 204, @odata.type required; namedlocation-delete: 204.
 * Built-in strengths cannot be changed; a strength or location that a CA policy uses cannot be
 * deleted (the portal and Graph refuse it; the exact message is not documented).
 */
import { isoSeconds } from '../clock.js';
import { badRequest, notFound } from '../graphError.js';
import { evaluateFilter } from '../odataFilter.js';
import type { Json, Tenant } from '../tenant.js';
import { BUILT_IN_AUTH_STRENGTHS } from './conditionalAccess.js';
import { applySelect, bodyObject, contextUrl, created, noContent, ok, pageScan, parseFilterParam, selectList } from './common.js';
import type { Router } from './router.js';

const STRENGTHS = '/policies/authenticationStrengthPolicies';
const LOCATIONS = '/identity/conditionalAccess/namedLocations';

/** authenticationMethodModes members (authenticationstrengthroot-post-policies, allowedCombinations). */
const MODES = ['password', 'voice', 'hardwareOath', 'softwareOath', 'sms', 'fido2', 'windowsHelloForBusiness', 'microsoftAuthenticatorPush', 'deviceBasedPush', 'temporaryAccessPassOneTime', 'temporaryAccessPassMultiUse', 'email', 'x509CertificateSingleFactor', 'x509CertificateMultiFactor', 'federatedSingleFactor', 'federatedMultiFactor'];

/** The directory role templates the scenarios use (ids are Entra's built-in role template ids). */
export const ROLE_TEMPLATES: readonly Json[] = [
  ['62e90394-69f5-4237-9190-012177145e10', 'Global Administrator'],
  ['194ae4cb-b126-40b2-bd5b-6091b380977d', 'Security Administrator'],
  ['f28a1f50-f6e7-4571-818b-6a12f2af6b6c', 'SharePoint Administrator'],
  ['29232cdf-9323-42fd-ade2-1d097af3e4de', 'Exchange Administrator'],
  ['b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', 'Conditional Access Administrator'],
  ['fe930be7-5e62-47db-91af-98c3a49a38b1', 'User Administrator'],
  ['729827e3-9c14-49f7-bb1b-9608f156bbb8', 'Helpdesk Administrator'],
  ['c4e39bd9-1100-46d3-8c65-fb160da0071f', 'Authentication Administrator'],
  ['0526716b-113d-4c15-b2c8-68e3c22b9f80', 'Authentication Policy Administrator'],
  ['e8611ab8-c189-46e8-94e1-60213ab1f814', 'Privileged Role Administrator'],
  ['9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', 'Application Administrator'],
  ['88d8e3e3-8f55-4a1e-953a-9b9898b8876b', 'Directory Readers'],
].map(([id, displayName]) => ({ id, deletedDateTime: null, displayName, description: `Built-in role: ${displayName}.` }));

/** First-party service principals every tenant has (well-known appIds). */
export const FIRST_PARTY_APPS: ReadonlyArray<[string, string]> = [
  ['00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'],
  ['00000003-0000-0ff1-ce00-000000000000', 'Office 365 SharePoint Online'],
  ['00000003-0000-0000-c000-000000000000', 'Microsoft Graph'],
  ['797f4846-ba00-4fd7-ba43-dac1f8f63013', 'Windows Azure Service Management API'],
];

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function validateCombinations(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest('allowedCombinations is required and must not be empty.');
  for (const c of value) {
    const members = String(c).split(',').map((m) => m.trim());
    const bad = members.find((m) => !MODES.includes(m));
    if (typeof c !== 'string' || bad !== undefined) throw badRequest(`Invalid value '${String(bad ?? c)}' for property 'allowedCombinations'.`);
  }
  return value as string[];
}

/** CA policies that use the object: a strength by grantControls, a location by conditions.locations. */
function usedBy(t: Tenant, id: string, kind: 'strength' | 'location'): string[] {
  const lower = id.toLowerCase();
  return [...t.caPolicies.values()]
    .filter((p) => {
      if (kind === 'strength') return String(((p.grantControls as Json | null)?.authenticationStrength as Json | null)?.id ?? '').toLowerCase() === lower;
      const loc = ((p.conditions as Json).locations ?? {}) as Json;
      return [...((loc.includeLocations as string[]) ?? []), ...((loc.excludeLocations as string[]) ?? [])].some((l) => l.toLowerCase() === lower);
    })
    .map((p) => String(p.id));
}

/** Every strength, built-in first, as the list answers them. */
export function allStrengths(t: Tenant): Json[] {
  return [...BUILT_IN_AUTH_STRENGTHS.map((s) => ({ createdDateTime: '2021-12-01T00:00:00Z', modifiedDateTime: '2021-12-01T00:00:00Z', combinationConfigurations: [], ...structuredClone(s) })), ...[...t.authStrengths.values()].map((s) => structuredClone(s))];
}

export function findStrength(t: Tenant, id: string): Json | undefined {
  return allStrengths(t).find((s) => String(s.id).toLowerCase() === id.toLowerCase());
}

function validateLocation(body: Json, type: string): void {
  if (typeof body.displayName !== 'string' || body.displayName.trim() === '') throw badRequest('displayName is required.');
  if (type === 'ipNamedLocation') {
    if (!Array.isArray(body.ipRanges) || body.ipRanges.length === 0) throw badRequest('ipRanges is required for an ipNamedLocation.');
    for (const r of body.ipRanges) {
      const rt = isObject(r) ? String(r['@odata.type'] ?? '').replace(/^#/, '') : '';
      if (!['microsoft.graph.iPv4CidrRange', 'microsoft.graph.iPv6CidrRange'].includes(rt)) throw badRequest('Each ipRange needs its @odata.type (#microsoft.graph.iPv4CidrRange or #microsoft.graph.iPv6CidrRange).');
      const cidr = String((r as Json).cidrAddress ?? '');
      const v6 = rt.endsWith('iPv6CidrRange');
      if (!(v6 ? /^[0-9a-fA-F:]+\/\d{1,3}$/ : /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/).test(cidr)) throw badRequest(`Invalid cidrAddress '${cidr}'.`);
    }
    for (const k of ['countriesAndRegions', 'includeUnknownCountriesAndRegions', 'countryLookupMethod']) if (k in body) throw badRequest(`Property '${k}' does not exist on type 'microsoft.graph.ipNamedLocation'.`);
  } else {
    if (!Array.isArray(body.countriesAndRegions) || body.countriesAndRegions.some((c) => !/^[A-Z]{2}$/.test(String(c)))) throw badRequest('countriesAndRegions is required: two-letter ISO 3166-2 codes.');
    if (body.countryLookupMethod !== undefined && !['clientIpAddress', 'authenticatorAppGps'].includes(String(body.countryLookupMethod))) throw badRequest(`Invalid value '${String(body.countryLookupMethod)}' for property 'countryLookupMethod'.`);
    for (const k of ['ipRanges', 'isTrusted']) if (k in body) throw badRequest(`Property '${k}' does not exist on type 'microsoft.graph.countryNamedLocation'.`);
  }
}

const locationType = (body: Json): string => {
  const t = String(body['@odata.type'] ?? '').replace(/^#?microsoft\.graph\./, '');
  if (t !== 'ipNamedLocation' && t !== 'countryNamedLocation') throw badRequest('The request body must specify the @odata.type of the derived type: #microsoft.graph.ipNamedLocation or #microsoft.graph.countryNamedLocation.');
  return t;
};

export function registerStrengthAndLocationRoutes(r: Router): void {
  r.add('GET', STRENGTHS, (req, ctx) => {
    const filter = parseFilterParam(req, { cmp: { policyType: ['eq'], displayName: ['eq'] } });
    const list = allStrengths(ctx.tenant).filter((s) => !filter || evaluateFilter(filter, s));
    return pageScan(req, ctx, list.length, (i) => list[i], { defaultTop: 100, maxTop: 999, context: 'policies/authenticationStrengthPolicies' });
  });
  r.add('GET', `${STRENGTHS}/{id}`, (req, ctx, [id]) => {
    const s = findStrength(ctx.tenant, id!);
    if (!s) throw notFound(id!);
    return ok({ '@odata.context': contextUrl(ctx, req, 'policies/authenticationStrengthPolicies/$entity'), ...s });
  });
  r.add('POST', STRENGTHS, (req, ctx) => {
    const t = ctx.tenant;
    const body = bodyObject(req);
    if (typeof body.displayName !== 'string' || body.displayName.trim() === '') throw badRequest('displayName is required.');
    const combos = validateCombinations(body.allowedCombinations);
    if (allStrengths(t).some((s) => String(s.displayName).toLowerCase() === String(body.displayName).toLowerCase())) {
      throw badRequest(`An authentication strength policy named '${body.displayName}' already exists.`);
    }
    const id = t.newId();
    const now = isoSeconds(t.clock.nowMs());
    const s: Json = { id, createdDateTime: now, modifiedDateTime: now, displayName: body.displayName, description: body.description ?? null, policyType: 'custom', requirementsSatisfied: 'mfa', allowedCombinations: [...combos], combinationConfigurations: [] };
    t.authStrengths.set(id, s);
    // The create answer names its type (authenticationstrengthroot-post-policies example); list items do not.
    return created({ '@odata.context': contextUrl(ctx, req, 'policies/authenticationStrengthPolicies/$entity'), '@odata.type': '#microsoft.graph.authenticationStrengthPolicy', ...structuredClone(s) });
  });
  r.add('PATCH', `${STRENGTHS}/{id}`, (req, ctx, [id]) => {
    const t = ctx.tenant;
    const body = bodyObject(req);
    if (!findStrength(t, id!)) throw notFound(id!);
    const s = t.authStrengths.get(id!.toLowerCase());
    if (!s) throw badRequest('Built-in authentication strength policies cannot be modified.');
    if ('allowedCombinations' in body) throw badRequest('allowedCombinations cannot be updated with PATCH: use the updateAllowedCombinations action.');
    for (const k of Object.keys(body)) if (!['@odata.type', 'displayName', 'description'].includes(k)) throw badRequest(`Property '${k}' cannot be updated.`);
    if ('displayName' in body && (typeof body.displayName !== 'string' || body.displayName.trim() === '')) throw badRequest('displayName must not be empty.');
    if (typeof body.displayName === 'string') s.displayName = body.displayName;
    if ('description' in body) s.description = body.description ?? null;
    s.modifiedDateTime = isoSeconds(t.clock.nowMs());
    return noContent();
  });
  r.add('POST', `${STRENGTHS}/{id}/updateAllowedCombinations`, (req, ctx, [id]) => {
    const t = ctx.tenant;
    if (!findStrength(t, id!)) throw notFound(id!);
    const s = t.authStrengths.get(id!.toLowerCase());
    if (!s) throw badRequest('Built-in authentication strength policies cannot be modified.');
    const combos = validateCombinations(bodyObject(req).allowedCombinations);
    const previous = s.allowedCombinations as string[];
    s.allowedCombinations = [...combos];
    s.modifiedDateTime = isoSeconds(t.clock.nowMs());
    const refs = usedBy(t, String(s.id), 'strength');
    return ok({
      '@odata.type': '#microsoft.graph.updateAllowedCombinationsResult',
      previousCombinations: previous,
      currentCombinations: [...combos],
      conditionalAccessReferences: refs,
      additionalInformation: refs.length ? `Conditional Access policies use the ${String(s.displayName)} authentication strength: review conditionalAccessReferences.` : null,
    });
  });
  r.add('DELETE', `${STRENGTHS}/{id}`, (_req, ctx, [id]) => {
    const t = ctx.tenant;
    if (!findStrength(t, id!)) throw notFound(id!);
    const s = t.authStrengths.get(id!.toLowerCase());
    if (!s) throw badRequest('Built-in authentication strength policies cannot be deleted.');
    const refs = usedBy(t, String(s.id), 'strength');
    if (refs.length) throw badRequest(`The authentication strength is used by Conditional Access policies (${refs.join(', ')}) and cannot be deleted.`);
    t.authStrengths.delete(String(s.id));
    return noContent();
  });

  r.add('GET', LOCATIONS, (req, ctx) => {
    const filter = parseFilterParam(req, { cmp: { displayName: ['eq'], id: ['eq'] }, startsWith: ['displayName'] });
    const list = [...ctx.tenant.namedLocations.values()].filter((l) => !filter || evaluateFilter(filter, l));
    const select = selectList(req);
    return pageScan(req, ctx, list.length, (i) => applySelect(structuredClone(list[i]!), select), { defaultTop: 100, maxTop: 999, context: 'identity/conditionalAccess/namedLocations' });
  });
  r.add('GET', `${LOCATIONS}/{id}`, (req, ctx, [id]) => {
    const l = ctx.tenant.namedLocations.get(id!.toLowerCase());
    if (!l) throw notFound(id!);
    return ok({ '@odata.context': contextUrl(ctx, req, 'identity/conditionalAccess/namedLocations/$entity'), ...structuredClone(l) });
  });
  r.add('POST', LOCATIONS, (req, ctx) => {
    const t = ctx.tenant;
    const body = bodyObject(req);
    const type = locationType(body);
    validateLocation(body, type);
    const id = t.newId();
    const now = isoSeconds(t.clock.nowMs());
    const l = namedLocationJson(id, now, { ...body, '@odata.type': `#microsoft.graph.${type}` });
    t.namedLocations.set(id, l);
    return created({ '@odata.context': contextUrl(ctx, req, 'identity/conditionalAccess/namedLocations/$entity'), ...structuredClone(l) });
  });
  r.add('PATCH', `${LOCATIONS}/{id}`, (req, ctx, [id]) => {
    const t = ctx.tenant;
    const before = t.namedLocations.get(id!.toLowerCase());
    if (!before) throw notFound(id!);
    const body = bodyObject(req);
    const type = locationType(body);
    if (`#microsoft.graph.${type}` !== before['@odata.type']) throw badRequest(`The @odata.type of a named location cannot change (it is ${String(before['@odata.type'])}).`);
    const merged: Json = { ...before, ...body, '@odata.type': before['@odata.type'] };
    const { id: _id, createdDateTime: _c, modifiedDateTime: _m, ...check } = merged;
    validateLocation(check, type);
    merged.modifiedDateTime = isoSeconds(t.clock.nowMs());
    t.namedLocations.set(String(before.id), merged);
    return noContent();
  });
  r.add('DELETE', `${LOCATIONS}/{id}`, (_req, ctx, [id]) => {
    const t = ctx.tenant;
    const l = t.namedLocations.get(id!.toLowerCase());
    if (!l) throw notFound(id!);
    const refs = usedBy(t, String(l.id), 'location');
    if (refs.length) throw badRequest(`The named location is used by Conditional Access policies (${refs.join(', ')}) and cannot be deleted.`);
    t.namedLocations.delete(String(l.id));
    return noContent();
  });

  r.add('GET', '/directoryRoleTemplates', (req, ctx) => {
    const select = selectList(req);
    return pageScan(req, ctx, ROLE_TEMPLATES.length, (i) => applySelect(structuredClone(ROLE_TEMPLATES[i]!), select), { defaultTop: 999, maxTop: 999, context: 'directoryRoleTemplates' });
  });
  r.add('GET', '/servicePrincipals', (req, ctx) => {
    const filter = parseFilterParam(req, { cmp: { appId: ['eq'], displayName: ['eq'], id: ['eq'] }, startsWith: ['displayName'] });
    const list = ctx.tenant.servicePrincipals.filter((sp) => !filter || evaluateFilter(filter, sp));
    const select = selectList(req);
    return pageScan(req, ctx, list.length, (i) => applySelect(structuredClone(list[i]!), select), { defaultTop: 100, maxTop: 999, context: 'servicePrincipals' });
  });
}

/** A named location as Graph returns it (createdDateTime/modifiedDateTime, defaults of its type). */
export function namedLocationJson(id: string, now: string, body: Json): Json {
  const ip = String(body['@odata.type']).endsWith('ipNamedLocation');
  const base = { '@odata.type': body['@odata.type'], id, displayName: body.displayName, createdDateTime: now, modifiedDateTime: now };
  return ip
    ? { ...base, isTrusted: body.isTrusted ?? false, ipRanges: structuredClone(body.ipRanges) }
    : { ...base, countriesAndRegions: [...(body.countriesAndRegions as string[])], includeUnknownCountriesAndRegions: body.includeUnknownCountriesAndRegions ?? false, countryLookupMethod: body.countryLookupMethod ?? 'clientIpAddress' };
}

/** The first-party service principals, with ids from the tenant. */
export function firstPartyServicePrincipals(t: Tenant): Json[] {
  return FIRST_PARTY_APPS.map(([appId, displayName]) => ({ id: t.newId(), appId, displayName }));
}
