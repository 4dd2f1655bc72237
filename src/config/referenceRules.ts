// Rules for AuthenticationStrength and NamedLocation documents and the CA references to them that
// can be judged offline. Pure, like rules.ts; `plan` resolves the names against the tenant.
import type { Docs, Emit } from './rules.js';
import type { PolicyDocument } from './types.js';

/** Location keywords of conditions.locations (conditionalaccesslocations resource page). */
export const LOCATION_KEYWORDS = ['All', 'AllTrusted'];

const lower = (s: string) => s.toLowerCase();

export function checkStrengthsAndLocations(docs: Docs, emit: Emit): void {
  uniqueDisplayNames(docs.AuthenticationStrength, emit);
  uniqueDisplayNames(docs.NamedLocation, emit);

  const absentStrengths = new Map(docs.AuthenticationStrength.filter((d) => d.spec.ensure === 'absent').map((d) => [lower(d.spec.displayName), d]));
  const absentLocations = new Map(docs.NamedLocation.filter((d) => d.spec.ensure === 'absent').map((d) => [lower(d.spec.displayName), d]));
  for (const doc of docs.ConditionalAccessPolicy) {
    const strength = doc.spec.grantControls?.authenticationStrength;
    const gone = strength?.displayName ? absentStrengths.get(lower(strength.displayName)) : undefined;
    if (gone) {
      emit(doc, 'error', 'ER051', `grantControls.authenticationStrength names "${strength!.displayName}", which AuthenticationStrength ${gone.name} deletes (ensure: absent)`, ['spec', 'grantControls', 'authenticationStrength']);
    }
    if (strength && (doc.spec.grantControls?.builtInControls ?? []).includes('mfa')) {
      // Graph refuses the pair with error 1108 (conditionalaccessgrantcontrols: "mfa … cannot be combined with authenticationStrength").
      emit(doc, 'error', 'ER052', 'grantControls has both the mfa control and an authentication strength; Graph refuses the pair: keep one', ['spec', 'grantControls']);
    }
    for (const list of ['includeLocations', 'excludeLocations'] as const) {
      (doc.spec.conditions.locations?.[list] ?? []).forEach((ref, i) => {
        const deleted = absentLocations.get(lower(ref));
        if (deleted) emit(doc, 'error', 'ER051', `conditions.locations.${list} names "${ref}", which NamedLocation ${deleted.name} deletes (ensure: absent)`, ['spec', 'conditions', 'locations', list, i]);
      });
    }
  }
}

/** Documents are matched to the tenant by displayName, so two with one name would fight over one object. */
function uniqueDisplayNames(documents: ReadonlyArray<PolicyDocument<'AuthenticationStrength'> | PolicyDocument<'NamedLocation'>>, emit: Emit): void {
  const seen = new Map<string, PolicyDocument>();
  for (const doc of documents) {
    const key = lower(doc.spec.displayName);
    const first = seen.get(key);
    if (first) emit(doc, 'error', 'ER050', `displayName "${doc.spec.displayName}" is already declared by ${first.kind} ${first.name}; these objects are matched to the tenant by displayName`, ['spec', 'displayName']);
    else seen.set(key, doc);
  }
}
