import type { DirectoryAudit } from '@microsoft/microsoft-graph-types';
import type { GraphGateway } from './gateway.js';
import { buildQuery } from './odata.js';
import { parseDirectoryAudit, parseSignIn, type PayloadSource, type SignInRecord } from './payloads.js';
import { projectRow } from './reports.js';

export interface LogQuery {
  /** e.g. `activityDateTime ge 2026-01-01T00:00:00Z and loggedByService eq 'Authentication Methods'`. */
  filter?: string;
  /**
   * Properties to keep from each entry: applied here, never sent as `$select`, which neither list's
   * Learn page documents ("List signIns": `$top`, `$skiptoken`, `$filter`; "List directoryAudits":
   * `$filter`, `$top`, `$orderby`, skiptoken).
   */
  select?: readonly string[];
  /** Page size (directoryAudits up to 999 here, signIns up to 1000). */
  top?: number;
  onProgress?: (n: number) => void;
  signal?: AbortSignal;
}

/**
 * Learn's appliedConditionalAccessPolicy resource: the `reportOnly*` results of a report-only policy
 * come back only with this header; without it they read `unknownFutureValue` (an evolvable enum).
 */
export const INCLUDE_UNKNOWN_ENUM_MEMBERS = { Prefer: 'include-unknown-enum-members' } as const;

function pageOptions(query: LogQuery) {
  return { ...(query.onProgress ? { onProgress: query.onProgress } : {}), ...(query.signal ? { signal: query.signal } : {}) };
}

/** Each entry projected to `select`, then checked by `parse` (payloads.ts). */
async function listProjected<T>(
  gw: GraphGateway,
  path: string,
  query: LogQuery,
  parse: (value: unknown, source: PayloadSource, index: number) => T,
  headers?: Record<string, string>,
): Promise<T[]> {
  const all: T[] = [];
  const source = { path };
  for await (const page of gw.pages<unknown>(path, { ...pageOptions(query), ...(headers ? { headers } : {}) })) {
    page.forEach((e, i) => all.push(parse(typeof e === 'object' && e !== null ? projectRow(e, query.select) : e, source, i)));
  }
  return all;
}

/** Directory audit events (reports throttle class: narrow the time window with the filter). */
export function listDirectoryAudits(gw: GraphGateway, query: LogQuery = {}): Promise<DirectoryAudit[]> {
  return listProjected(gw, `/auditLogs/directoryAudits${buildQuery({ $filter: query.filter, $top: query.top ?? 999 })}`, query, parseDirectoryAudit);
}

/** Interactive sign-ins, newest first (P1/P2; retention 30 days), with report-only CA results spelt out. */
export function listSignIns(gw: GraphGateway, query: LogQuery = {}): Promise<SignInRecord[]> {
  return listProjected(gw, `/auditLogs/signIns${buildQuery({ $filter: query.filter, $top: query.top ?? 1000 })}`, query, parseSignIn, { ...INCLUDE_UNKNOWN_ENUM_MEMBERS });
}
