// Pure: the AuthenticationStrength and NamedLocation documents `export` writes, and the CA policy
// spec with role, application, location and strength ids turned back into names where unique.
import { comparableLocation } from '../plan/referencePlan.js';
import { APPLICATION_KEYWORDS, LOCATION_KEYWORDS } from '../plan/references.js';
import type { Json } from '../util/json.js';

const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});

/** Rewrites, in place, the references of an exported CA spec (comparable Graph shape). */
export function nameCaReferences(spec: Json, ref: (id: string) => string): void {
  const conditions = obj(spec.conditions);
  const rewrite = (holder: Json, key: string, keywords: readonly string[]) => {
    if (Array.isArray(holder[key])) holder[key] = (holder[key] as string[]).map((id) => (keywords.includes(id) ? id : ref(id)));
  };
  const users = obj(conditions.users);
  for (const key of ['includeRoles', 'excludeRoles']) rewrite(users, key, []);
  const apps = obj(conditions.applications);
  for (const key of ['includeApplications', 'excludeApplications']) rewrite(apps, key, APPLICATION_KEYWORDS);
  const locations = obj(conditions.locations);
  for (const key of ['includeLocations', 'excludeLocations']) rewrite(locations, key, LOCATION_KEYWORDS);
  const grant = obj(spec.grantControls);
  const strength = obj(grant.authenticationStrength);
  if (typeof strength.id === 'string' && ref(strength.id) !== strength.id) grant.authenticationStrength = { displayName: ref(strength.id) };
}

/** Custom strengths as AuthenticationStrength specs (built-in ones are referenced, never declared). */
export function strengthSpecs(strengths: Json[]): Json[] {
  return strengths
    .filter((s) => s.policyType === 'custom')
    .map((s) => ({
      displayName: s.displayName,
      ...(typeof s.description === 'string' && s.description !== '' ? { description: s.description } : {}),
      allowedCombinations: (Array.isArray(s.allowedCombinations) ? s.allowedCombinations : []).map(String),
    }));
}

/** Named locations as NamedLocation specs (Graph's defaults written out, so nothing is implicit). */
export function locationSpecs(locations: Json[]): Json[] {
  return locations.map((l) => {
    const c = comparableLocation(l);
    if (c.type === 'ip') return { displayName: c.displayName, isTrusted: c.isTrusted, ipRanges: (c.ipRanges as string[]).map((cidrAddress) => ({ cidrAddress })) };
    return { displayName: c.displayName, countriesAndRegions: c.countriesAndRegions, includeUnknownCountriesAndRegions: c.includeUnknownCountriesAndRegions, countryLookupMethod: c.countryLookupMethod };
  });
}
