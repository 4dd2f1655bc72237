// Named locations, v1.0: /identity/conditionalAccess/namedLocations (conditionalaccessroot-list-namedlocations,
// -post-namedlocations, namedlocation-update, namedlocation-delete). Bodies name the derived type
// (#microsoft.graph.ipNamedLocation / countryNamedLocation); create 201, update and delete 204.
// Read: Policy.Read.All; write: Policy.ReadWrite.ConditionalAccess with Policy.Read.All.
import type { NamedLocation } from '@microsoft/microsoft-graph-types';
import type { GraphGateway } from './gateway.js';
import { GraphRequestError } from './graphError.js';
import { seg } from './odata.js';
import { parseNamedLocation, type GraphJson } from './payloads.js';
import type { Json } from '../util/json.js';

export const NAMED_LOCATIONS_PATH = '/identity/conditionalAccess/namedLocations';

/** Every named location, each checked (payloads.ts). */
export async function listNamedLocations(gw: GraphGateway): Promise<GraphJson<NamedLocation>[]> {
  return (await gw.listAll<unknown>(NAMED_LOCATIONS_PATH)).map((l, i) => parseNamedLocation(l, { path: NAMED_LOCATIONS_PATH }, i));
}

/** POST (201); an unknown outcome is settled by looking the name up, never by sending again. */
export async function createNamedLocation(gw: GraphGateway, body: Json): Promise<Json> {
  try {
    return await gw.post<Json>(NAMED_LOCATIONS_PATH, body);
  } catch (err) {
    if (!(err instanceof GraphRequestError) || !err.outcomeUnknown || typeof body.displayName !== 'string') throw err;
    const name = body.displayName.toLowerCase();
    let hits: Json[];
    try {
      hits = (await listNamedLocations(gw)).filter((l) => (l.displayName ?? '').toLowerCase() === name);
    } catch {
      throw err;
    }
    if (hits.length === 1) return hits[0]!;
    throw err;
  }
}

/** PATCH (204); the body carries the derived @odata.type. */
export async function updateNamedLocation(gw: GraphGateway, id: string, body: Json): Promise<void> {
  await gw.patch(`${NAMED_LOCATIONS_PATH}/${seg(id)}`, body);
}

export async function deleteNamedLocation(gw: GraphGateway, id: string): Promise<void> {
  await gw.delete(`${NAMED_LOCATIONS_PATH}/${seg(id)}`);
}
