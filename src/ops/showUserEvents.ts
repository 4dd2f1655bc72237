/**
 * `users show`, the logs part: each sign-in with what its error code means, its method and CA
 * results, and the security-info events of the audit log as a timeline. Pure.
 */
import type { AuditEvent } from '../waves/index.js';
import { explainSignInCode } from '../waves/index.js';
import type { SecurityInfoEvent, SignInReport } from './showUserTypes.js';
import type { SignInRecord } from '../graph/payloads.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const lower = (v: string): string => v.toLowerCase();

/** What a sign-in error code means for the user: the one table the health gate reads too (src/waves/signInCodes.ts). */
export function explainSignInError(code: number): { meaning: string; mfa: boolean } {
  const { meaning, mfa } = explainSignInCode(code);
  return { meaning, mfa };
}


/** How many sign-ins (successful and failed) the report lists, newest first. */
export const RECENT_SIGN_INS = 20;

export function signInReport(s: SignInRecord, policyIds: ReadonlySet<string>): SignInReport {
  const errorCode = Number(s.status?.errorCode ?? 0) || 0;
  const { meaning, mfa } = explainSignInError(errorCode);
  const applied = s.appliedConditionalAccessPolicies ?? [];
  const rolloutPolicies = applied.filter((p) => policyIds.has(lower(p.id ?? ''))).map((p) => ({ displayName: String(p.displayName ?? p.id), result: p.result ?? '' }));
  const caFailed = s.conditionalAccessStatus === 'failure';
  const conditionalAccess = applied.filter((p) => str(p.result) && p.result !== 'notApplied').map((p) => ({ displayName: String(p.displayName ?? p.id), result: String(p.result) }));
  const method = str(s.mfaDetail?.authMethod);
  return {
    createdDateTime: s.createdDateTime ?? '',
    ...(str(s.appDisplayName) ? { app: str(s.appDisplayName)! } : {}),
    ...(method ? { method } : {}),
    ...(conditionalAccess.length ? { conditionalAccess } : {}),
    errorCode,
    meaning,
    mfaRelated: mfa || caFailed || rolloutPolicies.some((p) => /interrupted|failure/i.test(p.result)),
    ...(str(s.conditionalAccessStatus) ? { conditionalAccessStatus: str(s.conditionalAccessStatus)! } : {}),
    ...(rolloutPolicies.length ? { rolloutPolicies } : {}),
  };
}

const SECURITY_INFO_SERVICES = new Set(['authentication methods', 'azure mfa']);

/** The user's security-info events, oldest first: what a helpdesk reads to see where a registration stopped. */
export function securityInfoTimeline(audits: readonly AuditEvent[]): SecurityInfoEvent[] {
  const out: SecurityInfoEvent[] = [];
  for (const e of audits) {
    const service = lower(e.loggedByService);
    const stamped = lower(e.activityDisplayName) === 'update user' && e.targetResources.some((t) => (t.modifiedProperties ?? []).some((p) => lower(p.displayName) === 'strongauthenticationphoneappdetail'));
    if (!SECURITY_INFO_SERVICES.has(service) && !stamped) continue;
    if (SECURITY_INFO_SERVICES.has(service) && !/security info/i.test(e.activityDisplayName)) continue;
    const detail = stamped ? 'Authenticator device details (StrongAuthenticationPhoneAppDetail) changed' : str(e.resultReason);
    out.push({ at: e.activityDateTime, activity: e.activityDisplayName, service: e.loggedByService, result: e.result, ...(detail ? { detail } : {}) });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}
