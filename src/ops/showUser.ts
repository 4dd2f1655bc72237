/**
 * `users show`: one user as a helpdesk needs to see them. Pure: the tenant reader
 * (src/tenant/readUser.ts) gathers every input, this module decides (readiness through the same
 * classifier the wave gates use, method usability, which waves hold the user, whether the rollout's
 * CA policy applies, what each failed sign-in means) and src/render/userShow.ts only formats.
 * Secrets never reach the report: a TAP is listed by its state and lifetime, never its code.
 */
import type { NotReadyReason, ReadinessInput, ReadyProof } from '../waves/index.js';
import { classifyUser, indexReadiness, toRegistrationRow, toSignInEvent } from '../waves/index.js';
import { securityInfoTimeline, signInReport, RECENT_SIGN_INS } from './showUserEvents.js';
import { abandonedAuthenticatorIds, methodReport } from './showUserMethods.js';
import { caPolicyScope, rolloutReport } from './showUserScope.js';
import { USER_REPORT_FORMAT_VERSION, type UserReport, type UserShowInput } from './showUserTypes.js';
import { perUserMfaSkipsReset } from './userOps.js';
import { stringItems } from '../util/json.js';

// The report's shapes and its parts, for the CLI, the reader, the renderer and tests.
export * from './showUserTypes.js';
export { explainSignInError, RECENT_SIGN_INS } from './showUserEvents.js';
export { toRegistrationRow } from '../waves/index.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const lower = (v: string): string => v.toLowerCase();

function explainReady(proof: ReadyProof, detail: string | undefined): string {
  switch (proof) {
    case 'mfaSignIn':
      return `proven: ${detail ?? 'a successful MFA sign-in'} in the sign-in log`;
    case 'registrationCompleted':
      return `can do MFA: ${detail ?? 'a completed registration in the audit log'}`;
    case 'report':
      return 'can do MFA: the registration report lists a usable method';
  }
}

function explain(reason: NotReadyReason, abandonedAt: string | undefined, detail: string | undefined): string {
  switch (reason) {
    case 'noMethod':
      return 'no MFA method registered: the user is asked to register at the next sign-in the policy covers (a TAP lets them enrol the Authenticator)';
    case 'registeredNotCapable':
      return `a method is registered but ${detail ?? 'the authentication methods policy does not allow it'}`;
    case 'unverifiedAuthenticator':
      return `an Authenticator registration was started${abandonedAt ? ` at ${abandonedAt}` : ''} and never completed: the app is listed but cannot satisfy MFA`;
    case 'disabled':
      return 'the account is disabled';
    case 'unknown':
      return detail && detail !== 'not in the registration report'
        ? `unknown: ${detail}`
        : 'the registration report has no row for this user (a new user, or the report could not be read)';
  }
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function buildUserReport(input: UserShowInput): UserReport {
  const { user } = input;
  const row = input.registration ? toRegistrationRow(input.registration) : undefined;
  // The same evidence the wave gates weigh: the user's sign-ins (an MFA success proves capability),
  // the audit history with the start it really covers, and the live methods policy.
  const readiness: ReadinessInput = {
    registrations: new Map(row ? [[user.id, row]] : []),
    reportFetchedAt: input.now,
    disabledUserIds: new Set(user.accountEnabled === false ? [user.id] : []),
    audits: input.audits,
    auditsFrom: input.unavailable.audits ? input.now : input.auditsFrom,
    ...(input.methodConfigurations ? { methodConfigurations: input.methodConfigurations } : {}),
    signIns: input.unavailable.signIns ? [] : input.signIns.map(toSignInEvent),
  };
  const index = indexReadiness(readiness);
  const verdict = classifyUser(user.id, index);
  const abandonedMs = index.abandonedAt.get(user.id);
  const registered = index.registeredAt.get(user.id);

  // Which Authenticator is the abandoned one (src/ops/showUserMethods.ts).
  const abandonedIds = abandonedAuthenticatorIds(input, row, verdict, abandonedMs);

  const policyIds = new Set(input.rollouts.flatMap((r) => (r.livePolicy ? [lower(r.livePolicy.id)] : [])));
  const signIns = input.signIns.map((s) => signInReport(s, policyIds)).sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime));
  const failed = signIns.filter((s) => s.errorCode !== 0);
  const r = input.registration;
  const perUserState = input.perUserMfa ?? null;
  const abandonedAt = iso(abandonedMs);
  return {
    formatVersion: USER_REPORT_FORMAT_VERSION,
    evaluatedAt: input.now,
    user,
    verdict: verdict.ready
      ? { ready: true, proof: verdict.proof, explanation: explainReady(verdict.proof, verdict.detail) }
      : { ready: false, reason: verdict.reason, explanation: explain(verdict.reason, abandonedAt, verdict.detail) },
    perUserMfa: {
      state: perUserState,
      note:
        perUserState === null
          ? `unknown: ${input.unavailable.perUserMfa ?? 'not read'}`
          : perUserState === 'disabled'
            ? 'not used (Conditional Access decides)'
            : `legacy per-user MFA is ${perUserState}: ${perUserState === 'enforced' ? 'the user gets MFA on every sign-in regardless of the rollout' : 'the user is asked to register and is then enforced, regardless of the rollout'}; ${perUserMfaSkipsReset(perUserState) ? 'reset-methods skips them unless --include-per-user-mfa' : 'reset-methods resets them'}`,
    },
    registration:
      r && row
        ? {
            isMfaCapable: row.isMfaCapable,
            isMfaRegistered: row.isMfaRegistered,
            ...(typeof r.isPasswordlessCapable === 'boolean' ? { isPasswordlessCapable: r.isPasswordlessCapable } : {}),
            ...(typeof r.isSsprRegistered === 'boolean' ? { isSsprRegistered: r.isSsprRegistered } : {}),
            ...(typeof r.isAdmin === 'boolean' ? { isAdmin: r.isAdmin } : {}),
            methodsRegistered: [...row.methodsRegistered],
            ...(str(r.userPreferredMethodForSecondaryAuthentication) ? { defaultMethod: str(r.userPreferredMethodForSecondaryAuthentication)! } : {}),
            ...(Array.isArray(r.systemPreferredAuthenticationMethods) ? { systemPreferredMethods: stringItems(r.systemPreferredAuthenticationMethods) } : {}),
            ...(row.lastUpdatedDateTime ? { lastUpdatedDateTime: row.lastUpdatedDateTime } : {}),
          }
        : null,
    methods: input.methods.map((m) => methodReport(m, input, abandonedIds)),
    audit: {
      from: input.auditsFrom,
      ...(abandonedAt ? { abandonedAuthenticatorAt: abandonedAt } : {}),
      ...(registered?.length ? { lastRegistrationAt: iso(registered[registered.length - 1])! } : {}),
      timeline: securityInfoTimeline(input.audits),
    },
    caPolicies: input.caPolicies ? input.caPolicies.flatMap((p) => caPolicyScope(p, input, row)) : null,
    directoryRoles: input.directoryRoles ? input.directoryRoles.flatMap((d) => (d.roleTemplateId ? [{ ...(d.displayName ? { displayName: d.displayName } : {}), roleTemplateId: d.roleTemplateId }] : [])) : null,
    rollouts: input.rollouts.map((x) => rolloutReport(x, input)),
    signIns: {
      from: input.signInsFrom,
      total: signIns.length,
      failed: failed.length,
      mfaRelated: failed.filter((s) => s.mfaRelated).length,
      recent: signIns.slice(0, RECENT_SIGN_INS),
    },
    unavailable: input.unavailable,
  };
}
