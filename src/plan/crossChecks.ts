// Cross-checks between Conditional Access and the methods policy, on the tenant as it will be after
// the plan (declared settings over live ones). Pure.
import type { Diagnostic } from '../diagnostics.js';
import type { PolicyAfterPlan } from './safety.js';
import { asJsonObject, stringList, type Json } from '../util/json.js';


/**
 * The method configuration (lower-cased id in the methods policy) each authenticationMethodModes
 * member needs (authenticationmethodmodes enum, authenticationMethodConfiguration ids). Members
 * missing here (password, windowsHelloForBusiness, federated*) are not governed by that policy.
 */
const MODE_CONFIGURATION: Record<string, string> = {
  fido2: 'fido2',
  microsoftauthenticatorpush: 'microsoftauthenticator',
  devicebasedpush: 'microsoftauthenticator',
  sms: 'sms',
  voice: 'voice',
  softwareoath: 'softwareoath',
  hardwareoath: 'hardwareoath',
  temporaryaccesspassonetime: 'temporaryaccesspass',
  temporaryaccesspassmultiuse: 'temporaryaccesspass',
  email: 'email',
  x509certificatesinglefactor: 'x509certificate',
  x509certificatemultifactor: 'x509certificate',
};

/** Configurations a combination needs that are disabled (a configuration the tenant does not list is not judged). */
function disabledNeeds(combination: string, methods: Record<string, Json>): string[] {
  return combination
    .split(',')
    .map((m) => MODE_CONFIGURATION[m.trim().toLowerCase()])
    .filter((c): c is string => c !== undefined && methods[c] !== undefined && methods[c]!.state !== 'enabled');
}

/**
 * ER055: an enabled or report-only CA policy whose authentication strength has no combination its
 * users could satisfy, because every combination needs a method the methods policy disables.
 */
export function checkStrengthMethods(policies: readonly PolicyAfterPlan[], strengths: ReadonlyMap<string, string[]>, methods: Record<string, Json>, label: (id: string) => string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of policies) {
    if (p.policy.state === 'disabled') continue;
    const id = asJsonObject(asJsonObject(p.policy.grantControls).authenticationStrength).id;
    if (typeof id !== 'string') continue;
    const combos = strengths.get(id) ?? strengths.get(id.toLowerCase());
    if (!combos || combos.length === 0) continue;
    const blocked = combos.map((c) => disabledNeeds(c, methods));
    if (blocked.some((needs) => needs.length === 0)) continue;
    const disabled = [...new Set(blocked.flat())].sort();
    out.push({
      severity: p.managed ? 'error' : 'warning',
      code: p.managed ? 'ER055' : 'WR155',
      message: `policy "${p.displayName}" requires the authentication strength "${label(id)}", but every combination it allows needs a method the methods policy disables (${disabled.join(', ')}): its users could not satisfy it; enable one of them or choose another strength`,
      ...(p.source ?? {}),
    });
  }
  return out;
}

const REGISTER_SECURITY_INFO = 'urn:user:registersecurityinfo';

/**
 * WR154: a policy that blocks the "Register security information" user action outside some locations
 * while the Temporary Access Pass is enabled. A TAP is how a user with no method bootstraps; the
 * block stops that registration wherever the user is not in a trusted/excluded location (at home, on
 * the first day), so the TAP onboarding fails.
 */
export function checkTapOnboarding(policies: readonly PolicyAfterPlan[], methods: Record<string, Json>): Diagnostic[] {
  if (methods.temporaryaccesspass?.state !== 'enabled') return [];
  const out: Diagnostic[] = [];
  for (const p of policies) {
    if (p.policy.state === 'disabled') continue;
    const conditions = asJsonObject(p.policy.conditions);
    const actions = stringList(asJsonObject(conditions.applications).includeUserActions).map((a) => a.toLowerCase());
    if (!actions.includes(REGISTER_SECURITY_INFO)) continue;
    if (!stringList(asJsonObject(p.policy.grantControls).builtInControls).includes('block')) continue;
    const locations = asJsonObject(conditions.locations);
    if (stringList(locations.excludeLocations).length === 0 && stringList(locations.includeLocations).filter((l) => l !== 'All').length > 0) {
      // Blocks only inside named locations: registration from elsewhere (home) still works.
      continue;
    }
    out.push({
      severity: 'warning',
      code: 'WR154',
      message: `policy "${p.displayName}" blocks "Register security information" outside trusted or excluded locations while the Temporary Access Pass is enabled: users onboarding with a TAP from anywhere else cannot register their methods; require the TAP (an authentication strength or mfa grant) instead of block, or exclude the onboarding group`,
      ...(p.source ?? {}),
    });
  }
  return out;
}

/**
 * ER056: a strength or named location this plan deletes that a CA policy still uses after the plan
 * (one not managed here, or a managed one naming it by id). Graph refuses such a delete; the plan says
 * so before apply gets halfway.
 */
export function checkDeletedReferences(policies: readonly PolicyAfterPlan[], deletes: ReadonlyArray<{ graphId?: string; displayName: string; kind: string; source?: { file: string; line: number } }>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of deletes) {
    if (!d.graphId) continue;
    const id = d.graphId.toLowerCase();
    const users = policies.filter((p) => {
      if (d.kind === 'AuthenticationStrength') return String(asJsonObject(asJsonObject(p.policy.grantControls).authenticationStrength).id ?? '').toLowerCase() === id;
      const locations = asJsonObject(asJsonObject(p.policy.conditions).locations);
      return [...stringList(locations.includeLocations), ...stringList(locations.excludeLocations)].some((l) => l.toLowerCase() === id);
    });
    if (users.length === 0) continue;
    out.push({
      severity: 'error',
      code: 'ER056',
      message: `${d.kind === 'AuthenticationStrength' ? 'authentication strength' : 'named location'} "${d.displayName}" is deleted (ensure: absent) but CA polic${users.length === 1 ? 'y' : 'ies'} ${users.map((p) => `"${p.displayName}"`).join(', ')} still use${users.length === 1 ? 's' : ''} it: Graph refuses the delete; change those policies first`,
      ...(d.source ?? {}),
    });
  }
  return out;
}
