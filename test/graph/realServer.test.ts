/**
 * Against a real HTTP server on 127.0.0.1 (no nock): the gateway's node:http transport, real
 * connection resets and timeouts as Node reports them.
 */
import type { ServerResponse } from 'node:http';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTemporaryAccessPass } from '../../src/graph/userMethods.js';
import { startLocalServer, type LocalServer, type RequestHandler } from '../helpers/localServer.js';
import { makeGateway } from './helpers.js';

let handler: RequestHandler = (_req, res) => res.end();
const seen: Array<{ method: string; url: string; auth: string | undefined }> = [];
let server: LocalServer;
let origin = '';

beforeAll(async () => {
  nock.restore();
  nock.enableNetConnect();
  server = await startLocalServer((req, res, body) => {
    seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
    handler(req, res, body);
  });
  origin = server.origin;
});

afterAll(async () => {
  await server.close();
  nock.activate();
});

beforeEach(() => {
  seen.length = 0;
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('real loopback server', () => {
  it('pages over absolute http nextLinks with the bearer token', async () => {
    handler = (req, res) => {
      const page = new URL(req.url!, origin).searchParams.get('$skiptoken');
      if (!page) return json(res, 200, { value: [1, 2], '@odata.nextLink': `${origin}/v1.0/users?$top=2&$skiptoken=p2` });
      return json(res, 200, { value: [3] });
    };
    const { gw } = makeGateway({ graphUrl: `${origin}/v1.0` });
    expect(await gw.listAll('/users?$top=2')).toEqual([1, 2, 3]);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer test-token', 'Bearer test-token']);
    expect(seen[1]!.url).toBe('/v1.0/users?$top=2&$skiptoken=p2');
  });

  it('retries a GET after a real connection reset, but not a TAP POST', async () => {
    let n = 0;
    handler = (req, res) => {
      n++;
      if (n === 1 || req.method === 'POST') {
        req.socket.destroy();
        return;
      }
      json(res, 200, { id: 'u1' });
    };
    const { gw } = makeGateway({ graphUrl: `${origin}/v1.0` });
    expect(await gw.get('/users/u1')).toEqual({ id: 'u1' });
    expect(n).toBe(2);
    seen.length = 0;
    await expect(createTemporaryAccessPass(gw, 'u1')).rejects.toMatchObject({ outcomeUnknown: true, status: 0 });
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(1);
  });

  it('a timed-out TAP POST is not retried and has outcomeUnknown', async () => {
    handler = () => {
      // never answer
    };
    const { gw } = makeGateway({ graphUrl: `${origin}/v1.0`, requestTimeoutMs: 200 });
    const err = await createTemporaryAccessPass(gw, 'u1').catch((e: unknown) => e);
    expect(err).toMatchObject({ outcomeUnknown: true });
    expect(String((err as Error).message)).toMatch(/timed out/);
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(1);
  });
});
