// Planning AuthenticationStrength and NamedLocation documents. Pure. Objects are matched to the
// tenant by displayName (case-insensitive); only a declared object is ever changed, and only one
// declared `ensure: absent` is deleted. Creates and updates are ordered before the CA policies
// (which may reference them), deletes after (a CA policy may stop referencing them first).
import type { DesiredState, NamedLocationSpec, PolicyDocument } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import { canonicalJson, sha256Hex } from '../util/canonicalJson.js';
import { fieldChanges, labelIds } from './diff.js';
import { comparable } from './normalise.js';
import { planWrite, type PlanResource } from './types.js';
import type { Json } from '../util/json.js';

export const STRENGTHS_PATH = '/policies/authenticationStrengthPolicies';
export const NAMED_LOCATIONS_PATH = '/identity/conditionalAccess/namedLocations';

export interface ReferencePlan {
  /** Creates, updates and no-ops: before the CA policies. */
  upserts: PlanResource[];
  /** After the CA policies. */
  deletes: PlanResource[];
  diagnostics: Diagnostic[];
  /** Strength id (or pending id) → allowedCombinations after the plan, for the cross-checks. */
  strengthCombinations: Map<string, string[]>;
}

function fingerprint(normalisedLive: Json | undefined, modified?: unknown): string {
  if (!normalisedLive) return `sha256:${sha256Hex('absent')}`;
  return `sha256:${sha256Hex(canonicalJson({ object: normalisedLive, modifiedDateTime: modified ?? null }))}`;
}

const sourceOf = (doc: PolicyDocument) => ({ file: doc.source.file, line: doc.source.line });
const sameName = (o: Json, name: string) => String(o.displayName ?? '').toLowerCase() === name.toLowerCase();

/** `password, sms` and `sms,password` are one combination: members trimmed and sorted. */
export function canonicalCombination(combination: string): string {
  return combination
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
    .sort()
    .join(',');
}

const combinations = (value: unknown): string[] => (Array.isArray(value) ? [...new Set(value.map((c) => canonicalCombination(String(c))))].sort() : []);

export function planStrengthsAndLocations(desired: DesiredState, live: { authenticationStrengths?: Json[]; namedLocations?: Json[] }, label: (id: string) => string, pendingIdOf: (address: string) => string): ReferencePlan {
  const plan: ReferencePlan = { upserts: [], deletes: [], diagnostics: [], strengthCombinations: new Map() };
  const liveStrengths = live.authenticationStrengths ?? [];
  for (const s of liveStrengths) plan.strengthCombinations.set(String(s.id), combinations(s.allowedCombinations));
  for (const doc of desired.authenticationStrengths ?? []) planStrength(doc, liveStrengths, plan, pendingIdOf);
  for (const doc of desired.namedLocations ?? []) planLocation(doc, live.namedLocations ?? [], plan, label);
  return plan;
}

function matchOne(doc: PolicyDocument, hits: Json[], plan: ReferencePlan, what: string): Json | undefined | null {
  if (hits.length <= 1) return hits[0];
  plan.diagnostics.push({ severity: 'error', code: 'ER054', message: `${hits.length} live ${what}s are named "${String(hits[0]!.displayName)}" (ids ${hits.map((h) => String(h.id)).join(', ')}): rename or delete one so ${doc.kind} ${doc.name} can be matched`, ...sourceOf(doc) });
  return null;
}

function planStrength(doc: PolicyDocument<'AuthenticationStrength'>, liveStrengths: Json[], plan: ReferencePlan, pendingIdOf: (address: string) => string): void {
  const { spec } = doc;
  const address = `AuthenticationStrength.${doc.name}`;
  const hit = matchOne(doc, liveStrengths.filter((s) => sameName(s, spec.displayName)), plan, 'authentication strength');
  if (hit === null) return;
  if (hit && hit.policyType !== undefined && hit.policyType !== 'custom') {
    plan.diagnostics.push({ severity: 'error', code: 'ER053', message: `"${spec.displayName}" is a built-in authentication strength: it cannot be declared, changed or deleted; reference it by name from a CA policy instead`, ...sourceOf(doc) });
    return;
  }
  const base = { kind: 'AuthenticationStrength' as const, displayName: spec.displayName, source: sourceOf(doc) };
  const liveShape = hit ? comparable({ displayName: hit.displayName, description: hit.description ?? null, allowedCombinations: combinations(hit.allowedCombinations) }) : undefined;
  const fp = fingerprint(liveShape, hit?.modifiedDateTime);
  if (spec.ensure === 'absent') {
    if (!hit) {
      plan.upserts.push({ ...base, address, action: 'noop', changes: [], fingerprint: fp });
      return;
    }
    const id = String(hit.id);
    plan.strengthCombinations.delete(id);
    plan.deletes.push({ ...base, address, graphId: id, action: 'delete', changes: fieldChanges(liveShape!, {}), fingerprint: fp, write: planWrite('DELETE', `${STRENGTHS_PATH}/${id}`, id, {}) });
    return;
  }
  const wantCombinations = combinations(spec.allowedCombinations);
  if (!hit) {
    const body: Json = { displayName: spec.displayName, allowedCombinations: spec.allowedCombinations };
    if (spec.description !== undefined) body.description = spec.description;
    plan.strengthCombinations.set(pendingIdOf(address), wantCombinations);
    plan.upserts.push({ ...base, address, action: 'create', changes: fieldChanges({}, comparable({ ...body, allowedCombinations: wantCombinations })), fingerprint: fp, write: planWrite('POST', STRENGTHS_PATH, null, body) });
    return;
  }
  const id = String(hit.id);
  plan.strengthCombinations.set(id, wantCombinations);
  // Only what the document declares is managed: an undeclared description is left as it is.
  const want: Json = { displayName: spec.displayName, ...(spec.description !== undefined ? { description: spec.description } : {}) };
  const have: Json = { displayName: hit.displayName, ...(spec.description !== undefined ? { description: hit.description ?? '' } : {}) };
  const changes = fieldChanges(comparable(have), comparable(want));
  plan.upserts.push({ ...base, address, graphId: id, action: changes.length ? 'update' : 'noop', changes, fingerprint: fp, ...(changes.length ? { write: planWrite('PATCH', `${STRENGTHS_PATH}/${id}`, id, want) } : {}) });
  const comboChanges = fieldChanges({ allowedCombinations: combinations(hit.allowedCombinations) }, { allowedCombinations: wantCombinations });
  if (comboChanges.length > 0) {
    plan.upserts.push({
      ...base,
      kind: 'AuthenticationStrengthCombinations',
      address: `${address}.allowedCombinations`,
      graphId: id,
      action: 'update',
      changes: comboChanges,
      fingerprint: fp,
      write: planWrite('POST', `${STRENGTHS_PATH}/${id}/updateAllowedCombinations`, id, { allowedCombinations: spec.allowedCombinations }),
    });
  }
}

const IP_TYPE = '#microsoft.graph.ipNamedLocation';
const COUNTRY_TYPE = '#microsoft.graph.countryNamedLocation';

/** The Graph body of a declared location, with Graph's defaults filled (namedlocation resource pages). */
export function desiredLocation(spec: NamedLocationSpec): Json {
  if (spec.ipRanges) {
    return {
      '@odata.type': IP_TYPE,
      displayName: spec.displayName,
      isTrusted: spec.isTrusted ?? false,
      ipRanges: spec.ipRanges.map((r) => ({ '@odata.type': r.cidrAddress.includes(':') ? '#microsoft.graph.iPv6CidrRange' : '#microsoft.graph.iPv4CidrRange', cidrAddress: r.cidrAddress })),
    };
  }
  return {
    '@odata.type': COUNTRY_TYPE,
    displayName: spec.displayName,
    countriesAndRegions: spec.countriesAndRegions ?? [],
    includeUnknownCountriesAndRegions: spec.includeUnknownCountriesAndRegions ?? false,
    countryLookupMethod: spec.countryLookupMethod ?? 'clientIpAddress',
  };
}

/** The comparable form of a live (or desired) location: lists as sets, defaults filled. */
export function comparableLocation(o: Json): Json {
  const type = String(o['@odata.type'] ?? '').replace(/^#?/, '#');
  if (type === IP_TYPE) {
    const ranges = (Array.isArray(o.ipRanges) ? o.ipRanges : []).map((r) => String((r as Json).cidrAddress)).sort();
    return { type: 'ip', displayName: o.displayName, isTrusted: o.isTrusted ?? false, ipRanges: ranges };
  }
  return {
    type: 'country',
    displayName: o.displayName,
    countriesAndRegions: (Array.isArray(o.countriesAndRegions) ? o.countriesAndRegions.map(String) : []).sort(),
    includeUnknownCountriesAndRegions: o.includeUnknownCountriesAndRegions ?? false,
    countryLookupMethod: o.countryLookupMethod ?? 'clientIpAddress',
  };
}

function planLocation(doc: PolicyDocument<'NamedLocation'>, liveLocations: Json[], plan: ReferencePlan, label: (id: string) => string): void {
  const { spec } = doc;
  const address = `NamedLocation.${doc.name}`;
  const hit = matchOne(doc, liveLocations.filter((l) => sameName(l, spec.displayName)), plan, 'named location');
  if (hit === null) return;
  const base = { kind: 'NamedLocation' as const, displayName: spec.displayName, source: sourceOf(doc) };
  const liveShape = hit ? comparableLocation(hit) : undefined;
  const fp = fingerprint(liveShape, hit?.modifiedDateTime);
  if (spec.ensure === 'absent') {
    if (!hit) plan.upserts.push({ ...base, address, action: 'noop', changes: [], fingerprint: fp });
    else {
      const id = String(hit.id);
      plan.deletes.push({ ...base, address, graphId: id, action: 'delete', changes: fieldChanges(liveShape!, {}), fingerprint: fp, write: planWrite('DELETE', `${NAMED_LOCATIONS_PATH}/${id}`, id, {}) });
    }
    return;
  }
  const body = desiredLocation(spec);
  const want = comparableLocation(body);
  if (!hit) {
    plan.upserts.push({ ...base, address, action: 'create', changes: fieldChanges({}, want), fingerprint: fp, write: planWrite('POST', NAMED_LOCATIONS_PATH, null, body) });
    return;
  }
  const id = String(hit.id);
  if (liveShape!.type !== want.type) {
    // The derived type is fixed at creation; a PATCH cannot turn an IP location into a country one.
    plan.diagnostics.push({ severity: 'error', code: 'ER053', message: `named location "${spec.displayName}" is a${liveShape!.type === 'ip' ? 'n IP' : ' country'} location in the tenant but is declared as a${want.type === 'ip' ? 'n IP' : ' country'} location: Graph cannot change the type; give the new one another name (and mark the old one ensure: absent)`, ...sourceOf(doc) });
    return;
  }
  const changes = fieldChanges(labelIds(liveShape, label) as Json, labelIds(want, label) as Json);
  plan.upserts.push({ ...base, address, graphId: id, action: changes.length ? 'update' : 'noop', changes, fingerprint: fp, ...(changes.length ? { write: planWrite('PATCH', `${NAMED_LOCATIONS_PATH}/${id}`, id, body) } : {}) });
}
