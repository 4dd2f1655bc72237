// Apply's writes for AuthenticationStrength and NamedLocation resources, and the hand-over of the
// ids they create to the CA policy bodies written after them in the same apply.
import {
  createAuthenticationStrength,
  createNamedLocation,
  deleteAuthenticationStrength,
  deleteNamedLocation,
  updateAllowedCombinations,
  updateAuthenticationStrength,
  updateNamedLocation,
  type GraphGateway,
} from '../graph/index.js';
import { PENDING_ID, pendingId } from '../plan/references.js';
import type { PlanResource } from '../plan/types.js';
import type { Json } from '../util/json.js';

export const REFERENCE_KINDS = new Set(['AuthenticationStrength', 'AuthenticationStrengthCombinations', 'NamedLocation']);

/** Sends one verified strength/location write; returns the id of a created object. */
export async function writeReference(gw: GraphGateway, resource: PlanResource): Promise<string | undefined> {
  const w = resource.write;
  if (!w) return undefined;
  if (w.method !== 'POST' || resource.kind === 'AuthenticationStrengthCombinations') {
    if (!w.graphId) throw new Error(`${resource.address}: a ${w.method} without a graphId was planned`);
  }
  switch (resource.kind) {
    case 'AuthenticationStrength':
      if (w.method === 'POST') return String((await createAuthenticationStrength(gw, w.body)).id);
      if (w.method === 'PATCH') await updateAuthenticationStrength(gw, w.graphId!, w.body);
      else await deleteAuthenticationStrength(gw, w.graphId!);
      return undefined;
    case 'AuthenticationStrengthCombinations':
      await updateAllowedCombinations(gw, w.graphId!, (w.body.allowedCombinations as string[]) ?? []);
      return undefined;
    case 'NamedLocation':
      if (w.method === 'POST') return String((await createNamedLocation(gw, w.body)).id);
      if (w.method === 'PATCH') await updateNamedLocation(gw, w.graphId!, w.body);
      else await deleteNamedLocation(gw, w.graphId!);
      return undefined;
    default:
      throw new Error(`${resource.address}: not a strength or location resource`);
  }
}

/** Records a created object's id under the token CA bodies of this plan use for it. */
export function recordCreated(created: Map<string, string>, resource: PlanResource, id: string | undefined): void {
  if (id !== undefined && resource.write?.method === 'POST') created.set(pendingId(resource.address), id);
}

/**
 * The resource with every pending id in its body replaced by the created object's id. A pending id
 * whose object was not created (its create failed or is not in this apply) stops the write.
 */
export function withCreatedIds(resource: PlanResource, created: ReadonlyMap<string, string>): PlanResource {
  if (!resource.write) return resource;
  const swap = (value: unknown): unknown => {
    if (typeof value === 'string' && PENDING_ID.test(value)) {
      const id = created.get(value);
      if (!id) throw new Error(`${resource.address}: ${value} was not created in this apply`);
      return id;
    }
    if (Array.isArray(value)) return value.map(swap);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  return { ...resource, write: { ...resource.write, body: swap(resource.write.body) as Json } };
}
