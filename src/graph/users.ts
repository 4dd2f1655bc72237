import type { User } from '@microsoft/microsoft-graph-types';
import type { GraphGateway } from './gateway.js';
import { buildQuery, seg } from './odata.js';

export const USER_SELECT = ['id', 'displayName', 'userPrincipalName', 'accountEnabled', 'userType', 'mail'] as const;

export function userPath(idOrUpn: string, select: readonly string[] = USER_SELECT): string {
  return `/users/${seg(idOrUpn)}${buildQuery({ $select: select })}`;
}

/** By object id or UPN; undefined when there is no such user. */
export function getUser(gw: GraphGateway, idOrUpn: string, select: readonly string[] = USER_SELECT): Promise<User | undefined> {
  return gw.getOrUndefined<User>(userPath(idOrUpn, select));
}

export interface FindUsersOptions {
  filter?: string;
  select?: readonly string[];
  top?: number;
  /** Advanced query (endsWith, $count, …): adds `ConsistencyLevel: eventual` and `$count=true`. */
  advanced?: boolean;
  onProgress?: (n: number) => void;
  signal?: AbortSignal;
}

export function findUsers(gw: GraphGateway, options: FindUsersOptions = {}): Promise<User[]> {
  const query = buildQuery({
    $filter: options.filter,
    $select: options.select ?? USER_SELECT,
    $top: options.top ?? 999,
    $count: options.advanced ? 'true' : undefined,
  });
  return gw.listAll<User>(`/users${query}`, {
    ...(options.advanced ? { headers: { ConsistencyLevel: 'eventual' } } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** Graph takes at most 20 group ids per checkMemberGroups call. */
export const CHECK_MEMBER_GROUPS_LIMIT = 20;

/**
 * Which of these groups the user belongs to, nesting followed (`POST /users/{id}/checkMemberGroups`,
 * 20 ids per call). A read despite the POST, so it is retried like one.
 */
export async function checkMemberGroups(gw: GraphGateway, userId: string, groupIds: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(groupIds.map((g) => g.toLowerCase()))];
  const member = new Set<string>();
  for (let i = 0; i < unique.length; i += CHECK_MEMBER_GROUPS_LIMIT) {
    const chunk = unique.slice(i, i + CHECK_MEMBER_GROUPS_LIMIT);
    const res = await gw.post<{ value?: unknown[] }>(`/users/${seg(userId)}/checkMemberGroups`, { groupIds: chunk }, { idempotent: true });
    for (const id of res?.value ?? []) if (typeof id === 'string') member.add(id.toLowerCase());
  }
  return member;
}
