/**
 * Turning a Graph HTTP response into data or a typed error: the body read with a size cap, JSON
 * checked to be an object, Graph's error envelope parsed, and the kind and "outcome unknown" of the
 * error decided from what the retry step (RequestPolicy) saw.
 */
import type { GraphResponse } from './gateway.js';
import { GraphRequestError, parseGraphErrorBody } from './graphError.js';
import type { RequestPolicy } from './middleware.js';
import type { HttpResponse } from './transport.js';

/** Say what a JSON value is without quoting it (it may be large). */
function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describeBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB` : `${n} bytes`;
}

/**
 * The body as text, counted as it streams: past `max` bytes the stream is cancelled and undefined
 * returned, so a 100 MB answer costs at most `max` bytes of memory, never the whole body.
 */
export async function readBodyCapped(res: HttpResponse, max: number): Promise<string | undefined> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    await res.discard().catch(() => undefined);
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.chunks()) {
    total += chunk.byteLength;
    if (total > max) {
      await res.discard().catch(() => undefined);
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

export async function readResponse<T>(res: HttpResponse, policy: RequestPolicy, maxBytes: number, maxSetting: string | undefined): Promise<GraphResponse<T>> {
  const headerRequestId = res.headers.get('request-id') ?? res.headers.get('client-request-id') ?? undefined;
  const base = { method: policy.method, path: policy.displayPath, status: res.status, requestId: headerRequestId };
  if (res.status >= 300 && res.status < 400) {
    // Never followed (see ThrottleMiddleware): Graph's API does not redirect, and following one
    // re-sent a $batch of names and phone numbers over plain http to whatever host it named.
    await res.discard().catch(() => undefined);
    const location = res.headers.get('location');
    throw new GraphRequestError({
      ...base,
      reason: `answered with a redirect${location ? ` to ${location.slice(0, 200)}` : ''}; redirects are never followed, nothing was re-sent`,
      outcomeUnknown: !policy.idempotent,
      final: true,
    });
  }
  let text: string | undefined;
  try {
    text = await readBodyCapped(res, maxBytes);
  } catch (err) {
    throw new GraphRequestError({
      ...base,
      reason: `response body could not be read: ${String((err as Error)?.message ?? err)}`,
      outcomeUnknown: !policy.idempotent,
      kind: 'transport',
      cause: err,
    });
  }
  if (text === undefined) {
    throw new GraphRequestError({
      ...base,
      reason: `the response body is larger than the ${describeBytes(maxBytes)} limit${maxSetting ? ` (${maxSetting})` : ''}; stopped reading it`,
      outcomeUnknown: res.ok && !policy.idempotent,
      kind: 'limit',
    });
  }
  const contentType = res.headers.get('content-type');
  if (res.ok) {
    if (res.status === 204 || text.trim() === '') return { status: res.status, headers: res.headers, data: undefined };
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      const kind = /html/i.test(contentType ?? '') || /^\s*<(!doctype|html)/i.test(text) ? 'an HTML page' : `invalid or truncated JSON (${contentType ?? 'no content-type'})`;
      throw new GraphRequestError({
        ...base,
        reason: `malformed response: the body is ${kind}`,
        // The write went through (2xx) but we cannot read what it returned.
        outcomeUnknown: !policy.idempotent,
      });
    }
    // Every Graph answer with a JSON body is an object; `null` (or a bare value) would surface later
    // as a TypeError far from the request that brought it.
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new GraphRequestError({
        ...base,
        reason: `malformed response: the body is ${describeJson(data)}, not a JSON object`,
        outcomeUnknown: !policy.idempotent,
      });
    }
    return { status: res.status, headers: res.headers, data: data as T };
  }
  const parsed = parseGraphErrorBody(text, contentType);
  throw new GraphRequestError({
    ...base,
    code: parsed.code,
    graphMessage: parsed.message,
    reason: parsed.malformed,
    requestId: parsed.requestId ?? headerRequestId,
    outcomeUnknown: policy.outcomeUnknown || (!policy.idempotent && res.status >= 500),
    retryAfterMs: policy.retryAfterMs,
    note: policy.giveUpNote,
    final: policy.giveUpNote !== undefined,
  });
}
