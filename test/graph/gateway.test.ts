import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { TokenProvider } from '../../src/graph/credentials.js';
import { CredentialTokenProvider } from '../../src/graph/credentials.js';
import { connectGraph } from '../../src/graph/gateway.js';
import { GraphRequestError } from '../../src/graph/graphError.js';
import { createTemporaryAccessPass } from '../../src/graph/userMethods.js';
import { ORIGIN, graphError, makeGateway, netError, setupNock, teardownNock } from './helpers.js';

beforeEach(setupNock);
afterEach(teardownNock);

function caught(p: Promise<unknown>): Promise<GraphRequestError> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(GraphRequestError);
      return err as GraphRequestError;
    },
  );
}

const TAP_PATH = '/v1.0/users/u1/authentication/temporaryAccessPassMethods';

describe('retry', () => {
  it('honours Retry-After in whole seconds on 429', async () => {
    nock(ORIGIN).get('/v1.0/users/u1').reply(429, graphError('TooManyRequests', 'slow down'), { 'Retry-After': '3' });
    nock(ORIGIN).get('/v1.0/users/u1').reply(200, { id: 'u1' });
    const { gw, clock } = makeGateway();
    expect(await gw.get('/users/u1')).toEqual({ id: 'u1' });
    expect(clock.sleeps).toContain(3000);
    expect(gw.stats()).toMatchObject({ retries: 1, throttled: 1, totalRequests: 2 });
    expect(gw.stats().requests.directory).toBe(2);
  });

  it('honours fractional Retry-After and HTTP-date Retry-After', async () => {
    const { gw, clock } = makeGateway();
    const at = new Date(clock.now() + 5000).toUTCString();
    nock(ORIGIN).get('/v1.0/a').reply(429, '', { 'Retry-After': '0.5' });
    nock(ORIGIN).get('/v1.0/a').reply(503, '', { 'Retry-After': at });
    nock(ORIGIN).get('/v1.0/a').reply(200, { ok: true });
    expect(await gw.get('/a')).toEqual({ ok: true });
    expect(clock.sleeps.filter((s) => s === 500)).toHaveLength(1);
    expect(clock.sleeps.some((s) => s >= 4000 && s <= 5000)).toBe(true);
  });

  it('uses exponential backoff with full jitter when Retry-After is absent', async () => {
    nock(ORIGIN).get('/v1.0/b').times(3).reply(504, 'gateway timeout');
    nock(ORIGIN).get('/v1.0/b').reply(200, { ok: 1 });
    const { gw, clock } = makeGateway({ random: () => 0.5, retry: { baseDelayMs: 1000, maxDelayMs: 30_000 } });
    await gw.get('/b');
    expect(clock.sleeps).toEqual([500, 1000, 2000]);
  });

  it('with a timeScale speed-up, divides its own backoff but honours Retry-After as sent', async () => {
    nock(ORIGIN).get('/v1.0/s').reply(504, 'gateway timeout');
    nock(ORIGIN).get('/v1.0/s').reply(429, '', { 'Retry-After': '0.02' });
    nock(ORIGIN).get('/v1.0/s').reply(200, { ok: 1 });
    const { gw, clock } = makeGateway({ timeScale: 100, random: () => 0.5, retry: { baseDelayMs: 1000, maxDelayMs: 30_000 } });
    await gw.get('/s');
    expect(clock.sleeps).toEqual([5, 20]);
  });

  it('waits out more 429s than maxAttempts (clients sharing a throttle), within the total wait', async () => {
    nock(ORIGIN).get('/v1.0/busy').times(7).reply(429, graphError('TooManyRequests', 'slow down'), { 'Retry-After': '1' });
    nock(ORIGIN).get('/v1.0/busy').reply(200, { ok: true });
    const { gw } = makeGateway({ retry: { maxAttempts: 3 } });
    expect(await gw.get('/busy')).toEqual({ ok: true });
    expect(gw.stats()).toMatchObject({ throttled: 7, totalRequests: 8 });
  });

  it('gives up after maxAttempts with the last error', async () => {
    nock(ORIGIN).get('/v1.0/c').times(3).reply(503, graphError('serviceNotAvailable', 'busy', 'rid-9'));
    const { gw } = makeGateway({ retry: { maxAttempts: 3 } });
    const err = await caught(gw.get('/c'));
    expect(err.status).toBe(503);
    expect(err.code).toBe('serviceNotAvailable');
    expect(err.outcomeUnknown).toBe(false);
    expect(gw.stats().retries).toBe(2);
  });

  it('retries connection resets and undici "fetch failed" for a GET', async () => {
    nock(ORIGIN).get('/v1.0/d').replyWithError(netError('ECONNRESET', 'socket hang up'));
    nock(ORIGIN)
      .get('/v1.0/d')
      .replyWithError(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }));
    nock(ORIGIN).get('/v1.0/d').reply(200, { ok: 2 });
    const { gw } = makeGateway();
    expect(await gw.get('/d')).toEqual({ ok: 2 });
    expect(gw.stats().retries).toBe(2);
  });

  it('never retries a TAP POST on 503: one request, outcomeUnknown', async () => {
    const scope = nock(ORIGIN).post(TAP_PATH).reply(503, graphError('serviceNotAvailable', 'try later'));
    const extra = nock(ORIGIN).post(TAP_PATH).reply(201, { id: 'second' });
    const { gw } = makeGateway();
    const err = await caught(createTemporaryAccessPass(gw, 'u1', { lifetimeInMinutes: 60 }));
    expect(err.outcomeUnknown).toBe(true);
    expect(err.message).toMatch(/may or may not have been applied/);
    scope.done();
    expect(extra.isDone()).toBe(false);
    expect(gw.stats().totalRequests).toBe(1);
    nock.cleanAll();
  });

  it('never retries a TAP POST on a connection reset', async () => {
    nock(ORIGIN).post(TAP_PATH).replyWithError(netError('ECONNRESET', 'socket hang up'));
    const extra = nock(ORIGIN).post(TAP_PATH).reply(201, { id: 'second' });
    const { gw } = makeGateway();
    const err = await caught(createTemporaryAccessPass(gw, 'u1'));
    expect(err.outcomeUnknown).toBe(true);
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/ECONNRESET/);
    expect(extra.isDone()).toBe(false);
    expect(gw.stats().totalRequests).toBe(1);
    nock.cleanAll();
  });

  it('retries a TAP POST on 429 (Graph rejected it before executing it)', async () => {
    nock(ORIGIN).post(TAP_PATH).reply(429, graphError('TooManyRequests', 'throttled'), { 'Retry-After': '1' });
    nock(ORIGIN).post(TAP_PATH).reply(201, { id: 'tap', temporaryAccessPass: 'secret' });
    const { gw } = makeGateway();
    expect(await createTemporaryAccessPass(gw, 'u1')).toMatchObject({ id: 'tap' });
  });

  it('retries a POST marked idempotent on 503', async () => {
    nock(ORIGIN).post('/v1.0/users/u1/revokeSignInSessions').reply(503, '');
    nock(ORIGIN).post('/v1.0/users/u1/revokeSignInSessions').reply(200, { value: true });
    const { gw } = makeGateway();
    expect(await gw.post('/users/u1/revokeSignInSessions', undefined, { idempotent: true })).toEqual({ value: true });
  });

  it('pauses the whole class after a 429 so other callers wait too', async () => {
    nock(ORIGIN).get('/v1.0/identity/conditionalAccess/policies/p1').reply(429, '', { 'Retry-After': '7' });
    nock(ORIGIN).get('/v1.0/identity/conditionalAccess/policies/p1').reply(200, { id: 'p1' });
    nock(ORIGIN).get('/v1.0/identity/conditionalAccess/policies/p2').reply(200, { id: 'p2' });
    const { gw, clock } = makeGateway();
    const t0 = clock.now();
    await gw.get('/identity/conditionalAccess/policies/p1');
    await gw.get('/identity/conditionalAccess/policies/p2');
    expect(clock.now() - t0).toBeGreaterThanOrEqual(8000);
    expect(gw.stats().throttledByClass.conditionalAccess).toBe(1);
  });
});

describe('errors', () => {
  it('maps status, Graph code, message and request-id', async () => {
    nock(ORIGIN)
      .get('/v1.0/groups')
      .query(true)
      .reply(403, graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', '1234-abcd'));
    const { gw } = makeGateway();
    const err = await caught(gw.get(`/groups?$filter=${encodeURIComponent("displayName eq 'X'")}`));
    expect(err).toBeInstanceOf(UserError);
    expect(err).toMatchObject({ status: 403, code: 'Authorization_RequestDenied', requestId: '1234-abcd', method: 'GET' });
    expect(err.message).toBe(
      "Graph GET /groups?$filter=displayName eq 'X' failed: 403 Authorization_RequestDenied: Insufficient privileges to complete the operation. (request-id 1234-abcd)",
    );
    expect(err.message).not.toContain('test-token');
  });

  it('falls back to the request-id header', async () => {
    nock(ORIGIN).get('/v1.0/x').reply(404, { error: { code: 'Request_ResourceNotFound', message: 'gone' } }, { 'request-id': 'hdr-1' });
    const { gw } = makeGateway();
    const err = await caught(gw.get('/x'));
    expect(err.requestId).toBe('hdr-1');
    expect(await (async () => {
      nock(ORIGIN).get('/v1.0/x').reply(404, graphError('Request_ResourceNotFound', 'gone'));
      return gw.getOrUndefined('/x');
    })()).toBeUndefined();
  });

  it('reports truncated JSON as a malformed response, never a result', async () => {
    nock(ORIGIN).get('/v1.0/users').reply(200, '{"value": [{"id": "a"}, {"id"', { 'Content-Type': 'application/json' });
    const { gw } = makeGateway();
    const err = await caught(gw.get('/users'));
    expect(err.status).toBe(200);
    expect(err.message).toMatch(/malformed response: the body is invalid or truncated JSON/);
  });

  it('reports an HTML error page clearly', async () => {
    nock(ORIGIN).get('/v1.0/users').reply(502, '<!DOCTYPE html><html><body>Bad gateway</body></html>', { 'Content-Type': 'text/html' });
    const { gw } = makeGateway({ retry: { maxAttempts: 1 } });
    const err = await caught(gw.get('/users'));
    expect(err.status).toBe(502);
    expect(err.message).toMatch(/502: response body is an HTML page, not a Graph error/);
    nock(ORIGIN).get('/v1.0/users').reply(200, '<html>login</html>', { 'Content-Type': 'text/html' });
    expect((await caught(gw.get('/users'))).message).toMatch(/HTML page/);
  });

  it('a fatal client error is typed too', async () => {
    nock(ORIGIN).get('/v1.0/z').replyWithError('boom');
    const { gw } = makeGateway();
    const err = await caught(gw.get('/z'));
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/Graph GET \/z failed: request failed: boom/);
  });
});

describe('auth', () => {
  it('does not send the bearer to a foreign host in a nextLink', async () => {
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer test-token' } })
      .get('/v1.0/users')
      .reply(200, { value: [{ id: 1 }], '@odata.nextLink': 'https://evil.example.com/v1.0/users?$skiptoken=abc' });
    nock('https://evil.example.com', { badheaders: ['authorization'] })
      .get('/v1.0/users')
      .query({ $skiptoken: 'abc' })
      .reply(200, { value: [{ id: 2 }] });
    const { gw } = makeGateway();
    expect(await gw.listAll('/users')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('refuses a plain-http nextLink to a non-loopback host', async () => {
    nock(ORIGIN).get('/v1.0/users').reply(200, { value: [], '@odata.nextLink': 'http://evil.example.com/v1.0/users?x=1' });
    const { gw } = makeGateway();
    await expect(gw.listAll('/users')).rejects.toThrow(/Refusing plain-http link/);
  });

  it('refreshes the token once on 401 InvalidAuthenticationToken, even for a POST', async () => {
    let n = 0;
    const tokens: TokenProvider = {
      refreshable: true,
      getToken: async (o) => (o?.forceRefresh ? `fresh-${++n}` : 'stale'),
    };
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer stale' } })
      .post(TAP_PATH)
      .reply(401, graphError('InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'));
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer fresh-1' } }).post(TAP_PATH).reply(201, { id: 'tap' });
    const { gw } = makeGateway({ tokenProvider: tokens });
    expect(await createTemporaryAccessPass(gw, 'u1')).toEqual({ id: 'tap' });
    expect(gw.stats().authRefreshes).toBe(1);
  });

  it('refreshes only once', async () => {
    let n = 0;
    const tokens: TokenProvider = { refreshable: true, getToken: async () => `t${++n}` };
    nock(ORIGIN).get('/v1.0/me').times(2).reply(401, graphError('InvalidAuthenticationToken', 'nope'));
    const { gw } = makeGateway({ tokenProvider: tokens });
    const err = await caught(gw.get('/me'));
    expect(err.status).toBe(401);
    expect(n).toBe(2);
  });

  it('caches credential tokens until near expiry', async () => {
    let now = 0;
    let calls = 0;
    const provider = new CredentialTokenProvider(
      { getToken: async () => ({ token: `tok${++calls}`, expiresOnTimestamp: now + 3600_000 }) },
      'https://graph.microsoft.com/.default',
      () => now,
    );
    expect(await provider.getToken()).toBe('tok1');
    now = 3000_000;
    expect(await provider.getToken()).toBe('tok1');
    now = 3400_000;
    expect(await provider.getToken()).toBe('tok2');
    expect(await provider.getToken({ forceRefresh: true })).toBe('tok3');
  });

  it('connectGraph on a loopback URL without a token sends no Authorization header', async () => {
    nock(ORIGIN, { badheaders: ['authorization'] }).get('/v1.0/organization').reply(200, { value: [] });
    const gw = await connectGraph({ graphUrl: `${ORIGIN}/v1.0`, env: {} });
    expect(await gw.get('/organization')).toEqual({ value: [] });
  });

  it('connectGraph uses ENTRA_ROLLOUT_GRAPH_URL and ENTRA_ROLLOUT_TOKEN', async () => {
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer env-token' } }).get('/v1.0/organization').reply(200, { value: [] });
    const gw = await connectGraph({ env: { ENTRA_ROLLOUT_GRAPH_URL: `${ORIGIN}/v1.0`, ENTRA_ROLLOUT_TOKEN: 'env-token' } });
    expect(gw.baseUrl).toBe(`${ORIGIN}/v1.0`);
    expect(await gw.get('/organization')).toEqual({ value: [] });
    await expect(connectGraph({ env: { ENTRA_ROLLOUT_GRAPH_URL: 'http://graph.example.com/v1.0', ENTRA_ROLLOUT_TOKEN: 'x' } })).rejects.toThrow(
      /only for loopback/,
    );
  });
});

describe('paging', () => {
  it('follows absolute plain-http loopback nextLinks and reports progress', async () => {
    nock(ORIGIN)
      .get('/v1.0/groups/g1/transitiveMembers/microsoft.graph.user')
      .query({ $select: 'id', $top: '999' })
      .reply(200, { value: [{ id: 'a' }, { id: 'b' }], '@odata.nextLink': `${ORIGIN}/v1.0/groups/g1/transitiveMembers/microsoft.graph.user?$select=id&$top=999&$skiptoken=p2` });
    nock(ORIGIN)
      .get('/v1.0/groups/g1/transitiveMembers/microsoft.graph.user')
      .query({ $select: 'id', $top: '999', $skiptoken: 'p2' })
      .reply(200, { value: [{ id: 'c' }], '@odata.nextLink': '/v1.0/groups/g1/transitiveMembers/microsoft.graph.user?$skiptoken=p3' });
    nock(ORIGIN)
      .get('/v1.0/groups/g1/transitiveMembers/microsoft.graph.user')
      .query({ $skiptoken: 'p3' })
      .reply(200, { value: [{ id: 'd' }], '@odata.nextLink': 'groups/g1/transitiveMembers/microsoft.graph.user?$skiptoken=p4' });
    nock(ORIGIN)
      .get('/v1.0/groups/g1/transitiveMembers/microsoft.graph.user')
      .query({ $skiptoken: 'p4' })
      .reply(200, { value: [{ id: 'e' }] });
    const { gw } = makeGateway();
    const progress: number[] = [];
    const pages: unknown[][] = [];
    for await (const page of gw.pages('/groups/g1/transitiveMembers/microsoft.graph.user?$select=id&$top=999', { onProgress: (n) => progress.push(n) })) {
      pages.push(page);
    }
    expect(pages.flat()).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }, { id: 'e' }]);
    expect(progress).toEqual([2, 3, 4, 5]);
  });

  it('treats localhost and 127.0.0.1 on the same port as the same endpoint', async () => {
    nock('http://localhost:8765', { reqheaders: { authorization: 'Bearer test-token' } })
      .get('/v1.0/users')
      .reply(200, { value: [1], '@odata.nextLink': `${ORIGIN}/v1.0/users?$skiptoken=2` });
    nock('http://localhost:8765', { reqheaders: { authorization: 'Bearer test-token' } })
      .get('/v1.0/users')
      .query({ $skiptoken: '2' })
      .reply(200, { value: [2] });
    const { gw } = makeGateway({ graphUrl: 'http://localhost:8765/v1.0' });
    expect(await gw.listAll('/users')).toEqual([1, 2]);
  });

  it('follows https nextLinks on the configured host and works with [::1]', async () => {
    nock('https://graph.microsoft.com')
      .get('/v1.0/users')
      .reply(200, { value: [1], '@odata.nextLink': 'https://graph.microsoft.com/v1.0/users?$skiptoken=X%2BY' });
    nock('https://graph.microsoft.com').get('/v1.0/users?$skiptoken=X%2BY').reply(200, { value: [2] });
    const { gw } = makeGateway({ graphUrl: 'https://graph.microsoft.com/v1.0' });
    expect(await gw.listAll('/users')).toEqual([1, 2]);
    nock('http://[::1]:9000').get('/v1.0/users').reply(200, { value: [3] });
    const v6 = makeGateway({ graphUrl: 'http://[::1]:9000/v1.0' }).gw;
    expect(await v6.listAll('/users')).toEqual([3]);
  });

  it('keeps beta paging on beta', async () => {
    nock(ORIGIN).get('/beta/users/u1/authentication/requirements').reply(200, { perUserMfaState: 'enforced' });
    nock(ORIGIN).get('/beta/things').reply(200, { value: [1], '@odata.nextLink': 'things?$skiptoken=2' });
    nock(ORIGIN).get('/beta/things').query({ $skiptoken: '2' }).reply(200, { value: [2] });
    const { gw } = makeGateway();
    expect(await gw.get('/users/u1/authentication/requirements', { beta: true })).toEqual({ perUserMfaState: 'enforced' });
    expect(await gw.listAll('/things', { beta: true })).toEqual([1, 2]);
  });

  it('rejects a collection without value and a nextLink loop', async () => {
    nock(ORIGIN).get('/v1.0/a').reply(200, { nope: true });
    nock(ORIGIN).get('/v1.0/b').reply(200, { value: [], '@odata.nextLink': `${ORIGIN}/v1.0/b?s=1` });
    nock(ORIGIN).get('/v1.0/b').query({ s: '1' }).reply(200, { value: [], '@odata.nextLink': `${ORIGIN}/v1.0/b?s=1` });
    const { gw } = makeGateway();
    await expect(gw.listAll('/a')).rejects.toThrow(/without a "value" array/);
    await expect(gw.listAll('/b')).rejects.toThrow(/paging loop/);
  });
});
