/**
 * Graph records reduced to what the gates read: a registration report row and a directory audit
 * event. One converter each, shared by the wave reader (tenant/rollouts.ts) and `users show`. Their
 * input is the typed Graph payload, checked where it was read (graph/payloads.ts: ids are strings,
 * lists are lists), so nothing here casts.
 */
import type { DirectoryAudit, UserRegistrationDetails } from '@microsoft/microsoft-graph-types';
import type { AuditEvent, AuditTargetResource, RegistrationRow } from './types.js';

/** Shares equal strings and lists between rows (300,000 report rows hold a handful of distinct ones). */
export interface RowInterner {
  string(value: string): string;
  list(values: readonly string[]): readonly string[];
}

const asIs: RowInterner = { string: (v) => v, list: (v) => v };

export function toRegistrationRow(r: UserRegistrationDetails, interner: RowInterner = asIs): RegistrationRow {
  return {
    id: String(r.id),
    ...(r.userPrincipalName ? { userPrincipalName: r.userPrincipalName } : {}),
    ...(typeof r.userType === 'string' ? { userType: interner.string(r.userType) } : {}),
    isMfaCapable: r.isMfaCapable === true,
    isMfaRegistered: r.isMfaRegistered === true,
    methodsRegistered: interner.list(r.methodsRegistered ?? []),
    lastUpdatedDateTime: r.lastUpdatedDateTime || null,
  };
}

export function toAuditEvent(e: DirectoryAudit): AuditEvent {
  return {
    id: String(e.id),
    activityDateTime: e.activityDateTime ?? '',
    activityDisplayName: e.activityDisplayName ?? '',
    loggedByService: e.loggedByService ?? '',
    result: e.result ?? '',
    resultReason: e.resultReason ?? null,
    // Graph's TargetResource has every field optional; an entry without an id targets nothing we match on.
    targetResources: (e.targetResources ?? []).map((t): AuditTargetResource => ({
      id: t.id ?? '',
      type: t.type ?? null,
      displayName: t.displayName ?? null,
      userPrincipalName: t.userPrincipalName ?? null,
      ...(t.modifiedProperties ? { modifiedProperties: t.modifiedProperties.map((p) => ({ displayName: p.displayName ?? '', oldValue: p.oldValue ?? null, newValue: p.newValue ?? null })) } : {}),
    })),
    initiatedBy: e.initiatedBy ?? {},
  };
}
