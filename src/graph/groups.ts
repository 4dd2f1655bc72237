import type { Group } from '@microsoft/microsoft-graph-types';
import type { BatchItem } from './batch.js';
import type { GraphGateway, PageOptions } from './gateway.js';
import { GraphRequestError } from './graphError.js';
import { buildQuery, odataString, seg } from './odata.js';

export const GROUP_SELECT = ['id', 'displayName', 'mailNickname', 'securityEnabled', 'mailEnabled', 'groupTypes'] as const;

/** The query for groups by exact display name (also usable as a `$batch` item's url). */
export function groupsByDisplayNamePath(name: string, select: readonly string[] = GROUP_SELECT): string {
  return `/groups${buildQuery({ $filter: `displayName eq ${odataString(name)}`, $select: select })}`;
}

/** Every group with exactly this display name (names are not unique: the caller decides what 2 hits mean). */
export function findGroupsByDisplayName(gw: GraphGateway, name: string, select: readonly string[] = GROUP_SELECT): Promise<Group[]> {
  return gw.listAll<Group>(groupsByDisplayNamePath(name, select));
}

export function groupPath(id: string, select: readonly string[] = GROUP_SELECT): string {
  return `/groups/${seg(id)}${buildQuery({ $select: select })}`;
}

/** undefined when the group does not exist. */
export function getGroup(gw: GraphGateway, id: string, select: readonly string[] = GROUP_SELECT): Promise<Group | undefined> {
  return gw.getOrUndefined<Group>(groupPath(id, select));
}

/** Ids of all users in the group, nested groups flattened. */
export async function listTransitiveUserMemberIds(
  gw: GraphGateway,
  groupId: string,
  options: Pick<PageOptions, 'onProgress'> = {},
): Promise<string[]> {
  const path = `/groups/${seg(groupId)}/transitiveMembers/microsoft.graph.user${buildQuery({ $select: 'id', $top: 999 })}`;
  const ids: string[] = [];
  for await (const page of gw.pages<{ id?: string }>(path, options)) {
    for (const m of page) if (typeof m.id === 'string') ids.push(m.id);
  }
  return ids;
}

/** Users in the group, nested groups flattened, with their UPN (for small groups such as the break-glass one). */
export async function listTransitiveUserMembers(gw: GraphGateway, groupId: string): Promise<Array<{ id: string; userPrincipalName?: string }>> {
  const path = `/groups/${seg(groupId)}/transitiveMembers/microsoft.graph.user${buildQuery({ $select: ['id', 'userPrincipalName'], $top: 999 })}`;
  const out: Array<{ id: string; userPrincipalName?: string }> = [];
  for await (const page of gw.pages<{ id?: string; userPrincipalName?: string }>(path)) {
    for (const m of page) if (typeof m.id === 'string') out.push({ id: m.id, ...(typeof m.userPrincipalName === 'string' ? { userPrincipalName: m.userPrincipalName } : {}) });
  }
  return out;
}

/** Ids of the groups directly nested in the group (`/members/microsoft.graph.group`): small even when the group has many users. */
export async function listMemberGroupIds(gw: GraphGateway, groupId: string): Promise<string[]> {
  const page = await gw.listAll<{ id?: string }>(`/groups/${seg(groupId)}/members/microsoft.graph.group${buildQuery({ $select: 'id', $top: 999 })}`);
  return page.flatMap((g) => (typeof g.id === 'string' ? [g.id] : []));
}

function directoryObjectRef(gw: GraphGateway, id: string): string {
  return `${gw.baseUrl}/directoryObjects/${seg(id)}`;
}

export type AddMemberOutcome = 'added' | 'alreadyMember';

/** POST members/$ref. Repeating it is harmless ("already exist" is success), so it is retried like a read. */
export async function addMember(gw: GraphGateway, groupId: string, memberId: string): Promise<AddMemberOutcome> {
  try {
    await gw.post(`/groups/${seg(groupId)}/members/$ref`, { '@odata.id': directoryObjectRef(gw, memberId) }, { idempotent: true });
    return 'added';
  } catch (err) {
    if (err instanceof GraphRequestError && err.isAlreadyExists) return 'alreadyMember';
    throw err;
  }
}

/** DELETE members/{id}/$ref; a 404 means it was not (or no longer) a member. */
export async function removeMember(gw: GraphGateway, groupId: string, memberId: string): Promise<'removed' | 'notMember'> {
  try {
    await gw.delete(`/groups/${seg(groupId)}/members/${seg(memberId)}/$ref`);
    return 'removed';
  } catch (err) {
    if (err instanceof GraphRequestError && err.status === 404) return 'notMember';
    throw err;
  }
}

export interface BulkAddResult {
  /** Added, or already members (a successful bulk PATCH does not say which). */
  added: string[];
  alreadyMembers: string[];
  failed: Array<{ memberId: string; error: GraphRequestError }>;
}

/** Graph takes at most 20 references per `members@odata.bind` PATCH. */
export const MEMBERS_PER_PATCH = 20;

/**
 * Add many members: PATCH `members@odata.bind` in chunks of 20, several PATCHes per `$batch`.
 * A chunk that fails with "already exist" (or any 4xx) is redone one member at a time with
 * `$ref` adds, so one existing member does not block the other 19.
 */
export async function addMembersBulk(
  gw: GraphGateway,
  groupId: string,
  memberIds: readonly string[],
  options: { onProgress?: (done: number, total: number) => void } = {},
): Promise<BulkAddResult> {
  const unique = [...new Set(memberIds)];
  const result: BulkAddResult = { added: [], alreadyMembers: [], failed: [] };
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += MEMBERS_PER_PATCH) chunks.push(unique.slice(i, i + MEMBERS_PER_PATCH));
  const items: BatchItem[] = chunks.map((chunk) => ({
    method: 'PATCH',
    url: `/groups/${seg(groupId)}`,
    body: { 'members@odata.bind': chunk.map((id) => directoryObjectRef(gw, id)) },
  }));
  const replies = await gw.batch(items);
  const redo: string[] = [];
  replies.forEach((reply, i) => {
    const chunk = chunks[i]!;
    if (reply.ok) result.added.push(...chunk);
    else if (reply.status >= 400 && reply.status < 500 && reply.status !== 429) redo.push(...chunk);
    else for (const memberId of chunk) result.failed.push({ memberId, error: reply.error! });
  });
  let done = unique.length - redo.length;
  options.onProgress?.(done, unique.length);
  if (redo.length > 0) {
    const singles = await gw.batch(
      redo.map((id) => ({
        method: 'POST' as const,
        url: `/groups/${seg(groupId)}/members/$ref`,
        body: { '@odata.id': directoryObjectRef(gw, id) },
        idempotent: true,
      })),
      { onProgress: (n) => options.onProgress?.(done + n, unique.length) },
    );
    singles.forEach((reply, i) => {
      const memberId = redo[i]!;
      if (reply.ok) result.added.push(memberId);
      else if (reply.error?.isAlreadyExists) result.alreadyMembers.push(memberId);
      else result.failed.push({ memberId, error: reply.error! });
    });
  }
  return result;
}

/** Create or replace the data of an open extension on a group. */
export async function setGroupExtension(
  gw: GraphGateway,
  groupId: string,
  extensionName: string,
  data: Record<string, unknown>,
): Promise<void> {
  const path = `/groups/${seg(groupId)}/extensions/${seg(extensionName)}`;
  try {
    await gw.patch(path, { '@odata.type': 'microsoft.graph.openTypeExtension', ...data });
    return;
  } catch (err) {
    if (!(err instanceof GraphRequestError) || err.status !== 404) throw err;
  }
  try {
    await gw.post(`/groups/${seg(groupId)}/extensions`, {
      '@odata.type': 'microsoft.graph.openTypeExtension',
      extensionName,
      ...data,
    });
  } catch (err) {
    // Someone (or our own earlier attempt) created it meanwhile: update instead.
    if (err instanceof GraphRequestError && (err.status === 409 || err.outcomeUnknown)) {
      await gw.patch(path, { '@odata.type': 'microsoft.graph.openTypeExtension', ...data });
      return;
    }
    throw err;
  }
}

export interface BulkRemoveResult {
  removed: string[];
  notMembers: string[];
  failed: { memberId: string; error: GraphRequestError }[];
}

/** Remove many members: `DELETE members/{id}/$ref`, 20 per `$batch`; a 404 means "not a member" (done already). */
export async function removeMembersBulk(gw: GraphGateway, groupId: string, memberIds: readonly string[]): Promise<BulkRemoveResult> {
  const unique = [...new Set(memberIds)];
  const replies = await gw.batch(unique.map((id) => ({ method: 'DELETE' as const, url: `/groups/${seg(groupId)}/members/${seg(id)}/$ref` })));
  const result: BulkRemoveResult = { removed: [], notMembers: [], failed: [] };
  replies.forEach((reply, i) => {
    const memberId = unique[i]!;
    if (reply.ok) result.removed.push(memberId);
    else if (reply.status === 404) result.notMembers.push(memberId);
    else result.failed.push({ memberId, error: reply.error! });
  });
  return result;
}
