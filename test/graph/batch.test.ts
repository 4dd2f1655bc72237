import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchItem } from '../../src/graph/batch.js';
import { ORIGIN, graphError, makeGateway, setupNock, teardownNock } from './helpers.js';

beforeEach(setupNock);
afterEach(teardownNock);

interface WireRequest {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}
type Responder = (req: WireRequest, call: number) => { status: number; headers?: Record<string, string>; body?: unknown };

/** A fake $batch endpoint: records every envelope, answers each item via `respond`, in reverse order. */
function batchEndpoint(respond: Responder, base = '/v1.0') {
  const envelopes: WireRequest[][] = [];
  nock(ORIGIN)
    .post(`${base}/$batch`)
    .times(50)
    .reply(200, (_uri, body) => {
      const requests = (body as { requests: WireRequest[] }).requests;
      envelopes.push(requests);
      const call = envelopes.length;
      return { responses: requests.map((r) => ({ id: r.id, ...respond(r, call) })).reverse() };
    });
  return envelopes;
}

describe('batch', () => {
  it('splits 45 requests into 3 envelopes of at most 20 and returns results in input order', async () => {
    const envelopes = batchEndpoint((r) => ({ status: 200, body: { url: r.url } }));
    const { gw } = makeGateway();
    const items: BatchItem[] = Array.from({ length: 45 }, (_, i) => ({ method: 'GET', url: `/users/u${i}?$select=id` }));
    const results = await gw.batch(items);
    expect(envelopes.map((e) => e.length)).toEqual([20, 20, 5]);
    expect(results).toHaveLength(45);
    results.forEach((r, i) => {
      expect(r).toMatchObject({ index: i, status: 200, ok: true, body: { url: `/users/u${i}?$select=id` } });
    });
    expect(gw.stats()).toMatchObject({ batchRequests: 3, batchItems: 45, totalRequests: 3 });
    nock.cleanAll();
  });

  it('with retryItems: false hands throttled and 5xx items back at once, with their Retry-After', async () => {
    const envelopes = batchEndpoint((r) =>
      r.id === '0' ? { status: 429, headers: { 'Retry-After': '2' }, body: graphError('TooManyRequests', 'slow down') } : r.id === '1' ? { status: 503, body: graphError('serviceNotAvailable', 'x') } : { status: 204 },
    );
    const { gw } = makeGateway();
    const results = await gw.batch(
      [
        { method: 'DELETE', url: '/users/a/authentication/phoneMethods/x' },
        { method: 'GET', url: '/users/b' },
        { method: 'DELETE', url: '/users/c/authentication/phoneMethods/x' },
      ],
      { retryItems: false },
    );
    expect(envelopes).toHaveLength(1);
    expect(results.map((r) => r.status)).toEqual([429, 503, 204]);
    expect(results[0]!.error?.retryAfterMs).toBe(2000);
    expect(results[1]!.error?.outcomeUnknown).toBe(false);
    nock.cleanAll();
  });

  it('sets Content-Type on items with a body only', async () => {
    const envelopes = batchEndpoint(() => ({ status: 204 }));
    const { gw } = makeGateway();
    await gw.batch([
      { method: 'PATCH', url: '/groups/g1', body: { description: 'x' } },
      { method: 'DELETE', url: '/groups/g1/members/u1/$ref' },
      { method: 'PATCH', url: 'groups/g2', body: { a: 1 }, headers: { 'content-type': 'application/json; charset=utf-8' } },
    ]);
    const [patch, del, custom] = envelopes[0]!;
    expect(patch!.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(patch!.body).toEqual({ description: 'x' });
    expect(del!.headers).toBeUndefined();
    expect(custom!.headers).toEqual({ 'content-type': 'application/json; charset=utf-8' });
    expect(custom!.url).toBe('/groups/g2');
    nock.cleanAll();
  });

  it('reports partial failures per item with code and request-id', async () => {
    batchEndpoint((r) =>
      r.url.endsWith('missing')
        ? { status: 404, headers: { 'request-id': 'hdr-77' }, body: graphError('Request_ResourceNotFound', "Resource 'missing' does not exist.", 'item-77') }
        : { status: 200, body: { id: r.url } },
    );
    const { gw } = makeGateway();
    const results = await gw.batch([
      { method: 'GET', url: '/users/a' },
      { method: 'GET', url: '/users/missing' },
      { method: 'GET', url: '/users/c' },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    const err = results[1]!.error!;
    expect(err).toMatchObject({ status: 404, code: 'Request_ResourceNotFound', requestId: 'item-77', method: 'GET', path: '/users/missing' });
    expect(err.message).toContain('(request-id item-77)');
    nock.cleanAll();
  });

  it('retries only throttled items after the longest item Retry-After', async () => {
    const envelopes = batchEndpoint((r, call): ReturnType<Responder> => {
      if (call === 1 && r.url === '/users/b') return { status: 429, headers: { 'Retry-After': '2' }, body: graphError('TooManyRequests', 'slow') };
      if (call === 1 && r.url === '/users/c') return { status: 429, headers: { 'retry-after': '5' }, body: graphError('TooManyRequests', 'slow') };
      return { status: 200, body: { url: r.url, call } };
    });
    const { gw, clock } = makeGateway();
    const results = await gw.batch([
      { method: 'GET', url: '/users/a' },
      { method: 'GET', url: '/users/b' },
      { method: 'GET', url: '/users/c' },
    ]);
    expect(envelopes.map((e) => e.map((r) => r.url))).toEqual([['/users/a', '/users/b', '/users/c'], ['/users/b', '/users/c']]);
    expect(clock.sleeps).toContain(5000);
    expect(results.map((r) => (r.body as { call: number }).call)).toEqual([1, 2, 2]);
    expect(gw.stats()).toMatchObject({ batchItemRetries: 2, throttled: 2 });
    nock.cleanAll();
  });

  it('retries 5xx items of idempotent requests but never a non-idempotent POST item', async () => {
    const envelopes = batchEndpoint((r, call) => {
      if (call === 1) return { status: 503, body: graphError('serviceNotAvailable', 'busy') };
      return { status: 200, body: { ok: r.url } };
    });
    const { gw } = makeGateway();
    const results = await gw.batch([
      { method: 'GET', url: '/users/a' },
      { method: 'POST', url: '/users/a/authentication/temporaryAccessPassMethods', body: {} },
      { method: 'POST', url: '/groups/g/members/$ref', body: { '@odata.id': 'x' }, idempotent: true },
    ]);
    expect(envelopes).toHaveLength(2);
    expect(envelopes[1]!.map((r) => r.url)).toEqual(['/users/a', '/groups/g/members/$ref']);
    expect(results[0]!.ok).toBe(true);
    expect(results[2]!.ok).toBe(true);
    expect(results[1]!.ok).toBe(false);
    expect(results[1]!.error!.outcomeUnknown).toBe(true);
    nock.cleanAll();
  });

  it('marks an item Graph did not answer', async () => {
    nock(ORIGIN)
      .post('/v1.0/$batch')
      .reply(200, { responses: [{ id: '0', status: 200, body: {} }] });
    const { gw } = makeGateway();
    const results = await gw.batch([
      { method: 'GET', url: '/users/a' },
      { method: 'GET', url: '/users/b' },
    ]);
    expect(results[1]).toMatchObject({ status: 0, ok: false });
    expect(results[1]!.error!.message).toMatch(/no response for this item/);
  });

  it('charges an envelope of conditional-access reads to that class', async () => {
    batchEndpoint(() => ({ status: 200, body: {} }));
    const { gw, clock } = makeGateway();
    const t0 = clock.now();
    await gw.batch([
      { method: 'GET', url: '/identity/conditionalAccess/policies/a' },
      { method: 'GET', url: '/identity/conditionalAccess/policies/b' },
      { method: 'GET', url: '/users/x' },
    ]);
    await gw.get('/identity/conditionalAccess/policies/c').catch(() => undefined);
    expect(gw.stats().requests.conditionalAccess).toBe(2);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(2000);
    nock.cleanAll();
  });

  // Learn "Throttling": requests in a $batch are evaluated individually; directory costs are resource units.
  it('charges a directory envelope the resource units of its items, not one', async () => {
    batchEndpoint(() => ({ status: 200, body: { value: [] } }));
    const { gw, clock } = makeGateway({ limits: { directory: { limit: 40, intervalMs: 10_000 } } });
    const t0 = clock.now();
    const items: BatchItem[] = Array.from({ length: 20 }, (_, i) => ({ method: 'GET' as const, url: `/groups/g${i}/transitiveMembers/microsoft.graph.user?$select=id&$top=999` }));
    await gw.batch(items); // 20 × 4 units: twice the window's 40
    await gw.batch([{ method: 'GET', url: '/users/x' }]);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(20_000);
    nock.cleanAll();
  });

  it('sends beta batches to the beta endpoint', async () => {
    const envelopes = batchEndpoint(() => ({ status: 200, body: { perUserMfaState: 'disabled' } }), '/beta');
    const { gw } = makeGateway();
    const results = await gw.batch([{ method: 'GET', url: '/users/a/authentication/requirements' }], { beta: true });
    expect(results[0]!.body).toEqual({ perUserMfaState: 'disabled' });
    expect(envelopes).toHaveLength(1);
    nock.cleanAll();
  });

  it('turns a failed envelope into item errors without retrying one that holds a non-idempotent POST', async () => {
    const scope = nock(ORIGIN).post('/v1.0/$batch').reply(503, graphError('serviceNotAvailable', 'busy', 'env-1'));
    const { gw } = makeGateway();
    const results = await gw.batch([
      { method: 'GET', url: '/users/a' },
      { method: 'POST', url: '/users/a/authentication/temporaryAccessPassMethods', body: {} },
    ]);
    scope.done();
    expect(gw.stats().totalRequests).toBe(1);
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(results[0]!.error!.outcomeUnknown).toBe(false);
    expect(results[1]!.error!.outcomeUnknown).toBe(true);
    expect(results[1]!.error!.message).toBe(
      'Graph POST /users/a/authentication/temporaryAccessPassMethods failed: 503 serviceNotAvailable: the $batch request failed: busy (request-id env-1); the request may or may not have been applied, check before retrying',
    );
    expect(results[1]!.error!.requestId).toBe('env-1');
  });
});
