/** The registration report, directory audits and sign-ins (newest first, filtered, paged). */
import { notFound } from '../graphError.js';
import { equalityValues, evaluateFilter, type FilterSupport } from '../odataFilter.js';
import type { Json } from '../tenant.js';
import { applySelect, contextUrl, type Ctx, documentedQuery, ok, pageScan, parseFilterParam, selectList } from './common.js';
import type { Router } from './router.js';

/**
 * Page sizes. signIns: Learn "List signIns" says "The maximum and default page size is 1,000
 * objects". UNVERIFIED: the registration report's default (its page documents no paging options at
 * all; assumed like its sibling in the same reports service) and directoryAudits' (100, conservative).
 */
export const PAGE = {
  registrationDetails: { defaultTop: 1000, maxTop: 1000 },
  directoryAudits: { defaultTop: 100, maxTop: 1000 },
  signIns: { defaultTop: 1000, maxTop: 1000 },
};

/**
 * The `$` options each list documents (Learn, "Optional query parameters"): userRegistrationDetails
 * "supports only the $filter and $orderBy"; signIns "$top, $skiptoken, and $filter"; directoryAudits
 * "$filter (eq, ge, le, startswith), $top, $orderby, and skiptoken". Others follow the emulator's
 * undocumented-query mode (POST /_emulator/query-options).
 */
export const DOCUMENTED_QUERY = {
  registrationDetails: ['$filter', '$orderby'],
  signIns: ['$filter', '$top'],
  directoryAudits: ['$filter', '$top', '$orderby'],
} as const;

/**
 * Members of appliedConditionalAccessPolicyResult after unknownFutureValue: Learn's
 * appliedConditionalAccessPolicy resource says they are returned only with the request header
 * `Prefer: include-unknown-enum-members`; without it Graph sends `unknownFutureValue` (evolvable enum).
 */
const EVOLVED_CA_RESULTS = new Set(['reportOnlySuccess', 'reportOnlyFailure', 'reportOnlyNotApplied', 'reportOnlyInterrupted']);

export function includesUnknownEnumMembers(prefer: string | undefined): boolean {
  return (prefer ?? '').split(',').some((p) => p.trim().toLowerCase() === 'include-unknown-enum-members');
}

function hideEvolvedMembers(entry: Json): Json {
  const applied = entry.appliedConditionalAccessPolicies;
  if (!Array.isArray(applied)) return entry;
  entry.appliedConditionalAccessPolicies = applied.map((p) =>
    p && typeof p === 'object' && EVOLVED_CA_RESULTS.has(String((p as Json).result)) ? { ...(p as Json), result: 'unknownFutureValue' } : p,
  );
  return entry;
}

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
  r.add('GET', '/reports/authenticationMethods/userRegistrationDetails', (asked, ctx) => {
    const req = documentedQuery(asked, ctx, DOCUMENTED_QUERY.registrationDetails, ['$filter', '$select', '$top', '$orderby', '$count']);
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

  logRoutes(r, 'directoryAudits', (t) => t.audits, AUDIT_FILTER, PAGE.directoryAudits, DOCUMENTED_QUERY.directoryAudits);
  logRoutes(r, 'signIns', (t) => t.signIns, SIGNIN_FILTER, PAGE.signIns, DOCUMENTED_QUERY.signIns);
}

/** A log collection (newest first, filtered, paged) and its items by id: audits and sign-ins alike. */
function logRoutes(
  r: Router,
  name: 'directoryAudits' | 'signIns',
  entries: (t: Ctx['tenant']) => readonly { id: string }[],
  support: FilterSupport,
  page: { defaultTop: number; maxTop: number },
  documented: readonly string[],
): void {
  // Sign-ins hide the evolvable enum's newer members unless the caller opted in (see EVOLVED_CA_RESULTS).
  const answer = (req: { headers: Record<string, string | undefined> }, e: Json): Json =>
    name === 'signIns' && !includesUnknownEnumMembers(req.headers.prefer) ? hideEvolvedMembers(e) : e;
  r.add('GET', `/auditLogs/${name}`, (asked, ctx) => {
    const req = documentedQuery(asked, ctx, documented, ['$filter', '$top', '$select', '$orderby']);
    const log = entries(ctx.tenant);
    const filter = parseFilterParam(req, support);
    const select = selectList(req);
    const n = log.length;
    return pageScan(req, ctx, n, (k) => {
      const e = log[n - 1 - k]!;
      if (filter && !evaluateFilter(filter, e)) return undefined;
      return applySelect(answer(req, structuredClone(e) as Json), select);
    }, { ...page, context: `auditLogs/${name}` });
  });
  r.add('GET', `/auditLogs/${name}/{id}`, (req, ctx, [id]) => {
    const e = entries(ctx.tenant).find((a) => a.id === id);
    if (!e) throw notFound(id!);
    return ok({ '@odata.context': contextUrl(ctx, req, `auditLogs/${name}/$entity`), ...answer(req, structuredClone(e) as Json) });
  });
}
