// Safety rules on the tenant as it will be after the plan: the YAML checks of config/rules.ts
// again on resolved ids, plus what only the live tenant shows (unmanaged policies, methods).
import type { Diagnostic } from '../diagnostics.js';
import { ALL_USERS_TARGET } from './directory.js';

type Json = Record<string, unknown>;

export interface PolicyAfterPlan {
  displayName: string;
  managed: boolean;
  policy: Json; // Graph shape
  source?: { file: string; line: number };
}

/** Method configurations that can satisfy an MFA prompt (TAP and email cannot, on their own). */
const MFA_METHODS = new Set(['microsoftauthenticator', 'fido2', 'sms', 'voice', 'softwareoath', 'hardwareoath', 'x509certificate']);

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});

export function checkEmergencyExclusions(
  policies: readonly PolicyAfterPlan[],
  emergency: { userIds: string[]; groupIds: string[] },
  label: (id: string) => string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of policies) {
    if (p.policy.state === 'disabled') continue;
    const users = obj(obj(p.policy.conditions).users);
    const missing = [
      ...emergency.userIds.filter((id) => !list(users.excludeUsers).includes(id)).map((id) => `user ${label(id)}`),
      ...emergency.groupIds.filter((id) => !list(users.excludeGroups).includes(id)).map((id) => `group ${label(id)}`),
    ];
    if (missing.length === 0) continue;
    const state = p.policy.state === 'enabled' ? 'enabled' : 'report-only';
    out.push(
      p.managed
        ? { severity: 'error', code: 'ER033', message: `${state} policy "${p.displayName}" would not exclude the emergency-access ${missing.join(', ')}`, ...(p.source ?? {}) }
        : { severity: 'warning', code: 'WR133', message: `${state} policy "${p.displayName}" (not managed here) does not exclude the emergency-access ${missing.join(', ')}` },
    );
  }
  return out;
}

/**
 * An enabled policy that requires MFA while no MFA method is enabled locks users out; one whose
 * included groups no enabled method targets may leave some users unable to register.
 */
export function checkMfaMethodsAvailable(policies: readonly PolicyAfterPlan[], methodConfigurations: Record<string, Json>): Diagnostic[] {
  const enabled = Object.entries(methodConfigurations).filter(([id, c]) => MFA_METHODS.has(id) && c.state === 'enabled');
  const targeted = new Set(enabled.flatMap(([, c]) => (Array.isArray(c.includeTargets) ? c.includeTargets : []).map((t) => String(obj(t).id))));
  const out: Diagnostic[] = [];
  for (const p of policies) {
    if (!p.managed || p.policy.state !== 'enabled') continue;
    const grant = obj(p.policy.grantControls);
    if (!list(grant.builtInControls).includes('mfa') && !obj(grant.authenticationStrength).id) continue;
    if (enabled.length === 0) {
      out.push({ severity: 'error', code: 'ER034', message: `policy "${p.displayName}" requires MFA but no MFA method (Authenticator, FIDO2, SMS, voice, OATH, certificate) is enabled in the methods policy: its users could not sign in`, ...(p.source ?? {}) });
      continue;
    }
    const users = obj(obj(p.policy.conditions).users);
    const includesAll = list(users.includeUsers).includes('All');
    const covered = targeted.has(ALL_USERS_TARGET) || (!includesAll && list(users.includeGroups).some((g) => targeted.has(g)));
    if (!covered) {
      out.push({ severity: 'warning', code: 'WR134', message: `policy "${p.displayName}" requires MFA, but no enabled MFA method targets all users or the groups it includes: check that its users can register a method`, ...(p.source ?? {}) });
    }
  }
  return out;
}
