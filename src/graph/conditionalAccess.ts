import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import type { GraphGateway } from './gateway.js';
import { GraphRequestError } from './graphError.js';
import { buildQuery, odataString, seg } from './odata.js';

const POLICIES = '/identity/conditionalAccess/policies';

/** Graph rejects or ignores these on writes. */
export const CA_READ_ONLY_FIELDS = ['id', 'createdDateTime', 'modifiedDateTime', 'templateId', 'deletedDateTime'] as const;

export function stripReadOnlyPolicyFields<T extends Record<string, unknown>>(policy: T): Omit<T, (typeof CA_READ_ONLY_FIELDS)[number]> {
  const copy: Record<string, unknown> = { ...policy };
  for (const key of CA_READ_ONLY_FIELDS) delete copy[key];
  for (const key of Object.keys(copy)) if (key.startsWith('@odata.') && key !== '@odata.type') delete copy[key];
  return copy as Omit<T, (typeof CA_READ_ONLY_FIELDS)[number]>;
}

export function listPolicies(
  gw: GraphGateway,
  options: { filter?: string; select?: readonly string[] } = {},
): Promise<ConditionalAccessPolicy[]> {
  return gw.listAll<ConditionalAccessPolicy>(`${POLICIES}${buildQuery({ $filter: options.filter, $select: options.select })}`);
}

/** undefined when the policy does not exist. */
export function getPolicy(gw: GraphGateway, id: string): Promise<ConditionalAccessPolicy | undefined> {
  return gw.getOrUndefined<ConditionalAccessPolicy>(`${POLICIES}/${seg(id)}`);
}

export function findPoliciesByDisplayName(gw: GraphGateway, displayName: string): Promise<ConditionalAccessPolicy[]> {
  return listPolicies(gw, { filter: `displayName eq ${odataString(displayName)}` });
}

/**
 * POST a new policy (201). Not idempotent: a 5xx, reset or timeout is never retried blindly.
 * When the outcome is unknown, look the policy up by displayName: exactly one hit means the
 * create went through; otherwise the original error is rethrown for the caller to decide.
 */
export async function createPolicy(
  gw: GraphGateway,
  policy: ConditionalAccessPolicy & Record<string, unknown>,
): Promise<ConditionalAccessPolicy> {
  const body = stripReadOnlyPolicyFields(policy as Record<string, unknown>);
  try {
    return await gw.post<ConditionalAccessPolicy>(POLICIES, body);
  } catch (err) {
    if (!(err instanceof GraphRequestError) || !err.outcomeUnknown || typeof policy.displayName !== 'string') throw err;
    let hits: ConditionalAccessPolicy[];
    try {
      hits = await findPoliciesByDisplayName(gw, policy.displayName);
    } catch {
      throw err;
    }
    if (hits.length === 1) return hits[0]!;
    throw err;
  }
}

/** PATCH (204): omitted properties keep their values. */
export async function updatePolicy(gw: GraphGateway, id: string, patch: Record<string, unknown>): Promise<void> {
  await gw.patch(`${POLICIES}/${seg(id)}`, stripReadOnlyPolicyFields(patch));
}

/** DELETE (204, soft delete: restorable from deletedItems). */
export async function deletePolicy(gw: GraphGateway, id: string): Promise<void> {
  await gw.delete(`${POLICIES}/${seg(id)}`);
}
