import type { Diagnostic } from '../diagnostics.js';
import { findGroupsByDisplayName, getGroup, getUser, type GraphGateway } from '../graph/index.js';
import { ALL_USERS_TARGET, EMPTY_TARGET_ID, emptyDirectory, refKey, type DirectoryIndex, type RefKind } from '../plan/directory.js';
import type { DeclaredRef } from './refs.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Found {
  id: string;
  name: string;
}

/**
 * Resolves every declared reference once. A name that matches nothing or more than one object is
 * an error that names the file and line; nothing is ever skipped or guessed.
 */
export async function resolveDeclaredRefs(gw: GraphGateway, refs: readonly DeclaredRef[]): Promise<{ directory: DirectoryIndex; diagnostics: Diagnostic[] }> {
  const directory = emptyDirectory();
  const diagnostics: Diagnostic[] = [];
  const unique = new Map<string, DeclaredRef[]>();
  for (const r of refs) unique.set(refKey(r.kind, r.ref), [...(unique.get(refKey(r.kind, r.ref)) ?? []), r]);

  await Promise.all(
    [...unique.values()].map(async (uses) => {
      const { kind, ref } = uses[0]!;
      const hits = await lookup(gw, kind, ref);
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
    }),
  );
  return { directory, diagnostics };
}

async function lookup(gw: GraphGateway, kind: RefKind, ref: string): Promise<Found[]> {
  if (kind === 'user') {
    const user = await getUser(gw, ref, ['id', 'userPrincipalName']);
    return user?.id ? [{ id: user.id, name: user.userPrincipalName ?? user.id }] : [];
  }
  if (GUID.test(ref)) {
    const group = await getGroup(gw, ref, ['id', 'displayName']);
    return group?.id ? [{ id: group.id, name: group.displayName ?? group.id }] : [];
  }
  const groups = await findGroupsByDisplayName(gw, ref, ['id', 'displayName']);
  return groups.filter((g) => g.id).map((g) => ({ id: g.id!, name: g.displayName ?? g.id! }));
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
