/**
 * The one table of sign-in error codes a rollout meets, read by the sign-in health gate and by
 * `users show` alike. Names and meanings follow Microsoft Learn, "Microsoft Entra authentication and
 * authorization error codes" (https://learn.microsoft.com/entra/identity-platform/reference-error-codes);
 * the `kind` is what the code means for an MFA rollout:
 * - `challenge`: strong authentication is required and was not done in THIS request; the client
 *   retries interactively and the user normally completes MFA a moment later (50074, 50076);
 * - `registration`: the user must register security info first (50072, 50079), also an interrupt
 *   that a registration and a successful sign-in normally follow;
 * - `failure`: the MFA step itself failed or access was refused (500121, 53003, 53004, 50158);
 * - `other`: unrelated to MFA (wrong password, locked account, …).
 * The health gate counts a user as failing only when a challenge, registration interrupt or failure
 * was NOT followed by a successful sign-in within its window (see `failingUsers`).
 */
import type { SignInRecord } from '../graph/payloads.js';
import type { SignInEvent } from './types.js';

export type SignInCodeKind = 'challenge' | 'registration' | 'failure' | 'other';

export interface SignInCode {
  /** The AADSTS error name on the reference page. */
  name: string;
  /** What it means for the user, in a helpdesk's words. */
  meaning: string;
  kind: SignInCodeKind;
}

export const SIGN_IN_CODES: Readonly<Record<number, SignInCode>> = {
  50072: { name: 'UserStrongAuthEnrollmentRequiredInterrupt', meaning: 'must register for MFA (security info registration required)', kind: 'registration' },
  50079: { name: 'UserStrongAuthEnrollmentRequired', meaning: 'must register for MFA (security info registration required)', kind: 'registration' },
  50074: { name: 'UserStrongAuthClientAuthNRequiredInterrupt', meaning: 'MFA challenge: strong authentication required (normally followed by a successful MFA sign-in)', kind: 'challenge' },
  50076: { name: 'UserStrongAuthClientAuthNRequired', meaning: 'MFA challenge: strong authentication required (normally followed by a successful MFA sign-in)', kind: 'challenge' },
  500121: { name: 'AuthenticationFailedDuringStrongAuthRequest', meaning: 'the MFA challenge failed (denied, timed out or wrong code)', kind: 'failure' },
  50158: { name: 'ExternalSecurityChallenge', meaning: 'an external security challenge was not satisfied', kind: 'failure' },
  53003: { name: 'BlockedByConditionalAccess', meaning: 'blocked by a Conditional Access policy', kind: 'failure' },
  53004: { name: 'ProofUpBlockedDueToRisk', meaning: 'must register for MFA but registration is blocked by risk', kind: 'failure' },
  53000: { name: 'DeviceNotCompliant', meaning: 'device is not compliant (Conditional Access)', kind: 'other' },
  53001: { name: 'DeviceNotDomainJoined', meaning: 'device is not domain joined (Conditional Access)', kind: 'other' },
  50126: { name: 'InvalidUserNameOrPassword', meaning: 'wrong username or password', kind: 'other' },
  50053: { name: 'IdsLocked', meaning: 'account locked (too many attempts)', kind: 'other' },
  50055: { name: 'InvalidPasswordExpiredPassword', meaning: 'password expired', kind: 'other' },
  50057: { name: 'UserDisabled', meaning: 'account disabled', kind: 'other' },
  50058: { name: 'UserInformationNotProvided', meaning: 'silent sign-in without a session (usually harmless)', kind: 'other' },
  50140: { name: 'KmsiInterrupt', meaning: '"stay signed in?" interrupt (not a failure)', kind: 'other' },
};

/** Codes the health gate reads from the sign-in log (one narrow query each): every MFA-related kind. */
export const MFA_ERROR_CODES: ReadonlySet<number> = new Set(
  Object.entries(SIGN_IN_CODES)
    .filter(([, c]) => c.kind !== 'other')
    .map(([code]) => Number(code)),
);

export function explainSignInCode(code: number): { meaning: string; mfa: boolean; kind: SignInCodeKind | 'success' } {
  if (code === 0) return { meaning: 'success', mfa: false, kind: 'success' };
  const c = SIGN_IN_CODES[code];
  if (!c) return { meaning: `other failure (look the code up as AADSTS${code})`, mfa: false, kind: 'other' };
  return { meaning: c.meaning, mfa: c.kind !== 'other', kind: c.kind };
}

/** CA results that mean the grant controls were satisfied (report-only: "would have been"; an MFA claim was present). */
const SATISFIED = new Set(['success', 'reportonlysuccess']);

/**
 * A successful sign-in that proves MFA: v1.0 signIn has no `authenticationRequirement`, so the proof is
 * an applied CA policy whose enforced grant controls include MFA (or an authentication strength) and
 * whose result is success: the user satisfied MFA with a working method. Beta's
 * `authenticationRequirement: multiFactorAuthentication` is accepted when a reader supplies it.
 */
export function mfaProofOf(s: SignInEvent): { policy?: string; method?: string } | undefined {
  if (s.status.errorCode !== 0) return undefined;
  const method = s.mfaDetail?.authMethod ?? undefined;
  if (s.authenticationRequirement === 'multiFactorAuthentication') return method ? { method } : {};
  for (const p of s.appliedConditionalAccessPolicies ?? []) {
    if (!SATISFIED.has(String(p.result).toLowerCase())) continue;
    const controls = (p.enforcedGrantControls ?? []).map((c) => String(c).toLowerCase());
    if (controls.some((c) => c === 'mfa' || c.includes('authenticationstrength'))) return { policy: p.displayName ?? p.id, ...(method ? { method } : {}) };
  }
  return undefined;
}

export interface FailingUser {
  userId: string;
  /** The last MFA interrupt or failure not followed by a success. */
  lastCode: number;
  lastAt: number;
}

/**
 * Users whose last MFA-related interrupt or failure in [from(user), to] was not followed by a
 * successful sign-in (any success: for an enforced user every app the rollout's policy covers asks
 * for MFA first). `from` gives each user's start (the window start, or when they were enforced).
 */
export function failingUsers(signIns: readonly SignInEvent[], include: (userId: string) => boolean, from: (userId: string) => number, to: number, parse: (s: string) => number | undefined): FailingUser[] {
  const lastFailure = new Map<string, { at: number; code: number }>();
  const lastSuccess = new Map<string, number>();
  for (const s of signIns) {
    if (!include(s.userId)) continue;
    const at = parse(s.createdDateTime);
    if (at === undefined || at < from(s.userId) || at > to) continue;
    const code = s.status.errorCode;
    if (code === 0) {
      if (at > (lastSuccess.get(s.userId) ?? -Infinity)) lastSuccess.set(s.userId, at);
    } else if (MFA_ERROR_CODES.has(code)) {
      const prev = lastFailure.get(s.userId);
      if (!prev || at > prev.at) lastFailure.set(s.userId, { at, code });
    }
  }
  const out: FailingUser[] = [];
  for (const [userId, f] of lastFailure) {
    // A success in the same second counts as following it: Graph's times have one-second resolution.
    if ((lastSuccess.get(userId) ?? -Infinity) >= f.at) continue;
    out.push({ userId, lastCode: f.code, lastAt: f.at });
  }
  return out;
}

/** A sign-in as Graph returns it (checked in graph/payloads.ts), reduced to what the gates read (shared by the wave reader and `users show`). */
export function toSignInEvent(e: SignInRecord): SignInEvent {
  const applied = e.appliedConditionalAccessPolicies;
  return {
    userId: e.userId ?? '',
    createdDateTime: e.createdDateTime ?? '',
    status: { errorCode: Number(e.status?.errorCode ?? 0) || 0 },
    ...(applied
      ? { appliedConditionalAccessPolicies: applied.map((p) => ({ id: p.id ?? '', ...(p.displayName ? { displayName: p.displayName } : {}), result: p.result ?? '', enforcedGrantControls: p.enforcedGrantControls ?? null })) }
      : {}),
    ...(typeof e.authenticationRequirement === 'string' ? { authenticationRequirement: e.authenticationRequirement } : {}),
    ...(e.mfaDetail ? { mfaDetail: e.mfaDetail } : {}),
  };
}
