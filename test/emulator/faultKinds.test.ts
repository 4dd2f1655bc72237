// The fault kinds the reliability suite relies on: each looks like what Graph (or a proxy in front
// of it) really sends, and the request log says whether the request ran.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseFaultSpec } from '../../src/emulator/index.js';
import { type Client, groupId, start } from './helpers.js';
import { TEST_TIMEOUT_MS } from '../timeouts.js';

let c: Client | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const raw = (url: string, init: RequestInit = {}) => fetch(url, { ...init, headers: { Authorization: 'Bearer test-token', 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
const log = async (client: Client) => (await client.control('GET', '/requests')).json;

async function addMemberBody(client: Client): Promise<{ url: string; body: string; userId: string; groupId: string }> {
  const wave0 = await groupId(client, 'MFA Wave 0 - IT');
  const user = await client.graph('GET', '/users/lynne.robbins@contoso.onmicrosoft.com?$select=id');
  const body = JSON.stringify({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user.json.id}` });
  return { url: `${client.emu.graphBaseUrl}/groups/${wave0}/members/$ref`, body, userId: user.json.id, groupId: wave0 };
}

describe('emulator: fault kinds', () => {
  it('parses the new kinds; slow needs a delay and only slow takes one', () => {
    expect(parseFaultSpec('429noretry:0.1,slow:0.1:500,lost:0.1,truncated:0.1,html502:0.1,html200:0.1,novalue:0.1')).toContainEqual({ kind: 'slow', probability: 0.1, delayMs: 500 });
    expect(() => parseFaultSpec('slow:0.1')).toThrow(/slow needs a delay/);
    expect(() => parseFaultSpec('503:0.1:20')).toThrow(/only slow takes a delay/);
    expect(() => parseFaultSpec('teapot:0.1')).toThrow(/kinds: 429, 429noretry, 503, 504, reset, html502, html200, lost, slow, truncated, novalue/);
  });

  it('429noretry is a Graph 429 without Retry-After; html502 and html200 are proxy pages without a request-id', async () => {
    c = await start({ faults: '429noretry:1' });
    let r = await raw(`${c.emu.graphBaseUrl}/users?$top=1`);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBeNull();
    expect(((await r.json()) as any).error.code).toBe('TooManyRequests');
    await c.control('POST', '/faults', { spec: 'html502:1' });
    r = await raw(`${c.emu.graphBaseUrl}/users?$top=1`, { headers: { 'client-request-id': 'cid-1' } });
    expect(r.status).toBe(502);
    expect(r.headers.get('content-type')).toBe('text/html');
    expect(r.headers.get('request-id')).toBeNull();
    expect(r.headers.get('client-request-id')).toBeNull();
    expect(await r.text()).toMatch(/^<!DOCTYPE html>/);
    await c.control('POST', '/faults', { spec: 'html200:1' });
    r = await raw(`${c.emu.graphBaseUrl}/users?$top=1`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<html>');
    expect((await log(c)).injected).toEqual({ '429noretry': 1, html502: 1, html200: 1 });
  });

  it('truncated and novalue damage the answer of a request that ran (with its request-id)', async () => {
    c = await start({ faults: 'truncated:1' });
    let r = await raw(`${c.emu.graphBaseUrl}/users?$top=2`);
    expect(r.status).toBe(200);
    expect(r.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const text = await r.text();
    expect(text.startsWith('{"@odata.context"')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
    await c.control('POST', '/faults', { spec: 'novalue:1' });
    r = await raw(`${c.emu.graphBaseUrl}/users?$top=2`);
    const page = (await r.json()) as Record<string, unknown>;
    expect(page['@odata.context']).toBeDefined();
    expect(page.value).toBeUndefined();
  });

  it('lost runs the write, then drops the connection; the log says lost and keeps a body hash', async () => {
    c = await start();
    const add = await addMemberBody(c);
    await c.control('POST', '/faults', { spec: 'lost:1' });
    await expect(raw(add.url, { method: 'POST', body: add.body })).rejects.toThrow();
    await c.control('POST', '/faults', { spec: '' });
    const members = await c.all(`/groups/${add.groupId}/members`);
    expect(members.map((m) => m.id)).toContain(add.userId);
    const writes = (await log(c)).writes;
    expect(writes).toEqual([expect.objectContaining({ method: 'POST', status: 0, outcome: 'lost', fault: 'lost', bodySha256: expect.stringMatching(/^[0-9a-f]{16}$/) })]);
    // The same body hashes the same whatever its key order.
    const again = await raw(add.url, { method: 'POST', body: JSON.stringify(JSON.parse(add.body)) });
    expect(again.status).toBe(400); // already a member
    expect((await log(c)).writes[1].bodySha256).toBe(writes[0].bodySha256);
  });

  it('slow holds the answer back; a client that gave up meanwhile makes the write lost', async () => {
    // The answer is held 2 s and the client gives up after 50 ms: a margin no busy machine closes.
    c = await start({ faults: 'slow:1:2000' });
    const t0 = performance.now();
    expect((await raw(`${c.emu.graphBaseUrl}/users?$top=1`)).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1990);
    const add = await addMemberBody(c);
    await expect(raw(add.url, { method: 'POST', body: add.body, signal: AbortSignal.timeout(50) })).rejects.toThrow();
    // Wait for the emulator to record the write's end, however long that takes here.
    await vi.waitFor(async () => expect((await log(c!)).writes.at(-1)).toMatchObject({ method: 'POST', outcome: 'lost', fault: 'slow', status: 204 }), { timeout: TEST_TIMEOUT_MS, interval: 100 });
  });

  it('answers 401 with Graph\'s expired-token body for the tokens listed as expired only', async () => {
    c = await start();
    await c.control('POST', '/auth', { expiredTokens: ['old-token'] });
    const r = await c.graph('GET', '/users?$top=1', undefined, { Authorization: 'Bearer old-token' });
    expect(r.status).toBe(401);
    expect(r.json.error).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' });
    expect((await c.graph('GET', '/users?$top=1', undefined, { Authorization: 'Bearer new-token' })).status).toBe(200);
    const echoed = await c.control('POST', '/auth', {});
    expect(JSON.stringify(echoed.json)).not.toContain('old-token');
  });

  it('the items of a $batch whose answer was lost are lost too; a client that hung up loses its answer', async () => {
    c = await start();
    const tapUrl = '/users/lynne.robbins@contoso.onmicrosoft.com/authentication/temporaryAccessPassMethods';
    await c.control('POST', '/faults', { spec: 'lost:1@POST' });
    const envelope = { requests: [{ id: '1', method: 'POST', url: tapUrl, headers: { 'Content-Type': 'application/json' }, body: {} }] };
    await expect(raw(`${c.emu.graphBaseUrl}/$batch`, { method: 'POST', body: JSON.stringify(envelope) })).rejects.toThrow();
    await c.control('POST', '/faults', { spec: '' });
    const writes = (await log(c)).writes as Array<{ path: string; outcome: string; inBatch: boolean }>;
    // The item ran (the user holds a pass) but its answer went down with the envelope's.
    expect(writes.map((w) => [w.path, w.inBatch, w.outcome])).toEqual([
      [tapUrl, true, 'lost'],
      ['/$batch', false, 'lost'],
    ]);
    expect((await c.graph('GET', tapUrl)).json.value).toHaveLength(1);

    const slow = await start({ latencyMs: 2000 });
    try {
      const target = await addMemberBody(slow);
      await expect(raw(target.url, { method: 'POST', body: target.body, signal: AbortSignal.timeout(100) })).rejects.toThrow();
      await vi.waitFor(async () => expect((await log(slow)).writes.map((w: { outcome: string }) => w.outcome)).toEqual(['lost']), { timeout: TEST_TIMEOUT_MS, interval: 100 });
      expect((await slow.all(`/groups/${target.groupId}/members`)).map((m) => m.id)).toContain(target.userId);
    } finally {
      await slow.close();
    }
  });

  it('numbers GETs with the writes, so a test can tell a look from a blind re-send; lists the passes it handed out', async () => {
    c = await start();
    const tapUrl = '/users/lynne.robbins@contoso.onmicrosoft.com/authentication/temporaryAccessPassMethods';
    const first = await c.graph('POST', tapUrl, {});
    await c.graph('GET', tapUrl);
    const second = await c.graph('POST', tapUrl, {});
    const summary = (await log(c)) as { writes: Array<{ seq: number }>; gets: Array<{ seq: number; path: string; status: number }> };
    const look = summary.gets.find((g) => g.path.endsWith('/temporaryAccessPassMethods'))!;
    expect(look.status).toBe(200);
    expect(summary.writes[0]!.seq).toBeLessThan(look.seq);
    expect(look.seq).toBeLessThan(summary.writes[1]!.seq);
    const issued = (await c.control('GET', '/issued-passes')).json.passes;
    expect(issued).toEqual([
      { userPrincipalName: 'lynne.robbins@contoso.onmicrosoft.com', pass: first.json.temporaryAccessPass, current: false },
      { userPrincipalName: 'lynne.robbins@contoso.onmicrosoft.com', pass: second.json.temporaryAccessPass, current: true },
    ]);
  });
});

describe('emulator: fault scopes', () => {
  it('limits a rule to some methods; the same kind may be given once per scope', async () => {
    expect(parseFaultSpec('lost:0.5@POST,lost:0.1,503:0.2@write,slow:0.1:20@GET+PATCH')).toEqual([
      { kind: 'lost', probability: 0.5, methods: ['POST'] },
      { kind: 'lost', probability: 0.1 },
      { kind: 503, probability: 0.2, methods: ['POST', 'PATCH', 'PUT', 'DELETE'] },
      { kind: 'slow', probability: 0.1, delayMs: 20, methods: ['GET', 'PATCH'] },
    ]);
    expect(() => parseFaultSpec('503:0.1@write,503:0.2@write')).toThrow(/given twice/);
    expect(() => parseFaultSpec('503:0.1@FETCH')).toThrow(/unknown method "FETCH"/);
    c = await start({ faults: '503:1@write' });
    expect((await c.graph('GET', '/users?$top=1')).status).toBe(200);
    const add = await addMemberBody(c);
    expect((await raw(add.url, { method: 'POST', body: add.body })).status).toBe(503);
  });
});
