import type { DirectoryAudit, SignIn } from '@microsoft/microsoft-graph-types';
import type { GraphGateway } from './gateway.js';
import { buildQuery } from './odata.js';

export interface LogQuery {
  /** e.g. `activityDateTime ge 2026-01-01T00:00:00Z and loggedByService eq 'Authentication Methods'`. */
  filter?: string;
  select?: readonly string[];
  /** Page size (directoryAudits up to 999 here, signIns up to 1000). */
  top?: number;
  onProgress?: (n: number) => void;
  signal?: AbortSignal;
}

/** Directory audit events (reports throttle class: narrow the time window with the filter). */
export function listDirectoryAudits(gw: GraphGateway, query: LogQuery = {}): Promise<DirectoryAudit[]> {
  return gw.listAll<DirectoryAudit>(
    `/auditLogs/directoryAudits${buildQuery({ $filter: query.filter, $select: query.select, $top: query.top ?? 999 })}`,
    { ...(query.onProgress ? { onProgress: query.onProgress } : {}), ...(query.signal ? { signal: query.signal } : {}) },
  );
}

/** Interactive sign-ins, newest first (P1/P2; retention 30 days). */
export function listSignIns(gw: GraphGateway, query: LogQuery = {}): Promise<SignIn[]> {
  return gw.listAll<SignIn>(
    `/auditLogs/signIns${buildQuery({ $filter: query.filter, $select: query.select, $top: query.top ?? 1000 })}`,
    { ...(query.onProgress ? { onProgress: query.onProgress } : {}), ...(query.signal ? { signal: query.signal } : {}) },
  );
}
