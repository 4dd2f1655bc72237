// Names of roles, applications, authentication strengths and named locations written in CA
// policies, resolved once against the tenant like group names are (resolve.ts): a name that matches
// nothing, or more than one object, is an error naming the file, the line and the candidates.
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import type { DesiredState, PathSegment, PolicyDocument } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import { listDirectoryRoleTemplates, servicePrincipalsWherePath, type GraphGateway } from '../graph/index.js';
import { refKey, type DirectoryIndex, type RefKind } from '../plan/directory.js';
import { GUID, nameToResolve, pendingId } from '../plan/references.js';
import type { Json } from '../util/json.js';
import { caUsersOf } from '../waves/caUsers.js';

/** A live strength or named location as the resolver reads it (checked in graph/payloads.ts). */
interface Named {
  id?: string | null;
  displayName?: string | null;
}

type OtherKind = Exclude<RefKind, 'group' | 'user'>;

interface Use {
  kind: OtherKind;
  ref: string;
  doc: PolicyDocument;
  path: PathSegment[];
}

interface Candidate {
  id: string;
  name: string;
  /** Declared in this folder and not yet in the tenant: apply creates it first. */
  pending?: boolean;
}

const WHAT: Record<OtherKind, string> = { role: 'directory role', application: 'application', strength: 'authentication strength', location: 'named location' };

/** Every role, application, strength and location name the CA policies write. */
export function collectReferenceUses(desired: DesiredState): Use[] {
  const uses: Use[] = [];
  const add = (kind: OtherKind, refs: readonly string[] | undefined, doc: PolicyDocument, path: PathSegment[]) =>
    (refs ?? []).forEach((ref, i) => {
      if (nameToResolve(kind, ref) !== undefined) uses.push({ kind, ref, doc, path: [...path, i] });
    });
  for (const doc of desired.conditionalAccessPolicies) {
    const c = doc.spec.conditions;
    for (const list of ['includeRoles', 'excludeRoles'] as const) add('role', c.users[list], doc, ['spec', 'conditions', 'users', list]);
    for (const list of ['includeApplications', 'excludeApplications'] as const) add('application', c.applications?.[list], doc, ['spec', 'conditions', 'applications', list]);
    for (const list of ['includeLocations', 'excludeLocations'] as const) add('location', c.locations?.[list], doc, ['spec', 'conditions', 'locations', list]);
    const strength = doc.spec.grantControls?.authenticationStrength?.displayName;
    if (strength !== undefined) uses.push({ kind: 'strength', ref: strength, doc, path: ['spec', 'grantControls', 'authenticationStrength', 'displayName'] });
  }
  return uses;
}

/**
 * Resolves the names into `directory` and labels the ids live CA policies use (so a plan shows
 * names). Strengths and locations come from the lists already read; a name declared by an
 * AuthenticationStrength/NamedLocation document that the tenant lacks resolves to its pending id.
 */
export async function resolveReferenceNames(
  gw: GraphGateway,
  desired: DesiredState,
  directory: DirectoryIndex,
  live: { strengths: readonly Named[]; locations: readonly Named[]; caPolicies: readonly ConditionalAccessPolicy[] },
): Promise<Diagnostic[]> {
  const uses = collectReferenceUses(desired);
  const liveRoleIds = live.caPolicies.flatMap((p) => [...(caUsersOf(p).includeRoles ?? []), ...(caUsersOf(p).excludeRoles ?? [])]);
  const needRoles = uses.some((u) => u.kind === 'role') || liveRoleIds.some((id) => GUID.test(id));
  const roles = needRoles ? (await listDirectoryRoleTemplates(gw)).filter((r) => r.id).map((r) => ({ id: r.id!, name: r.displayName ?? r.id! })) : [];

  const byName: Record<Exclude<OtherKind, 'application'>, Candidate[]> = {
    role: roles,
    strength: [
      ...live.strengths.map((s) => ({ id: String(s.id), name: s.displayName ?? String(s.id) })),
      ...declaredPending(desired.authenticationStrengths ?? [], 'AuthenticationStrength', live.strengths),
    ],
    location: [
      ...live.locations.map((l) => ({ id: String(l.id), name: l.displayName ?? String(l.id) })),
      ...declaredPending(desired.namedLocations ?? [], 'NamedLocation', live.locations),
    ],
  };
  // Every id a plan may show gets its name, pending ones included.
  for (const kind of ['role', 'strength', 'location'] as const) for (const c of byName[kind]) directory.byId.set(c.id, { id: c.id, kind, name: c.name });

  const appNames = [...new Set(uses.filter((u) => u.kind === 'application').map((u) => u.ref.toLowerCase()))];
  const appHits = new Map<string, Candidate[]>();
  if (appNames.length > 0) {
    const original = new Map(uses.filter((u) => u.kind === 'application').map((u) => [u.ref.toLowerCase(), u.ref]));
    const results = await gw.batch<{ value?: Json[] }>(appNames.map((n) => ({ method: 'GET' as const, url: servicePrincipalsWherePath('displayName', original.get(n)!) })));
    results.forEach((r, i) => {
      if (!r.ok) throw r.error ?? new Error(`service principal lookup failed with status ${r.status}`);
      const hits = (r.body?.value ?? []).filter((sp) => typeof sp.appId === 'string' && String(sp.displayName ?? '').toLowerCase() === appNames[i]);
      appHits.set(appNames[i]!, hits.map((sp) => ({ id: String(sp.appId), name: String(sp.displayName) })));
    });
  }

  const diagnostics: Diagnostic[] = [];
  for (const use of uses) {
    const hits = use.kind === 'application' ? (appHits.get(use.ref.toLowerCase()) ?? []) : byName[use.kind].filter((c) => c.name.toLowerCase() === use.ref.toLowerCase());
    if (hits.length === 1) {
      const hit = hits[0]!;
      directory.refs.set(refKey(use.kind, use.ref), hit.id);
      directory.byId.set(hit.id, { id: hit.id, kind: use.kind, name: hit.name });
      continue;
    }
    const { file, line, column } = use.doc.locate(use.path);
    const what = WHAT[use.kind];
    const message =
      hits.length === 0
        ? `${what} "${use.ref}" does not exist in the tenant${use.kind === 'application' ? '' : ` (known: ${known(byName[use.kind as Exclude<OtherKind, 'application'>], use.ref)})`}`
        : `${what} name "${use.ref}" is ambiguous: ${hits.length} have it (${hits.map((h) => h.id).join(', ')}); use the id`;
    diagnostics.push({ severity: 'error', code: hits.length === 0 ? 'ER030' : 'ER031', message: `${use.doc.kind} ${use.doc.name}: ${message}`, file, line, column });
  }
  return diagnostics;
}

/** Documents to be created by this plan (present, and no live object has their name). */
function declaredPending(docs: ReadonlyArray<PolicyDocument<'AuthenticationStrength'> | PolicyDocument<'NamedLocation'>>, kind: string, live: readonly Named[]): Candidate[] {
  const liveNames = new Set(live.map((o) => (o.displayName ?? '').toLowerCase()));
  return docs
    .filter((d) => d.spec.ensure !== 'absent' && !liveNames.has(d.spec.displayName.toLowerCase()))
    .map((d) => ({ id: pendingId(`${kind}.${d.name}`), name: d.spec.displayName, pending: true }));
}

/** Up to eight candidate names, those sharing a word with the reference first. */
function known(candidates: readonly Candidate[], ref: string): string {
  const words = new Set(ref.toLowerCase().split(/\W+/).filter(Boolean));
  const names = [...new Set(candidates.map((c) => c.name))];
  const close = names.filter((n) => n.toLowerCase().split(/\W+/).some((w) => words.has(w)));
  const shown = [...close, ...names.filter((n) => !close.includes(n))].slice(0, 8);
  return shown.length ? shown.map((n) => `"${n}"`).join(', ') + (names.length > shown.length ? ', …' : '') : 'none';
}

