// Authentication strength policies, v1.0: /policies/authenticationStrengthPolicies
// (learn.microsoft.com/graph/api/authenticationstrengthroot-list-policies and the pages it links).
// The list returns the built-in strengths too. PATCH changes displayName/description only (204);
// allowedCombinations change only through the updateAllowedCombinations action (200 with an
// updateAllowedCombinationsResult). Write permission: Policy.ReadWrite.ConditionalAccess.
import type { AuthenticationStrengthPolicy } from '@microsoft/microsoft-graph-types';
import type { GraphGateway } from './gateway.js';
import { GraphRequestError } from './graphError.js';
import { seg } from './odata.js';
import { parseAuthenticationStrength, type GraphJson } from './payloads.js';
import type { Json } from '../util/json.js';

export const STRENGTHS_PATH = '/policies/authenticationStrengthPolicies';

/** Every strength, built-in ones included, each checked (payloads.ts). */
export async function listAuthenticationStrengths(gw: GraphGateway): Promise<GraphJson<AuthenticationStrengthPolicy>[]> {
  return (await gw.listAll<unknown>(STRENGTHS_PATH)).map((s, i) => parseAuthenticationStrength(s, { path: STRENGTHS_PATH }, i));
}

/**
 * POST (201). Not idempotent: when the outcome is unknown, exactly one custom strength of that name
 * afterwards means the create went through; otherwise the original error stands.
 */
export async function createAuthenticationStrength(gw: GraphGateway, body: Json): Promise<Json> {
  try {
    return await gw.post<Json>(STRENGTHS_PATH, { '@odata.type': '#microsoft.graph.authenticationStrengthPolicy', ...body });
  } catch (err) {
    if (!(err instanceof GraphRequestError) || !err.outcomeUnknown || typeof body.displayName !== 'string') throw err;
    const name = body.displayName.toLowerCase();
    let hits: Json[];
    try {
      hits = (await listAuthenticationStrengths(gw)).filter((s) => (s.displayName ?? '').toLowerCase() === name);
    } catch {
      throw err;
    }
    if (hits.length === 1) return hits[0]!;
    throw err;
  }
}

/** PATCH displayName/description (204); Graph does not take allowedCombinations here. */
export async function updateAuthenticationStrength(gw: GraphGateway, id: string, body: Json): Promise<void> {
  await gw.patch(`${STRENGTHS_PATH}/${seg(id)}`, { '@odata.type': '#microsoft.graph.authenticationStrengthPolicy', ...body });
}

/** POST …/updateAllowedCombinations: replaces the whole list (idempotent in effect). */
export async function updateAllowedCombinations(gw: GraphGateway, id: string, allowedCombinations: readonly string[]): Promise<Json> {
  return gw.post<Json>(`${STRENGTHS_PATH}/${seg(id)}/updateAllowedCombinations`, { allowedCombinations });
}

/** DELETE (204). Graph refuses to delete a strength a CA policy still uses. */
export async function deleteAuthenticationStrength(gw: GraphGateway, id: string): Promise<void> {
  await gw.delete(`${STRENGTHS_PATH}/${seg(id)}`);
}
