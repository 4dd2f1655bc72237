// Names ↔ ids for everything a plan shows. tenant/ fills it (failing loudly on a missing or
// ambiguous name); the pure planner only looks things up.

export const ALL_USERS_TARGET = 'all_users';
export const EMPTY_TARGET_ID = '00000000-0000-0000-0000-000000000000';
/** includeUsers/excludeUsers keywords that are not user ids. */
export const CA_USER_KEYWORDS = ['All', 'None', 'GuestsOrExternalUsers'];

/** `role`, `application`, `strength` and `location` are what CA policies name besides users and groups. */
export type RefKind = 'group' | 'user' | 'role' | 'application' | 'strength' | 'location';

export interface DirectoryEntry {
  id: string;
  kind: RefKind;
  /** displayName for a group, userPrincipalName for a user. */
  name: string;
}

export interface DirectoryIndex {
  /** id → entry, for every object a plan mentions (declared refs and ids seen in live objects). */
  byId: Map<string, DirectoryEntry>;
  /** `kind:ref` (ref lower-cased) → id, for every reference written in the YAML. */
  refs: Map<string, string>;
}

export function emptyDirectory(): DirectoryIndex {
  return { byId: new Map(), refs: new Map() };
}

export function refKey(kind: RefKind, ref: string): string {
  return `${kind}:${ref.toLowerCase()}`;
}

/** The id of a YAML reference; tenant/ has already checked that every reference resolves. */
export function resolveRef(directory: DirectoryIndex, kind: RefKind, ref: string): string {
  if (kind === 'group' && ref.toLowerCase() === ALL_USERS_TARGET) return ALL_USERS_TARGET;
  const id = directory.refs.get(refKey(kind, ref));
  if (!id) throw new Error(`unresolved ${kind} reference "${ref}" reached the planner`);
  return id;
}

/**
 * How an id is shown: its name, or `name (id)` when two objects share that name, so that the
 * labelled form is as distinct as the ids and a diff on labels is a diff on ids.
 */
export function labeller(directory: DirectoryIndex): (id: string) => string {
  const counts = new Map<string, number>();
  for (const entry of directory.byId.values()) counts.set(entry.name.toLowerCase(), (counts.get(entry.name.toLowerCase()) ?? 0) + 1);
  return (id: string) => {
    if (id === ALL_USERS_TARGET || id === EMPTY_TARGET_ID) return id;
    const entry = directory.byId.get(id);
    if (!entry) return id;
    return (counts.get(entry.name.toLowerCase()) ?? 0) > 1 ? `${entry.name} (${id})` : entry.name;
  };
}
