import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import type { GraphGateway } from './gateway.js';
import { UserError } from '../errors.js';
import { GraphRequestError } from './graphError.js';
import { buildQuery, odataString, seg } from './odata.js';
import { parseCaPolicies, parseCaPolicy, type LiveCaPolicy } from './payloads.js';

const POLICIES = '/identity/conditionalAccess/policies';

/** Graph rejects or ignores these on writes. */
export const CA_READ_ONLY_FIELDS = ['id', 'createdDateTime', 'modifiedDateTime', 'templateId', 'deletedDateTime'] as const;

export function stripReadOnlyPolicyFields<T extends Record<string, unknown>>(policy: T): Omit<T, (typeof CA_READ_ONLY_FIELDS)[number]> {
  const copy: Record<string, unknown> = { ...policy };
  for (const key of CA_READ_ONLY_FIELDS) delete copy[key];
  for (const key of Object.keys(copy)) if (key.startsWith('@odata.') && key !== '@odata.type') delete copy[key];
  return copy as Omit<T, (typeof CA_READ_ONLY_FIELDS)[number]>;
}

/** Every policy, each checked (payloads.ts); `conditions` is required unless a `$select` left it out. */
export async function listPolicies(gw: GraphGateway, options: { filter?: string; select?: readonly string[] } = {}): Promise<LiveCaPolicy[]> {
  const path = `${POLICIES}${buildQuery({ $filter: options.filter, $select: options.select })}`;
  const conditionsRequired = !options.select || options.select.includes('conditions');
  return parseCaPolicies(await gw.listAll<unknown>(path), { path }, { conditionsRequired });
}

/** undefined when the policy does not exist. */
export async function getPolicy(gw: GraphGateway, id: string): Promise<LiveCaPolicy | undefined> {
  const path = `${POLICIES}/${seg(id)}`;
  const body = await gw.getOrUndefined<unknown>(path);
  return body === undefined ? undefined : parseCaPolicy(body, { path });
}

/** Used to find a create whose outcome is unknown: only the id and name are read, so conditions are not required. */
export async function findPoliciesByDisplayName(gw: GraphGateway, displayName: string): Promise<LiveCaPolicy[]> {
  const path = `${POLICIES}${buildQuery({ $filter: `displayName eq ${odataString(displayName)}` })}`;
  return parseCaPolicies(await gw.listAll<unknown>(path), { path }, { conditionsRequired: false });
}

/**
 * Refuses to create a second policy with a name that is already taken: checked just before the
 * POST, because two applies of one plan both pass the stale check (each read the tenant before the
 * other wrote) and would otherwise both create it. Graph does not keep display names unique, so only
 * a read can tell. `$filter` on displayName is documented for the list
 * (learn.microsoft.com/graph/api/conditionalaccessroot-list-policies); the hits are compared again
 * without case, as the planner matches names.
 */
export async function assertPolicyNameFree(gw: GraphGateway, displayName: string): Promise<void> {
  const hits = (await listPolicies(gw, { filter: `displayName eq ${odataString(displayName)}`, select: ['id', 'displayName'] })).filter(
    (p) => typeof p.displayName === 'string' && p.displayName.toLowerCase() === displayName.toLowerCase(),
  );
  if (hits.length === 0) return;
  throw new UserError(
    `a Conditional Access policy named "${displayName}" already exists (id ${hits.map((p) => String(p.id)).join(', ')}): it was created after this plan read the tenant, perhaps by another apply; it was not created again. Run \`entra-rollout plan\` to see the tenant as it is now`,
  );
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
    let hits: LiveCaPolicy[];
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

/** Deletes a CA policy (the preflight twin the tool owns; Graph answers 204). */
export async function deletePolicy(gw: GraphGateway, id: string): Promise<void> {
  await gw.delete(`${POLICIES}/${seg(id)}`);
}
