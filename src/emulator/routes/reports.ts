/** The registration report, directory audits and sign-ins (newest first, filtered, paged). */
import { notFound } from '../graphError.js';
import { equalityValues, evaluateFilter, type FilterSupport } from '../odataFilter.js';
import { applySelect, contextUrl, type Ctx, ok, pageScan, parseFilterParam, rejectUnsupportedParams, selectList } from './common.js';
import type { Router } from './router.js';

// UNVERIFIED page sizes for the registration report and audits (Graph documents neither default precisely); sign-ins are documented.
export const PAGE = {
  registrationDetails: { defaultTop: 100, maxTop: 999 },
  directoryAudits: { defaultTop: 100, maxTop: 1000 },
  // signin-list.md: "The maximum and default page size is 1,000 objects".
  signIns: { defaultTop: 1000, maxTop: 1000 },
};

const BOOLS = ['isAdmin', 'isMfaCapable', 'isMfaRegistered', 'isPasswordlessCapable', 'isSsprCapable', 'isSsprEnabled', 'isSsprRegistered', 'isSystemPreferredAuthenticationMethodEnabled'];

const REGISTRATION_FILTER: FilterSupport = {
  cmp: { ...Object.fromEntries(BOOLS.map((b) => [b, ['eq'] as ('eq')[]])), userType: ['eq'], userPrincipalName: ['eq'], id: ['eq'], userPreferredMethodForSecondaryAuthentication: ['eq'] },
  startsWith: ['userPrincipalName', 'userDisplayName'],
  in: ['id'],
  any: { methodsRegistered: { '': ['eq'] }, systemPreferredAuthenticationMethods: { '': ['eq'] } },
};

const AUDIT_FILTER: FilterSupport = {
  cmp: {
    activityDateTime: ['ge', 'le', 'gt', 'lt'],
    loggedByService: ['eq'],
    activityDisplayName: ['eq'],
    category: ['eq'],
    result: ['eq'],
    correlationId: ['eq'],
    id: ['eq'],
    'initiatedBy/user/id': ['eq'],
    'initiatedBy/user/userPrincipalName': ['eq'],
    'initiatedBy/app/appId': ['eq'],
    'initiatedBy/app/displayName': ['eq'],
  },
  startsWith: ['activityDisplayName', 'initiatedBy/user/userPrincipalName'],
  any: { targetResources: { id: ['eq'], displayName: ['eq'], userPrincipalName: ['eq'] } },
};

const SIGNIN_FILTER: FilterSupport = {
  cmp: {
    createdDateTime: ['ge', 'le', 'gt', 'lt'],
    userId: ['eq'],
    userPrincipalName: ['eq'],
    appId: ['eq'],
    'status/errorCode': ['eq', 'ne'],
    conditionalAccessStatus: ['eq'],
    isInteractive: ['eq'],
    id: ['eq'],
  },
  startsWith: ['userPrincipalName', 'appDisplayName'],
  any: { appliedConditionalAccessPolicies: { id: ['eq'], result: ['eq'] } },
};

export function registerReportRoutes(r: Router): void {
  r.add('GET', '/reports/authenticationMethods/userRegistrationDetails', (req, ctx) => {
    rejectUnsupportedParams(req, ['$filter', '$select', '$top', '$orderby', '$count']);
    const t = ctx.tenant;
    const filter = parseFilterParam(req, REGISTRATION_FILTER);
    const select = selectList(req);
    const enabled = t.enabledConfigIds();
    const ids = filter ? equalityValues(filter, 'id') : undefined;
    const indices = ids?.map((v) => t.resolveUser(String(v))).filter((i): i is number => i !== undefined).sort((a, b) => a - b);
    const length = indices ? indices.length : t.userCount;
    return pageScan(req, ctx, length, (k) => {
      const i = indices ? indices[k]! : k;
      const row = t.registrationRow(i, enabled);
      if (!row || (filter && !evaluateFilter(filter, row))) return undefined;
      return applySelect(row, select);
    }, { ...PAGE.registrationDetails, context: 'reports/authenticationMethods/userRegistrationDetails' });
  });

  r.add('GET', '/reports/authenticationMethods/userRegistrationDetails/{id}', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const i = t.resolveUser(id!);
    const row = i === undefined ? undefined : t.registrationRow(i, t.enabledConfigIds());
    if (!row) throw notFound(id!);
    return ok({ '@odata.context': contextUrl(ctx, req, 'reports/authenticationMethods/userRegistrationDetails/$entity'), ...applySelect(row, selectList(req)) });
  });

  logRoutes(r, 'directoryAudits', (t) => t.audits, AUDIT_FILTER, PAGE.directoryAudits);
  logRoutes(r, 'signIns', (t) => t.signIns, SIGNIN_FILTER, PAGE.signIns);
}

/** A log collection (newest first, filtered, paged) and its items by id: audits and sign-ins alike. */
function logRoutes(
  r: Router,
  name: 'directoryAudits' | 'signIns',
  entries: (t: Ctx['tenant']) => readonly { id: string }[],
  support: FilterSupport,
  page: { defaultTop: number; maxTop: number },
): void {
  r.add('GET', `/auditLogs/${name}`, (req, ctx) => {
    rejectUnsupportedParams(req, ['$filter', '$top', '$select', '$orderby']);
    const log = entries(ctx.tenant);
    const filter = parseFilterParam(req, support);
    const select = selectList(req);
    const n = log.length;
    return pageScan(req, ctx, n, (k) => {
      const e = log[n - 1 - k]!;
      if (filter && !evaluateFilter(filter, e)) return undefined;
      return applySelect(structuredClone(e), select);
    }, { ...page, context: `auditLogs/${name}` });
  });
  r.add('GET', `/auditLogs/${name}/{id}`, (req, ctx, [id]) => {
    const e = entries(ctx.tenant).find((a) => a.id === id);
    if (!e) throw notFound(id!);
    return ok({ '@odata.context': contextUrl(ctx, req, `auditLogs/${name}/$entity`), ...structuredClone(e) });
  });
}
