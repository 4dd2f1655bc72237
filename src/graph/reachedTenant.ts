/**
 * Which tenant a gateway actually talks to. The Tenant document only says which tenant the policies
 * are for; the token (its `tid` claim) and Graph itself (GET /organization) say which one is reached.
 */
import { UserError } from '../errors.js';
import type { GraphGateway } from './gateway.js';
import { GraphRequestError } from './graphError.js';

export interface ReachedTenant {
  /** Lower-case GUID. */
  tenantId: string;
  /** Where it was read: the token's tid claim, /organization, or both (and they agreed). */
  via: Array<'token' | 'organization'>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids from a token or from Graph are data: shown only once they are known to be a GUID. */
function tenantGuid(value: unknown, where: string): string {
  if (typeof value === 'string' && GUID.test(value)) return value.toLowerCase();
  const shown = JSON.stringify(String(value).slice(0, 80)).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  throw new UserError(`${where} names tenant ${shown}, which is not a tenant id (a GUID)`);
}

/**
 * The tenant reached: the token's `tid` (when the token is a JWT) and GET /organization (when the
 * identity may read it; Organization.Read.All is optional when the token names its tenant). Both
 * known and different is an error; neither known is an error too, since nothing could be bound.
 */
export async function readReachedTenant(gw: GraphGateway): Promise<ReachedTenant> {
  const grants = await gw.tokenGrants();
  const fromToken = 'grants' in grants && grants.grants.tenantId !== undefined ? tenantGuid(grants.grants.tenantId, "the token's tid claim") : undefined;

  let fromGraph: string | undefined;
  let graphReason: string | undefined;
  try {
    const orgs = await gw.listAll<{ id?: unknown }>('/organization?$select=id');
    if (orgs.length === 1) fromGraph = tenantGuid(orgs[0]!.id, `GET /organization at ${gw.baseUrl}`);
    else graphReason = `GET /organization returned ${orgs.length} organizations`;
  } catch (err) {
    // Without Organization.Read.All (403) the token's own claim is enough; any other failure is a real one.
    if (!(err instanceof GraphRequestError) || err.status !== 403 || fromToken === undefined) throw err;
    graphReason = err.message;
  }

  if (fromToken && fromGraph && fromToken !== fromGraph) {
    throw new UserError(`the token is for tenant ${fromToken}, but ${gw.baseUrl} serves tenant ${fromGraph} (GET /organization): refusing to work on a tenant that is not certain`);
  }
  const tenantId = fromToken ?? fromGraph;
  if (!tenantId) {
    const tokenReason = 'grants' in grants ? 'the token has no tid claim' : grants.reason;
    throw new UserError('cannot tell which tenant Graph serves, so nothing was read', { detail: `token: ${tokenReason}\n/organization: ${graphReason ?? 'no answer'}` });
  }
  return { tenantId, via: [...(fromToken ? (['token'] as const) : []), ...(fromGraph ? (['organization'] as const) : [])] };
}
