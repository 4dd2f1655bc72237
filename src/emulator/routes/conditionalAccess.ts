/** /identity/conditionalAccess/policies: list, create (201), get, patch (204), delete (204, soft). */
import { caPolicyAudit } from '../audit.js';
import { isoSeconds } from '../clock.js';
import { badRequest, notFound } from '../graphError.js';
import { evaluateFilter } from '../odataFilter.js';
import type { Json } from '../tenant.js';
import { applySelect, bodyObject, contextUrl, created, noContent, ok, pageScan, parseFilterParam, rejectUnsupportedParams, selectList } from './common.js';
import type { Router } from './router.js';

const BASE = '/identity/conditionalAccess/policies';
const STATES = ['enabled', 'disabled', 'enabledForReportingButNotEnforced'];
const GRANTS = ['block', 'mfa', 'compliantDevice', 'domainJoinedDevice', 'approvedApplication', 'compliantApplication', 'passwordChange', 'riskRemediation'];
const READ_ONLY = ['id', 'createdDateTime', 'modifiedDateTime', 'templateId', 'deletedDateTime'];
const MAX_POLICIES = 195;

function validatePolicy(p: Json): void {
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
  const grant = p.grantControls as Json | null | undefined;
  const session = p.sessionControls as Json | null | undefined;
  if (!grant && !session) throw badRequest('Policy must have grant controls or session controls.');
  if (grant) {
    if (!['AND', 'OR'].includes(String(grant.operator))) throw badRequest(`Invalid value '${String(grant.operator)}' for property 'grantControls.operator'.`);
    const bic = grant.builtInControls;
    if (bic !== undefined && (!Array.isArray(bic) || bic.some((x) => !GRANTS.includes(String(x))))) throw badRequest('grantControls.builtInControls contains an invalid value.');
  }
}

function normalise(p: Json): Json {
  const cond = (p.conditions ?? {}) as Json;
  const users = (cond.users ?? {}) as Json;
  const apps = (cond.applications ?? {}) as Json;
  return {
    ...p,
    sessionControls: p.sessionControls ?? null,
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
    grantControls: p.grantControls ? { customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null, ...(p.grantControls as Json) } : null,
  };
}

function mergePatch(target: Json, patch: Json): Json {
  const out: Json = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    const cur = out[k];
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? mergePatch(cur as Json, v as Json) : structuredClone(v);
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
    validatePolicy(rest);
    const id = t.newId();
    const now = isoSeconds(t.clock.nowMs());
    const policy = normalise({ id, templateId: null, displayName: rest.displayName, createdDateTime: now, modifiedDateTime: null, ...rest });
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
    const after = mergePatch(before, rest);
    validatePolicy(after);
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
