/**
 * Serves contract fixtures with nock on https://graph.microsoft.com, the host the examples use, and
 * records what the client sent. A `$batch` envelope is unpacked: each item is answered from the
 * fixture of its endpoint, so the ops engine and the batched look-ups are held to the same examples
 * as single requests.
 */
import nock from 'nock';
import { resolveEndpoints } from '../../src/graph/endpoints.js';
import { GraphGateway } from '../../src/graph/gateway.js';
import { staticTokenProvider } from '../../src/graph/credentials.js';
import { fakeClock } from '../graph/helpers.js';
import { type Fixture, fixtureTemplate, sentTemplate, splitGraphUrl } from './contract.js';

export const GRAPH_ORIGIN = 'https://graph.microsoft.com';

export interface SentRequest {
  method: string;
  version: string;
  /** Below the version segment, without the query. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  inBatch: boolean;
  /** The fixture that answered it. */
  fixture: Fixture;
}

export interface FixtureServer {
  sent: SentRequest[];
  /** Requests no fixture answers (the test fails on them). */
  unmatched: string[];
  done(): void;
}

/** A gateway for Graph's global cloud, as the CLI builds it (real SDK middleware), with a static token and a fake clock. */
export function graphGateway(): GraphGateway {
  return new GraphGateway({
    endpoints: resolveEndpoints({}),
    tokenProvider: staticTokenProvider('contract-token'),
    clock: fakeClock(),
    random: () => 0.5,
    requestTimeoutMs: 0,
  });
}

function find(fixtures: readonly Fixture[], method: string, version: string, path: string): Fixture | undefined {
  const key = sentTemplate(method, path);
  return fixtures.find((f) => f.endpoint === key && (splitGraphUrl(f.request.url).version === version || fixtureTemplate(f) === '/$batch'));
}

/** The fixture's documented answer; a page after the first (`$skiptoken`) carries no further nextLink. */
function answer(f: Fixture, query: URLSearchParams): { status: number; body: unknown } {
  const body = f.response.body;
  if (query.has('$skiptoken') && body && typeof body === 'object' && '@odata.nextLink' in body) {
    const { '@odata.nextLink': _n, ...rest } = body as Record<string, unknown>;
    return { status: f.response.status, body: rest };
  }
  return { status: f.response.status, body };
}

export function serveFixtures(fixtures: readonly Fixture[]): FixtureServer {
  nock.disableNetConnect();
  const sent: SentRequest[] = [];
  const unmatched: string[] = [];
  const record = (method: string, url: string, headers: Record<string, string>, body: unknown, inBatch: boolean, versionOfEnvelope?: string): { status: number; body: unknown } => {
    const rel = inBatch ? `/${versionOfEnvelope}${url.startsWith('/') ? '' : '/'}${url}` : url;
    const { version, path, query } = splitGraphUrl(`${GRAPH_ORIGIN}${rel}`);
    const f = find(fixtures, method, version, path);
    if (!f) {
      unmatched.push(`${method} /${version}${path}`);
      return { status: 599, body: { error: { code: 'noFixture', message: `no fixture for ${method} ${path}` } } };
    }
    const q = new URLSearchParams(query);
    sent.push({ method, version, path, query: q, headers, body, inBatch, fixture: f });
    return answer(f, q);
  };
  const scope = nock(GRAPH_ORIGIN).persist();
  for (const method of ['GET', 'POST', 'PATCH', 'DELETE', 'PUT']) {
    scope.intercept(() => true, method).reply(function (uri, requestBody) {
      const headers = Object.fromEntries(Object.entries(this.req.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
      const body = requestBody === '' || requestBody === undefined ? undefined : typeof requestBody === 'string' ? (JSON.parse(requestBody) as unknown) : requestBody;
      const { version, path } = splitGraphUrl(`${GRAPH_ORIGIN}${uri}`);
      const batchFixture = fixtures.find((f) => fixtureTemplate(f) === '/$batch');
      if (method === 'POST' && path === '/$batch' && !batchFixture) {
        // Unpack: every item answered from its own endpoint's fixture, in reverse order (Graph: "any order").
        const requests = (body as { requests: Array<{ id: string; method: string; url: string; headers?: Record<string, string>; body?: unknown }> }).requests;
        const responses = requests.map((r) => {
          const a = record(r.method, r.url, Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])), r.body, true, version);
          return { id: r.id, status: a.status, headers: a.body === undefined ? {} : { 'Content-Type': 'application/json' }, ...(a.body === undefined ? {} : { body: a.body }) };
        });
        return [200, { responses: responses.reverse() }, { 'Content-Type': 'application/json' }];
      }
      if (method === 'POST' && path === '/$batch' && batchFixture) {
        // The envelope itself under test: the documented responses, re-keyed to the client's step ids, in reverse order.
        const requests = (body as { requests: Array<{ id: string }> }).requests;
        const documented = (batchFixture.response.body as { responses: Array<Record<string, unknown>> }).responses;
        sent.push({ method, version, path, query: new URLSearchParams(), headers, body, inBatch: false, fixture: batchFixture });
        const responses = requests.map((r, i) => ({ ...documented[i % documented.length], id: r.id })).reverse();
        return [200, { responses }, { 'Content-Type': 'application/json' }];
      }
      const a = record(method, uri, headers, body, false);
      return a.body === undefined ? [a.status] : [a.status, JSON.stringify(a.body), { 'Content-Type': 'application/json', 'request-id': 'fixture-request-id' }];
    });
  }
  return {
    sent,
    unmatched,
    done() {
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
}
