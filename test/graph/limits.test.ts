// Issue 12 point 6 at the gateway (nock): redirects, Retry-After beyond the budget, body/page/deadline
// limits, null answers, unsafe ids and static tokens.
import nock from 'nock';
import type { Context } from '@microsoft/microsoft-graph-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { checkBearerToken, staticTokenProvider } from '../../src/graph/credentials.js';
import { connectGraph } from '../../src/graph/gateway.js';
import { GraphRequestError } from '../../src/graph/graphError.js';
import { seg, unsafePathReason } from '../../src/graph/odata.js';
import { setResponse } from '../../src/graph/transport.js';
import { ORIGIN, graphError, makeGateway, setupNock, teardownNock } from './helpers.js';

beforeEach(setupNock);
afterEach(teardownNock);

async function failure(p: Promise<unknown>): Promise<GraphRequestError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GraphRequestError);
  return err as GraphRequestError;
}

describe('redirects', () => {
  it('a 307 on POST /$batch is an error naming the request; the Location is never contacted', async () => {
    nock(ORIGIN).post('/v1.0/$batch').reply(307, '', { Location: 'http://exfil.example.net/collect' });
    const elsewhere = nock('http://exfil.example.net').post('/collect').reply(200, { responses: [] });
    const { gw } = makeGateway();
    const [result] = await gw.batch([{ method: 'POST', url: '/users/u1/authentication/phoneMethods', body: { phoneNumber: '+1 4255550100', phoneType: 'office' } }]);
    expect(result!.ok).toBe(false);
    expect(result!.error!.message).toContain('answered with a redirect to http://exfil.example.net/collect; redirects are never followed, nothing was re-sent');
    expect(result!.error!.final).toBe(true);
    expect(elsewhere.isDone()).toBe(false);
    expect(gw.stats().totalRequests).toBe(1);
    nock.removeInterceptor({ hostname: 'exfil.example.net', method: 'POST', path: '/collect', proto: 'http' });
  });

  it('a 302 on a GET is an error too', async () => {
    nock(ORIGIN).get('/v1.0/users/u1').reply(302, '', { Location: `${ORIGIN}/v1.0/users/u2` });
    const { gw } = makeGateway();
    const err = await failure(gw.get('/users/u1'));
    expect(err.message).toMatch(/^Graph GET \/users\/u1 failed: 302: answered with a redirect to .*\/users\/u2; redirects are never followed/);
  });
});

describe('Retry-After beyond the budget', () => {
  it('fails the request at once and does not pause its throttle class', async () => {
    nock(ORIGIN).get('/v1.0/reports/authenticationMethods/userRegistrationDetails').reply(429, graphError('TooManyRequests', 'slow down'), { 'Retry-After': '999999' });
    nock(ORIGIN).get('/v1.0/auditLogs/directoryAudits').reply(200, { value: [] });
    const { gw, clock } = makeGateway();
    const err = await failure(gw.get('/reports/authenticationMethods/userRegistrationDetails'));
    expect(err.status).toBe(429);
    expect(err.final).toBe(true);
    expect(err.message).toContain('Graph asked to wait 277.8 h (Retry-After), more than the 3 min its retry budget leaves; not retried');
    // Another request of the same class goes out without waiting 11.5 days.
    expect(await gw.get('/auditLogs/directoryAudits')).toEqual({ value: [] });
    expect(clock.sleeps).toEqual([]);
    expect(gw.stats()).toMatchObject({ totalRequests: 2, retries: 0, limiterWaitMs: 0 });
  });

  it('a Retry-After beyond what is left of the command deadline fails at once and says so', async () => {
    nock(ORIGIN).get('/v1.0/users/u1').reply(429, graphError('TooManyRequests', 'slow down'), { 'Retry-After': '90' });
    const { gw, clock } = makeGateway({ deadlineMs: 60_000, limitSettings: { deadlineMs: 'ENTRA_ROLLOUT_DEADLINE_SECONDS=60' } });
    const err = await failure(gw.get('/users/u1'));
    expect(err.message).toContain("Graph asked to wait 90 s (Retry-After), more than the 60 s the command's deadline leaves; not retried");
    expect(clock.sleeps).toEqual([]);
  });

  it('a $batch item with Retry-After 999999 fails at once; the envelope is not re-sent', async () => {
    nock(ORIGIN)
      .post('/v1.0/$batch')
      .reply(200, {
        responses: [
          { id: '0', status: 429, headers: { 'Retry-After': '999999' }, body: graphError('TooManyRequests', 'slow down') },
          { id: '1', status: 200, body: { id: 'u2' } },
        ],
      });
    const { gw, clock } = makeGateway();
    const results = await gw.batch([
      { method: 'GET', url: '/users/u1' },
      { method: 'GET', url: '/users/u2' },
    ]);
    expect(results[0]!.status).toBe(429);
    expect(results[0]!.error!.final).toBe(true);
    expect(results[0]!.error!.message).toContain('Graph asked to wait 277.8 h (Retry-After), more than the 3 min its retry budget leaves; not retried');
    expect(results[1]!.ok).toBe(true);
    expect(clock.sleeps).toEqual([]);
    expect(gw.stats().batchRequests).toBe(1);
  });
});

describe('limits', () => {
  it('a body longer than maxResponseBytes is an error; reading stops at the cap (chunked, no Content-Length)', async () => {
    // The answer comes from a transport that counts how much of the body the gateway pulled.
    let pulled = 0;
    const chunk = new TextEncoder().encode('x'.repeat(1000));
    const transport = {
      execute: async (ctx: Context) => {
        setResponse(ctx, {
          status: 200,
          ok: true,
          headers: { get: (name) => (name === 'content-type' ? 'application/json' : null) },
          async *chunks() {
            while (pulled < 1000) {
              pulled++;
              yield chunk;
            }
          },
          discard: async () => undefined,
        });
      },
      setNext: () => undefined,
    };
    const { gw } = makeGateway({ transport, maxResponseBytes: 10_000, limitSettings: { maxResponseBytes: 'ENTRA_ROLLOUT_MAX_RESPONSE_MB raises it' } });
    const err = await failure(gw.get('/users'));
    expect(err.message).toMatch(/^Graph GET \/users failed: 200: the response body is larger than the 10000 bytes limit \(ENTRA_ROLLOUT_MAX_RESPONSE_MB raises it\); stopped reading it/);
    expect(pulled).toBeLessThanOrEqual(12);
  });

  it('a declared Content-Length over the cap is refused before reading', async () => {
    nock(ORIGIN).get('/v1.0/users').reply(200, JSON.stringify({ value: ['y'.repeat(5000)] }), { 'Content-Length': '5014', 'Content-Type': 'application/json' });
    const { gw } = makeGateway({ maxResponseBytes: 1000 });
    expect((await failure(gw.get('/users'))).message).toContain('larger than the 1000 bytes limit');
  });

  it('stops following unique nextLinks at maxPages', async () => {
    let n = 0;
    nock(ORIGIN)
      .get(/\/v1\.0\/users.*/)
      .times(3)
      .reply(200, () => ({ value: [{ id: `u${n}` }], '@odata.nextLink': `${ORIGIN}/v1.0/users?$skiptoken=${++n}` }));
    const { gw } = makeGateway({ maxPages: 3 });
    const err = await failure(gw.listAll('/users'));
    expect(err.message).toBe('Graph GET /users failed: more than 3 pages; stopped following @odata.nextLink');
    expect(gw.stats().totalRequests).toBe(3);
  });

  it('a request after the command deadline is not sent', async () => {
    nock(ORIGIN).get('/v1.0/a').reply(200, { ok: 1 });
    const { gw, clock } = makeGateway({ deadlineMs: 1000 });
    expect(await gw.get('/a')).toEqual({ ok: 1 });
    clock.advance(1001);
    const err = await failure(gw.get('/b'));
    expect(err.message).toBe('Graph GET /b failed: the command reached its deadline of 1 s; nothing more is sent');
    expect(gw.stats().totalRequests).toBe(1);
  });

  it('limits come from the environment, and a bad value is a clear error', async () => {
    const env = { ENTRA_ROLLOUT_GRAPH_URL: `${ORIGIN}/v1.0`, ENTRA_ROLLOUT_TOKEN: 't', ENTRA_ROLLOUT_MAX_PAGES: '2' };
    let n = 0;
    nock(ORIGIN)
      .get(/\/v1\.0\/groups.*/)
      .times(2)
      .reply(200, () => ({ value: [], '@odata.nextLink': `${ORIGIN}/v1.0/groups?$skiptoken=${++n}` }));
    const gw = await connectGraph({ env, requestTimeoutMs: 0 });
    expect((await failure(gw.listAll('/groups'))).message).toContain('more than 2 pages (ENTRA_ROLLOUT_MAX_PAGES=2)');
    await expect(connectGraph({ env: { ...env, ENTRA_ROLLOUT_DEADLINE_SECONDS: 'soon' } })).rejects.toThrow('ENTRA_ROLLOUT_DEADLINE_SECONDS must be a non-negative number, got "soon"');
  });
});

describe('null where Graph sends an object', () => {
  it('a null body is an error naming the request, not a TypeError later', async () => {
    nock(ORIGIN).get('/v1.0/policies/authenticationMethodsPolicy').reply(200, 'null', { 'Content-Type': 'application/json' });
    const { gw } = makeGateway();
    const err = await failure(gw.get('/policies/authenticationMethodsPolicy'));
    expect(err.message).toMatch(/^Graph GET \/policies\/authenticationMethodsPolicy failed: 200: malformed response: the body is null, not a JSON object/);
  });

  it('a null item in a page is an error naming the request', async () => {
    nock(ORIGIN).get('/v1.0/groups').reply(200, { value: [{ id: 'g1' }, null] });
    const { gw } = makeGateway();
    expect((await failure(gw.listAll('/groups'))).message).toContain('failed: 200: malformed response: item 1 of "value" is null, not an object');
  });
});

describe('ids before they enter a path', () => {
  it('seg refuses dot segments, separators, percent, whitespace and control characters', () => {
    for (const bad of ['.', '..', 'a/b', 'a?b', 'a#b', '%2e%2e', 'a b', 'a\tb', 'a\u001bb', 'a\\b', '']) {
      expect(() => seg(bad), JSON.stringify(bad)).toThrow(UserError);
    }
    expect(() => seg('..')).toThrow('Refusing to put the id ".." into a Graph URL: it is a dot segment');
  });

  it("seg accepts GUIDs, Graph's named ids, base64url method ids, extension names and guest UPNs", () => {
    expect(seg('3179e48a-750b-4051-897c-87b9720928f7')).toBe('3179e48a-750b-4051-897c-87b9720928f7');
    expect(seg('MicrosoftAuthenticator')).toBe('MicrosoftAuthenticator');
    expect(seg('-2_GRUg2-HYz6_1YG4YRAQ2')).toBe('-2_GRUg2-HYz6_1YG4YRAQ2');
    expect(seg('com.contoso.rollout')).toBe('com.contoso.rollout');
    expect(seg("o'brien_fabrikam.com#EXT#@contoso.onmicrosoft.com")).toBe("o'brien_fabrikam.com%23EXT%23%40contoso.onmicrosoft.com");
  });

  it('the gateway refuses a built path with a dot segment before sending (whatever built it)', async () => {
    const { gw } = makeGateway();
    const err = await failure(gw.delete(`/users/u1/authentication/microsoftAuthenticatorMethods/${encodeURIComponent('..')}`));
    expect(err.message).toBe('Graph DELETE /users/u1/authentication/microsoftAuthenticatorMethods/.. failed: refused before sending: the segment ".." is refused: it is a dot segment');
    expect(gw.stats().totalRequests).toBe(0);
    expect(unsafePathReason('/groups?$filter=displayName eq \'a/b\'')).toBeUndefined();
  });

  it('a $batch item with an unsafe id is refused on its own; the others are sent', async () => {
    nock(ORIGIN)
      .post('/v1.0/$batch', (b: { requests: Array<{ id: string }> }) => b.requests.length === 1 && b.requests[0]!.id === '1')
      .reply(200, { responses: [{ id: '1', status: 204 }] });
    const { gw } = makeGateway();
    const results = await gw.batch([
      { method: 'DELETE', url: '/groups/g1/members/../$ref' },
      { method: 'DELETE', url: '/groups/g1/members/u2/$ref' },
    ]);
    expect(results[0]!.error!.message).toContain('refused before sending');
    expect(results[0]!.error!.final).toBe(true);
    expect(results[1]!.ok).toBe(true);
  });
});

describe('static tokens', () => {
  it('a token with a newline, a space, control characters, non-token characters or an absurd length is refused unquoted', () => {
    const secret = 'eyJSECRET';
    for (const bad of [`${secret}\nmore`, `${secret} more`, `${secret}\u0000`, `${secret}"`, `${secret}${'a'.repeat(20_000)}`]) {
      let message = '';
      try {
        staticTokenProvider(bad);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^The Graph token from ENTRA_ROLLOUT_TOKEN /);
      expect(message).not.toContain('SECRET');
    }
    expect(checkBearerToken('  abc.def-ghi_jkl~mno+p/q==  ', 'x')).toBe('abc.def-ghi_jkl~mno+p/q==');
  });

  it('connectGraph checks ENTRA_ROLLOUT_TOKEN before any request', async () => {
    await expect(connectGraph({ env: { ENTRA_ROLLOUT_GRAPH_URL: `${ORIGIN}/v1.0`, ENTRA_ROLLOUT_TOKEN: 'abc\ndef' } })).rejects.toThrow(
      'The Graph token from ENTRA_ROLLOUT_TOKEN must hold one bearer token and nothing else',
    );
  });
});
