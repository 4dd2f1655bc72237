// The gateway's node:http transport (src/graph/transport.ts) against a real local server: what
// fetch did for it before (decompression, no redirects, the abort signal, keep-alive) still holds.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync, brotliCompressSync, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeNetworkError } from '../../src/graph/retryMiddleware.js';
import { send, type HttpResponse } from '../../src/graph/transport.js';
import { startLocalServer, type LocalServer, type RequestHandler } from '../helpers/localServer.js';

let server: LocalServer;
let origin = '';
let handler: RequestHandler = (_req, res) => res.end();
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string; socket: Socket }> = [];

beforeAll(async () => {
  server = await startLocalServer((req, res, body) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, socket: req.socket });
    handler(req, res, body);
  });
  origin = server.origin;
});

afterAll(() => server.close());

beforeEach(() => {
  seen.length = 0;
});

async function text(res: HttpResponse): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of res.chunks()) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

const get = (path: string, signal?: AbortSignal) => send(new URL(`${origin}${path}`), { method: 'GET', headers: { authorization: 'Bearer t' }, signal });

describe('node:http transport', () => {
  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('asks for compressed answers and decodes %s', async (encoding, compress) => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
      res.end(compress(Buffer.from(JSON.stringify({ value: ['é', 'x'.repeat(10_000)] }))));
    };
    const res = await get('/v1.0/users');
    expect(seen[0]!.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(JSON.parse(await text(res))).toEqual({ value: ['é', 'x'.repeat(10_000)] });
  });

  it('a truncated gzip body is an error where the body is read, not a short answer', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(gzipSync(Buffer.from('{"value":[1,2,3]}')).subarray(0, 12));
    };
    const res = await get('/v1.0/users');
    await expect(text(res)).rejects.toThrow();
  });

  it('sends the body with its length, the headers given, and reuses the connection', async () => {
    handler = (_req, res) => res.end('{}');
    const body = Buffer.from(JSON.stringify({ displayName: 'Zoë' }));
    await text(await send(new URL(`${origin}/v1.0/groups`), { method: 'POST', headers: { 'content-type': 'application/json', 'client-request-id': 'abc' }, body }));
    await text(await get('/v1.0/groups'));
    expect(seen[0]).toMatchObject({ method: 'POST', body: '{"displayName":"Zoë"}' });
    expect(seen[0]!.headers).toMatchObject({ 'content-length': String(body.byteLength), 'client-request-id': 'abc', 'content-type': 'application/json' });
    expect(seen[1]!.headers.authorization).toBe('Bearer t');
    expect(seen[1]!.socket).toBe(seen[0]!.socket);
  });

  it('returns a redirect as it is, without following it', async () => {
    handler = (_req, res) => {
      res.writeHead(307, { location: `${origin}/elsewhere` });
      res.end();
    };
    const res = await send(new URL(`${origin}/v1.0/$batch`), { method: 'POST', headers: {}, body: Buffer.from('{}') });
    expect(res.status).toBe(307);
    expect(res.ok).toBe(false);
    expect(res.headers.get('Location')).toBe(`${origin}/elsewhere`);
    expect(seen.map((s) => s.url)).toEqual(['/v1.0/$batch']);
  });

  it('a connection dropped before any answer rejects with what the retry step reads as "maybe sent"', async () => {
    handler = (req) => req.socket.destroy();
    const err = await get('/v1.0/users').catch((e: unknown) => e);
    expect(describeNetworkError(err).kind).toBe('maybeSent');
  });

  it('a refused connection rejects as "not sent"', async () => {
    const closed = await startLocalServer((_req, res) => res.end());
    await closed.close();
    const err = await send(new URL(`${closed.origin}/v1.0/users`), { method: 'GET', headers: {} }).catch((e: unknown) => e);
    expect(describeNetworkError(err)).toMatchObject({ kind: 'notSent' });
  });

  it('the abort signal ends a request that gets no answer, as a timeout', async () => {
    let arrived!: () => void;
    const atServer = new Promise<void>((resolve) => (arrived = resolve));
    handler = () => arrived(); // and never answers
    const controller = new AbortController();
    const pending = get('/v1.0/users', controller.signal).catch((e: unknown) => e);
    await atServer;
    controller.abort(new DOMException('timed out', 'TimeoutError'));
    expect(describeNetworkError(await pending)).toEqual({ kind: 'maybeSent', reason: 'request timed out' });
  });

  it('a reset in the middle of the body fails the read; discard drops an unread body', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"value":[');
      setImmediate(() => res.socket?.destroy());
    };
    await expect(text(await get('/v1.0/users'))).rejects.toThrow();

    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    handler = (_req, res) => {
      res.socket?.once('close', () => closed());
      res.writeHead(200);
      res.write('x'.repeat(1000)); // and never ends
    };
    const res = await get('/v1.0/endless');
    const first = await res.chunks()[Symbol.asyncIterator]().next();
    expect(first.done).toBe(false);
    await res.discard();
    await connectionClosed; // the download stopped: the client closed the connection
  });
});
