/**
 * JSON $batch: Graph's validation (at most 20 steps, unique ids, relative urls, a body needs a
 * Content-Type header — all failing the whole batch with 400), dependsOn, and per-item results
 * (each item is faulted and throttled on its own, with its own Retry-After).
 */
import { badRequest, GraphError } from './graphError.js';
import { Prng } from './prng.js';
import type { ApiRequest, ApiResponse } from './routes/common.js';

export const MAX_BATCH_STEPS = 20;

interface Step {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

function validate(body: unknown): Step[] {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as { requests?: unknown }).requests)) {
    throw badRequest("Invalid batch payload format: a 'requests' array is required.");
  }
  const raw = (body as { requests: unknown[] }).requests;
  if (raw.length === 0) throw badRequest('The batch request must contain at least one request.');
  if (raw.length > MAX_BATCH_STEPS) throw badRequest(`Number of batch request steps exceeds the maximum of ${MAX_BATCH_STEPS}.`);
  const steps: Step[] = [];
  const ids = new Set<string>();
  for (const r of raw) {
    if (r === null || typeof r !== 'object') throw badRequest('Invalid batch payload format.');
    const o = r as Record<string, unknown>;
    const id = typeof o.id === 'string' ? o.id : typeof o.id === 'number' ? String(o.id) : '';
    if (!id) throw badRequest("Each batch request step must have an 'id'.");
    if (ids.has(id)) throw badRequest(`Batch request step id '${id}' is not unique. Step ids must be unique within a batch request.`);
    ids.add(id);
    const method = typeof o.method === 'string' ? o.method.toUpperCase() : '';
    if (!['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].includes(method)) throw badRequest(`Invalid method '${String(o.method)}' in batch request step '${id}'.`);
    const url = typeof o.url === 'string' ? o.url : '';
    if (!url) throw badRequest(`Batch request step '${id}' must have a 'url'.`);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw badRequest(`Invalid request URI in step '${id}': batch request URLs must be relative.`);
    const headers: Record<string, string> = {};
    if (o.headers !== undefined) {
      if (o.headers === null || typeof o.headers !== 'object') throw badRequest(`Invalid headers in batch request step '${id}'.`);
      for (const [k, v] of Object.entries(o.headers as Record<string, unknown>)) headers[k.toLowerCase()] = String(v);
    }
    if (o.body !== undefined && o.body !== null && headers['content-type'] === undefined) {
      throw badRequest(`Write request with id '${id}' does not contain a Content-Type header.`);
    }
    const dependsOn = o.dependsOn === undefined ? [] : o.dependsOn;
    if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string' || !ids.has(d) || d === id)) {
      throw badRequest(`Invalid dependsOn in batch request step '${id}': it must name earlier steps of the same batch.`);
    }
    steps.push({ id, method, url, headers, body: o.body, dependsOn: dependsOn as string[] });
  }
  return steps;
}

export type ItemExecutor = (req: ApiRequest) => Promise<ApiResponse>;

/**
 * Runs a validated batch; responses come back in a (seeded) shuffled order, like Graph's "any order".
 * `errorResponse` renders a step's own failure (424) in Graph's error envelope, request ids included.
 */
export async function runBatch(outer: ApiRequest, execute: ItemExecutor, shuffleSeed: number, errorResponse: (e: GraphError) => ApiResponse): Promise<ApiResponse> {
  const steps = validate(outer.body);
  const results = new Map<string, { id: string; status: number; headers: Record<string, string>; body?: unknown }>();
  for (const step of steps) {
    const failedDep = step.dependsOn.find((d) => (results.get(d)?.status ?? 0) >= 400);
    if (failedDep !== undefined) {
      const failed = errorResponse(new GraphError(424, 'FailedDependency', `Request failed because a request it depends on ('${failedDep}') failed.`));
      results.set(step.id, { id: step.id, status: 424, headers: { 'Content-Type': 'application/json' }, body: failed.body });
      continue;
    }
    const rel = step.url.startsWith('/') ? step.url : `/${step.url}`;
    const qIndex = rel.indexOf('?');
    let path = qIndex < 0 ? rel : rel.slice(0, qIndex);
    const versionPrefix = /^\/(v1\.0|beta)(?=\/)/i.exec(path);
    if (versionPrefix) path = path.slice(versionPrefix[0].length);
    const query = new Map<string, string>();
    if (qIndex >= 0) for (const [k, v] of new URLSearchParams(rel.slice(qIndex + 1))) query.set(k.toLowerCase(), v);
    const res = await execute({ method: step.method, version: versionPrefix ? versionPrefix[1]!.toLowerCase() : outer.version, path, query, headers: { ...outer.headers, ...step.headers }, body: step.body });
    const item: { id: string; status: number; headers: Record<string, string>; body?: unknown } = { id: step.id, status: res.status, headers: { ...(res.headers ?? {}) } };
    if (res.body !== undefined) {
      item.headers['Content-Type'] = 'application/json';
      item.body = res.body;
    }
    results.set(step.id, item);
  }
  const responses = [...results.values()];
  const prng = new Prng(shuffleSeed);
  for (let i = responses.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [responses[i], responses[j]] = [responses[j]!, responses[i]!];
  }
  return { status: 200, body: { responses } };
}
