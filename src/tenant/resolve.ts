import type { Diagnostic } from '../diagnostics.js';
import { GraphRequestError, groupPath, groupsByDisplayNamePath, userPath, type GraphGateway } from '../graph/index.js';
import { ALL_USERS_TARGET, EMPTY_TARGET_ID, emptyDirectory, refKey, type DirectoryIndex, type RefKind } from '../plan/directory.js';
import type { DeclaredRef } from './refs.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Found {
  id: string;
  name: string;
}

/**
 * Resolves every declared reference once, all lookups in `$batch` envelopes (20 per request). A name
 * that matches nothing or more than one object is an error that names the file and line; nothing is
 * ever skipped or guessed.
 */
export async function resolveDeclaredRefs(gw: GraphGateway, refs: readonly DeclaredRef[]): Promise<{ directory: DirectoryIndex; diagnostics: Diagnostic[] }> {
  const directory = emptyDirectory();
  const diagnostics: Diagnostic[] = [];
  const unique = new Map<string, DeclaredRef[]>();
  for (const r of refs) unique.set(refKey(r.kind, r.ref), [...(unique.get(refKey(r.kind, r.ref)) ?? []), r]);

  const groups = [...unique.values()];
  const found = await lookupAll(
    gw,
    groups.map((uses) => ({ kind: uses[0]!.kind, ref: uses[0]!.ref })),
  );
  groups.forEach((uses, i) => {
    const { kind, ref } = uses[0]!;
    const hits = found[i]!;
    if (hits.length === 1) {
      const hit = hits[0]!;
      directory.refs.set(refKey(kind, ref), hit.id);
      directory.byId.set(hit.id, { id: hit.id, kind, name: hit.name });
      return;
    }
    for (const use of uses) {
      const { file, line, column } = use.doc.locate(use.path);
      const message =
        hits.length === 0
          ? `${kind} "${ref}" does not exist in the tenant`
          : `${kind} name "${ref}" is ambiguous: ${hits.length} ${kind}s have it (${hits.map((h) => h.id).join(', ')}); use the object id`;
      diagnostics.push({ severity: 'error', code: hits.length === 0 ? 'ER030' : 'ER031', message: `${use.doc.kind} ${use.doc.name}: ${message}`, file, line, column });
    }
  });
  return { directory, diagnostics };
}

interface LookupBody {
  id?: string;
  displayName?: string;
  userPrincipalName?: string;
  value?: Array<{ id?: string; displayName?: string }>;
  '@odata.nextLink'?: string;
}

/** The objects each reference names: a user by id or UPN, a group by id or by exact display name. */
async function lookupAll(gw: GraphGateway, wanted: ReadonlyArray<{ kind: RefKind; ref: string }>): Promise<Found[][]> {
  if (wanted.length === 0) return [];
  const byName = (kind: RefKind, ref: string) => kind === 'group' && !GUID.test(ref);
  const results = await gw.batch<LookupBody>(
    wanted.map(({ kind, ref }) => ({
      method: 'GET' as const,
      url: kind === 'user' ? userPath(ref, ['id', 'userPrincipalName']) : byName(kind, ref) ? groupsByDisplayNamePath(ref, ['id', 'displayName']) : groupPath(ref, ['id', 'displayName']),
    })),
  );
  return Promise.all(
    results.map(async (result, i): Promise<Found[]> => {
      const { kind, ref } = wanted[i]!;
      if (result.status === 404) return [];
      if (!result.ok || !result.body) {
        throw result.error ?? new GraphRequestError({ method: 'GET', path: `/${kind}s/${ref}`, status: result.status, reason: 'malformed response: a lookup without a body' });
      }
      const body = result.body;
      // A 200 without what a lookup returns is a damaged answer, never "no such object": calling it
      // missing would turn a proxy's page into a wrong ER030.
      const malformed = (what: string) =>
        new GraphRequestError({ method: 'GET', path: `/${kind}s/${ref}`, status: result.status, requestId: result.headers['request-id'], reason: `malformed response: ${what}` });
      if (kind === 'user' || !byName(kind, ref)) {
        if (typeof body.id !== 'string') throw malformed('the object has no id');
        return [{ id: body.id, name: (kind === 'user' ? body.userPrincipalName : body.displayName) ?? body.id }];
      }
      if (!Array.isArray(body.value)) throw malformed('a collection page without "value"');
      const groups = [...body.value];
      // Display names are not unique: a name shared by more groups than one page holds is followed to the end.
      if (body['@odata.nextLink']) groups.push(...(await gw.listAll<{ id?: string; displayName?: string }>(body['@odata.nextLink'])));
      return groups.filter((g) => g.id).map((g) => ({ id: g.id!, name: g.displayName ?? g.id! }));
    }),
  );
}

/**
 * Names for ids that live objects mention but the YAML does not (an exclusion added in the portal,
 * a deleted group still listed), so the plan can show them by name. Unknown ids keep their id.
 */
export async function labelLiveIds(gw: GraphGateway, directory: DirectoryIndex, ids: { users: Iterable<string>; groups: Iterable<string> }): Promise<string[]> {
  const wanted: Array<{ kind: RefKind; id: string }> = [];
  for (const [kind, list] of [['user', ids.users], ['group', ids.groups]] as const) {
    for (const id of new Set(list)) {
      if (GUID.test(id) && id !== EMPTY_TARGET_ID && id !== ALL_USERS_TARGET && !directory.byId.has(id)) wanted.push({ kind, id });
    }
  }
  if (wanted.length === 0) return [];
  const results = await gw.batch<{ id?: string; displayName?: string; userPrincipalName?: string }>(
    wanted.map(({ kind, id }) => ({
      method: 'GET',
      url: kind === 'user' ? `/users/${id}?$select=id,userPrincipalName` : `/groups/${id}?$select=id,displayName`,
    })),
  );
  const missing: string[] = [];
  results.forEach((result, i) => {
    const { kind, id } = wanted[i]!;
    const name = kind === 'user' ? result.body?.userPrincipalName : result.body?.displayName;
    if (result.ok && name) directory.byId.set(id, { id, kind, name });
    else if (result.status === 404) missing.push(id);
    else if (result.error) throw result.error;
  });
  return missing;
}
