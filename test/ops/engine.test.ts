// The bulk engine on the one retry policy (src/graph/retryPolicy.ts) and the one clock: every wait is
// on an injected fake clock (time moves only when someone sleeps), so nothing here depends on the
// machine's speed. $batch is answered by nock through the real gateway.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BulkTask, type ItemOutcome, type OpRequest, runBulk } from '../../src/ops/engine.js';
import { ORIGIN, graphError, makeGateway, setupNock, teardownNock } from '../graph/helpers.js';

beforeEach(setupNock);
afterEach(teardownNock);

interface WireRequest {
  id: string;
  method: string;
  url: string;
}
type Answer = { status: number; headers?: Record<string, string>; body?: unknown };

/** A fake $batch endpoint: `respond(item, attemptOfThatUrl)`; `onEnvelope` runs as each envelope arrives. */
function batchEndpoint(respond: (r: WireRequest, attempt: number) => Answer, onEnvelope: () => void = () => undefined) {
  const seen = new Map<string, number>();
  const envelopes: WireRequest[][] = [];
  nock(ORIGIN)
    .persist()
    .post('/v1.0/$batch')
    .reply(200, (_uri, body) => {
      onEnvelope();
      const requests = (body as { requests: WireRequest[] }).requests;
      envelopes.push(requests);
      return {
        responses: requests.map((r) => {
          const n = (seen.get(r.url) ?? 0) + 1;
          seen.set(r.url, n);
          return { id: r.id, ...respond(r, n) };
        }),
      };
    });
  return { envelopes, attempts: seen };
}

/** One request per task; the task ends with what it was answered. */
function tasks(n: number, request: (i: number) => OpRequest): BulkTask[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    label: `user${i}`,
    runner: {
      start: () => ({ request: request(i) }),
      onResult: (o: ItemOutcome) => ({ result: o.ok ? ('done' as const) : o.unknown ? ('unknown' as const) : ('failed' as const), detail: o.error?.kind ?? 'ok', status: o.status }),
    },
  }));
}

async function* source(list: BulkTask[]) {
  yield* list;
}

const get = (i: number): OpRequest => ({ method: 'GET', url: `/users/u${i}`, write: false });
const serviceUnavailable = (retryAfter?: string): Answer => ({ status: 503, ...(retryAfter ? { headers: { 'Retry-After': retryAfter } } : {}), body: graphError('serviceNotAvailable', 'busy') });

describe('bulk engine: one retry policy, one clock', () => {
  it("waits a 503's Retry-After on the injected clock, then succeeds (learn.microsoft.com/graph/errors: 503, repeat after Retry-After)", async () => {
    const { attempts } = batchEndpoint((r, n) => (r.url === '/users/u0' && n === 1 ? serviceUnavailable('120') : { status: 200, body: {} }));
    const { gw, clock } = makeGateway();
    const start = clock.now();
    const result = await runBulk(source(tasks(3, get)), { gateway: gw, random: () => 0.5 });
    expect(result.records.map((r) => r.result)).toEqual(['done', 'done', 'done']);
    expect(attempts.get('/users/u0')).toBe(2);
    expect(result.requests.retries).toBe(1);
    // The retry waited Graph's 120 s on the fake clock (instant in real time).
    expect(clock.now() - start).toBeGreaterThanOrEqual(120_000);
    // Exactly Graph's Retry-After, no backoff on top of it. (Not an upper bound on the clock: the
    // engine's 200 ms flush ticks also advance the fake clock, as many as real I/O takes turns.)
    expect(Math.max(...clock.sleeps)).toBe(120_000);
  });

  it('does not retry a 500 or 502 item (Graph documents no retry for them); gives a 503 its attempts', async () => {
    const { attempts } = batchEndpoint((r) => (r.url === '/users/u0' ? { status: 500, body: graphError('generalException', 'x') } : r.url === '/users/u1' ? { status: 502, body: graphError('badGateway', 'x') } : serviceUnavailable()));
    const { gw } = makeGateway();
    const result = await runBulk(source(tasks(3, get)), { gateway: gw, random: () => 0, maxAttempts: 3 });
    expect(attempts.get('/users/u0')).toBe(1);
    expect(attempts.get('/users/u1')).toBe(1);
    expect(attempts.get('/users/u2')).toBe(3);
    expect(result.records.map((r) => [r.result, r.detail])).toEqual([
      ['failed', 'server'],
      ['failed', 'server'],
      ['failed', 'transient'],
    ]);
  });

  it('never re-sends a non-idempotent POST after a 503: its outcome is unknown; a 429 on it is re-sent (it never ran)', async () => {
    const post = (i: number): OpRequest => ({ method: 'POST', url: `/users/u${i}/authentication/temporaryAccessPassMethods`, body: {}, write: true });
    const { attempts } = batchEndpoint((r, n) =>
      r.url.startsWith('/users/u0') ? serviceUnavailable() : n === 1 ? { status: 429, headers: { 'Retry-After': '1' }, body: graphError('TooManyRequests', 'slow') } : { status: 201, body: {} },
    );
    const { gw } = makeGateway();
    const result = await runBulk(source(tasks(2, post)), { gateway: gw, random: () => 0 });
    expect(attempts.get('/users/u0/authentication/temporaryAccessPassMethods')).toBe(1);
    expect(attempts.get('/users/u1/authentication/temporaryAccessPassMethods')).toBe(2);
    expect(result.records.map((r) => [r.result, r.detail])).toEqual([
      ['unknown', 'outcomeUnknown'],
      ['done', 'ok'],
    ]);
  });

  it('gives a throttled item more turns than a failing one (THROTTLED_ATTEMPTS_FACTOR)', async () => {
    const { attempts } = batchEndpoint((_r, n) => (n <= 4 ? { status: 429, headers: { 'Retry-After': '1' }, body: graphError('TooManyRequests', 'slow') } : { status: 200, body: {} }));
    const { gw } = makeGateway();
    const result = await runBulk(source(tasks(1, get)), { gateway: gw, random: () => 0, maxAttempts: 2 });
    expect(attempts.get('/users/u0')).toBe(5);
    expect(result.records[0]!.result).toBe('done');
  });

  it('stops the run at the command deadline, resumable, instead of failing every remaining item', async () => {
    const { gw, clock } = makeGateway({ deadlineMs: 60_000, limitSettings: { deadlineMs: 'ENTRA_ROLLOUT_DEADLINE_SECONDS=60' } });
    // Each envelope takes 25 s of (fake) time: the third would start past the deadline.
    const { envelopes } = batchEndpoint(() => ({ status: 200, body: {} }), () => clock.advance(25_000));
    const result = await runBulk(source(tasks(100, get)), { gateway: gw, concurrency: 1, readAhead: 20 });
    expect(envelopes.length).toBeLessThan(5);
    expect(result.records.every((r) => r.result === 'done')).toBe(true);
    expect(result.records.length).toBe(envelopes.length * 20);
    expect(result.interrupted).toMatchObject({ by: 'deadline', detail: "the command's deadline of 60 s (ENTRA_ROLLOUT_DEADLINE_SECONDS=60)" });
  });

  it('stops at once when the whole $batch is refused for want of permission (matched by kind, not message)', async () => {
    nock(ORIGIN).post('/v1.0/$batch').reply(403, graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'));
    const { gw } = makeGateway();
    await expect(runBulk(source(tasks(30, get)), { gateway: gw, concurrency: 1 })).rejects.toThrow(/^stopped: .*403 Authorization_RequestDenied/);
  });
});
