/** Request/response types shared by the route modules, plus $select, $top and paging helpers. */
import { badRequest } from '../graphError.js';
import { checkFilter, type FilterNode, type FilterSupport, parseFilter } from '../odataFilter.js';
import type { Json, Tenant } from '../tenant.js';

export interface ApiRequest {
  method: string;
  /** 'v1.0' or 'beta' */
  version: string;
  /** Path below the version prefix, e.g. /groups/{id}/members */
  path: string;
  /** Query parameters, keys lower-cased ($filter, $select, ...). */
  query: Map<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body: unknown;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * What the emulator does with a query option a list endpoint does not document (Microsoft Learn's
 * "Optional query parameters" section of its page): `ignore` it (the default: the docs only say
 * what is supported), `reject` it with a 400, or `honour` it as if documented.
 */
export type UndocumentedQueryMode = 'ignore' | 'reject' | 'honour';
export const UNDOCUMENTED_QUERY_MODES: readonly UndocumentedQueryMode[] = ['ignore', 'reject', 'honour'];

export interface Ctx {
  tenant: Tenant;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Absent: `ignore`. */
  undocumentedQuery?: UndocumentedQueryMode;
  /** The app's granted permissions when a test configured them (null/absent: everything granted). */
  roles?: readonly string[] | null;
}

export type Handler = (req: ApiRequest, ctx: Ctx, params: string[]) => ApiResponse | Promise<ApiResponse>;

export const ok = (body: unknown): ApiResponse => ({ status: 200, body });
export const created = (body: unknown): ApiResponse => ({ status: 201, body });
export const noContent = (): ApiResponse => ({ status: 204 });

export function contextUrl(ctx: Ctx, req: ApiRequest, fragment: string): string {
  return `${ctx.origin}/${req.version}/$metadata#${fragment}`;
}

export function selectList(req: ApiRequest): string[] | undefined {
  const raw = req.query.get('$select');
  if (raw === undefined) return undefined;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

/** Keeps only the selected properties (case-insensitive), plus @odata.type when present. */
export function applySelect(obj: Json, select: string[] | undefined, defaults?: readonly string[]): Json {
  const keys = select ?? defaults;
  if (!keys) return obj;
  const out: Json = {};
  if ('@odata.type' in obj) out['@odata.type'] = obj['@odata.type'];
  const lowerMap = new Map(Object.keys(obj).map((k) => [k.toLowerCase(), k]));
  for (const k of keys) {
    const real = lowerMap.get(k.toLowerCase());
    if (real !== undefined) out[real] = obj[real];
  }
  return out;
}

export function parseTop(req: ApiRequest, defaultTop: number, maxTop: number): number {
  const raw = req.query.get('$top');
  if (raw === undefined) return defaultTop;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > maxTop) {
    throw badRequest(`Invalid page size specified: '${raw}'. Must be between 1 and ${maxTop} inclusive.`, 'Request_UnsupportedQuery');
  }
  return n;
}

export function parseFilterParam(req: ApiRequest, support: FilterSupport): FilterNode | undefined {
  const raw = req.query.get('$filter');
  if (raw === undefined || raw.trim() === '') return undefined;
  let node: FilterNode;
  try {
    node = parseFilter(raw);
  } catch (e) {
    if (e instanceof Error && 'status' in e && support.errorCode) throw badRequest(e.message, support.errorCode);
    throw e;
  }
  checkFilter(node, support);
  return node;
}

export function rejectUnsupportedParams(req: ApiRequest, allowed: readonly string[]): void {
  for (const k of req.query.keys()) {
    if (k.startsWith('$') && !allowed.includes(k) && k !== '$skiptoken') {
      throw badRequest(`Query option '${k}' is not supported on this resource.`, 'Request_UnsupportedQuery');
    }
  }
}

/**
 * Applies the emulator's mode for query options the endpoint does not document (`documented` lists
 * the `$` options its Learn page names; `$skiptoken` always passes). `supported` are the options the
 * emulator can carry out in `honour` mode. Returns the request as the route should see it.
 */
export function documentedQuery(req: ApiRequest, ctx: Ctx, documented: readonly string[], supported: readonly string[]): ApiRequest {
  const mode = ctx.undocumentedQuery ?? 'ignore';
  if (mode === 'honour') {
    rejectUnsupportedParams(req, supported);
    return req;
  }
  if (mode === 'reject') {
    rejectUnsupportedParams(req, documented);
    return req;
  }
  const query = new Map([...req.query].filter(([k]) => !k.startsWith('$') || k === '$skiptoken' || documented.includes(k)));
  return { ...req, query };
}

function encodeSkip(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function decodeSkip(token: string): number {
  const s = Buffer.from(token, 'base64url').toString('utf8');
  const m = /^o:(\d+)$/.exec(s);
  if (!m) throw badRequest(`Invalid $skiptoken '${token}'.`, 'Request_UnsupportedQuery');
  return Number(m[1]);
}

/**
 * Pages over an indexed source: scans from the skiptoken position, collecting up to `top` items
 * that `get` returns (undefined = filtered out), and links the next page absolutely.
 */
export function pageScan(
  req: ApiRequest,
  ctx: Ctx,
  length: number,
  get: (i: number) => Json | undefined,
  opts: { defaultTop: number; maxTop: number; context: string; topIsTotal?: boolean },
): ApiResponse {
  const top = parseTop(req, opts.defaultTop, opts.maxTop);
  const skip = req.query.get('$skiptoken');
  let i = skip === undefined ? 0 : decodeSkip(skip);
  const value: Json[] = [];
  while (i < length && value.length < top) {
    const item = get(i);
    i++;
    if (item !== undefined) value.push(item);
  }
  const body: Json = { '@odata.context': contextUrl(ctx, req, opts.context), value };
  if (req.query.get('$count')?.toLowerCase() === 'true') {
    // `$count=true` answers the total of matching items with every page (group-list.md Example 2,
    // group-list-transitivemembers.md Example 4): counted only when asked, it costs a full scan.
    let count = 0;
    for (let k = 0; k < length; k++) if (get(k) !== undefined) count++;
    body['@odata.count'] = count;
  }
  if (i < length && value.length === top) {
    // Graph only returns a next link when more might follow; a final empty page is possible, as on Graph.
    const params: string[] = [];
    for (const [k, v] of req.query) if (k !== '$skiptoken') params.push(`${k}=${encodeURIComponent(v)}`);
    params.push(`$skiptoken=${encodeSkip(i)}`);
    body['@odata.nextLink'] = `${ctx.origin}/${req.version}${req.path}?${params.join('&')}`;
  }
  return ok(body);
}

export function bodyObject(req: ApiRequest): Json {
  if (req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
    throw badRequest('Empty or invalid request body: a JSON object is required.', 'BadRequest');
  }
  return req.body as Json;
}

/** Extracts the object id from "https://graph.microsoft.com/v1.0/directoryObjects/{id}" (or /users/, /groups/). */
export function idFromODataRef(ref: unknown): string | undefined {
  if (typeof ref !== 'string') return undefined;
  const m = /\/(?:directoryObjects|users|groups)\/([^/?#]+)\/?$/i.exec(ref);
  return m ? decodeURIComponent(m[1]!) : undefined;
}
