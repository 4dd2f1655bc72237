/**
 * `users show`, the methods part: each registered method with whether it can be used at sign-in (the
 * live methods policy's targets, an abandoned Authenticator registration from the audit log), and
 * which Authenticator the abandoned registration is. Pure.
 */
import type { AuthenticationMethod } from '@microsoft/microsoft-graph-types';
import type { GraphJson, LiveMethodConfiguration } from '../graph/payloads.js';
import type { AuditEvent, RegistrationRow, UserReadiness } from '../waves/index.js';
import type { MethodReport, UserShowInput } from './showUserTypes.js';

/** A registered method: its own fields (phoneType, isUsable, …) depend on its `@odata.type`. */
type Method = GraphJson<AuthenticationMethod>;

const NON_MFA_TYPES = new Set(['password', 'email', 'temporaryAccessPass']);
/** Fields a method may carry that are secret or meaningless to show. */
const HIDDEN_FIELDS = new Set(['@odata.type', 'id', 'temporaryAccessPass', 'secretKey', 'password', 'publicKey', 'attestationCertificates']);
const MINUTE = 60_000;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const lower = (v: string): string => v.toLowerCase();

export function methodType(m: Method): string {
  const t = str(m['@odata.type']) ?? 'unknown';
  return t.replace(/^#?microsoft\.graph\./, '').replace(/AuthenticationMethod$/, '') || 'unknown';
}

function methodDetails(m: Method): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(m)) {
    if (HIDDEN_FIELDS.has(k) || k.startsWith('@')) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/** Authenticator device ids the audit log shows being stamped on the user, with when. */
function stampedDevices(audits: readonly AuditEvent[]): Array<{ id: string; at: number }> {
  const out: Array<{ id: string; at: number }> = [];
  for (const e of audits) {
    if (lower(e.activityDisplayName) !== 'update user') continue;
    const at = Date.parse(e.activityDateTime);
    for (const t of e.targetResources) {
      for (const p of t.modifiedProperties ?? []) {
        if (lower(p.displayName) !== 'strongauthenticationphoneappdetail') continue;
        let after: unknown;
        try {
          after = JSON.parse(p.newValue ?? '[]');
        } catch {
          continue;
        }
        for (const d of Array.isArray(after) ? after : []) {
          // The audit log's own JSON text (not a Graph resource): Azure MFA spells the key `Id`.
          const id = d && typeof d === 'object' ? (d as { Id?: unknown; id?: unknown }).Id ?? (d as { id?: unknown }).id : undefined;
          if (typeof id === 'string') out.push({ id: lower(id), at });
        }
      }
    }
  }
  return out;
}

/** Is the user inside a method configuration's targets? null when it cannot be told. */
function policyAllows(config: LiveMethodConfiguration | undefined, userId: string, memberOf: ReadonlySet<string> | undefined): { allowed: boolean | null; why?: string } {
  if (!config) return { allowed: null };
  if (config.state !== 'enabled') return { allowed: false, why: `${config.id ?? 'the method'} is disabled in the authentication methods policy` };
  const targets = (list: readonly { id?: string | null }[] | null | undefined) => (list ?? []).map((t) => lower(t.id ?? ''));
  const hit = (ids: string[]): boolean | null => {
    if (ids.includes('all_users') || ids.includes(lower(userId))) return true;
    if (ids.length === 0) return false;
    if (!memberOf) return null;
    return ids.some((id) => memberOf.has(id));
  };
  const excluded = hit(targets(config.excludeTargets).filter((id) => id !== 'all_users'));
  if (excluded === true) return { allowed: false, why: `the user is excluded from ${String(config.id)} in the authentication methods policy` };
  const included = hit(targets(config.includeTargets));
  if (included === false) return { allowed: false, why: `the user is not in the ${String(config.id)} targets of the authentication methods policy` };
  if (included === null || excluded === null) return { allowed: null };
  return { allowed: true };
}

function configsFor(type: string, m: Method): string[] {
  switch (type) {
    case 'microsoftAuthenticator':
      return ['microsoftauthenticator'];
    case 'phone':
      return m.phoneType === 'office' ? ['voice'] : ['sms', 'voice'];
    case 'fido2':
      return ['fido2'];
    case 'softwareOath':
      return ['softwareoath'];
    case 'email':
      return ['email'];
    case 'temporaryAccessPass':
      return ['temporaryaccesspass'];
    default:
      return [];
  }
}

export function methodReport(m: Method, input: UserShowInput, abandonedIds: ReadonlySet<string>): MethodReport {
  const type = methodType(m);
  const id = m.id ?? '';
  const report: MethodReport = { id, type, details: methodDetails(m), mfaMethod: !NON_MFA_TYPES.has(type), usable: null };
  if (type === 'password') return { ...report, usable: true, note: 'first factor only' };
  if (type === 'microsoftAuthenticator' && abandonedIds.has(lower(id))) {
    return { ...report, usable: false, note: 'registration never completed (the audit log shows it started, never verified): it cannot satisfy MFA' };
  }
  if (type === 'temporaryAccessPass') {
    const usable = m.isUsable === true ? true : m.isUsable === false ? false : null;
    const why = str(m.methodUsabilityReason);
    return { ...report, usable, note: `bootstrap pass, not counted as an MFA method${why ? `; ${why}` : ''}` };
  }
  const configs = input.methodConfigurations;
  const ids = configsFor(type, m);
  let verdict: { allowed: boolean | null; why?: string } = { allowed: type === 'windowsHelloForBusiness' ? true : null };
  if (configs && ids.length > 0) {
    const results = ids.map((c) => policyAllows(configs[c], input.user.id, input.memberOf));
    verdict = results.find((r) => r.allowed === true) ?? results.find((r) => r.allowed === null) ?? results[0]!;
  }
  const note = type === 'email' ? 'self-service password reset only; cannot satisfy MFA' : verdict.why;
  return { ...report, usable: verdict.allowed, ...(note ? { note } : {}) };
}

/**
 * Which Authenticator is the abandoned one: the device the audit log stamped around that time, or
 * (when the log names no device) every Authenticator created since then. Flagged for a not-ready
 * unverifiedAuthenticator user, and for a ready one only when another MFA method makes them ready
 * (a ready user whose report lists only Authenticator methods is ready through the app, so it works).
 */
export function abandonedAuthenticatorIds(input: UserShowInput, row: RegistrationRow | undefined, verdict: UserReadiness, abandonedMs: number | undefined): Set<string> {
  const abandonedIds = new Set<string>();
  const otherMfa = (row?.methodsRegistered ?? []).some((m) => !/authenticator/i.test(m) && !['email', 'temporaryaccesspass'].includes(lower(m)));
  const flagAbandoned = abandonedMs !== undefined && (verdict.ready ? otherMfa : verdict.reason === 'unverifiedAuthenticator');
  if (flagAbandoned) {
    const near = stampedDevices(input.audits).filter((d) => Math.abs(d.at - abandonedMs) <= 10 * MINUTE);
    const authenticators = input.methods.filter((m) => methodType(m) === 'microsoftAuthenticator');
    const known = new Set(authenticators.map((m) => lower(String(m.id ?? ''))));
    const matched = near.filter((d) => known.has(d.id));
    if (matched.length > 0) for (const d of matched) abandonedIds.add(d.id);
    else {
      for (const m of authenticators) {
        const created = Date.parse(String(m.createdDateTime ?? ''));
        if (Number.isNaN(created) || created >= abandonedMs - 60 * MINUTE) abandonedIds.add(lower(String(m.id ?? '')));
      }
    }
  }
  return abandonedIds;
}
