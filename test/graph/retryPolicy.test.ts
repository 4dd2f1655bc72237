// The one retry policy (src/graph/retryPolicy.ts) shared by the gateway, `$batch` items and the bulk
// engine, and the `kind` every Graph error carries (callers match on it, never on a message).
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GraphRequestError } from '../../src/graph/graphError.js';
import { AttemptCount, DEFAULT_RETRY, classifyOutcome, kindOfStatus, retryDelay } from '../../src/graph/retryPolicy.js';
import { ORIGIN, graphError, makeGateway, setupNock, teardownNock } from './helpers.js';

beforeEach(setupNock);
afterEach(teardownNock);

describe('retry policy', () => {
  it.each([
    // status, idempotent, transport, final, verdict
    [200, true, undefined, false, 'ok'],
    [429, false, undefined, false, 'retry'], // throttled: never ran, even a TAP creation may be re-sent
    [429, true, undefined, true, 'fail'], // Retry-After beyond the budget
    [503, true, undefined, false, 'retry'], // learn.microsoft.com/graph/errors: repeat after a delay
    [504, true, undefined, false, 'retry'],
    [503, false, undefined, false, 'outcomeUnknown'], // may have run: never re-sent blindly
    [500, true, undefined, false, 'fail'], // no documented retry advice
    [502, true, undefined, false, 'fail'],
    [500, false, undefined, false, 'outcomeUnknown'],
    [0, true, 'maybeSent', false, 'retry'],
    [0, false, 'maybeSent', false, 'outcomeUnknown'],
    [0, false, 'notSent', false, 'retry'], // a refused connection sent nothing
    [0, true, 'fatal', false, 'fail'],
    [0, false, 'notSent', true, 'fail'], // refused before sending (an unsafe id)
    [404, true, undefined, false, 'fail'],
    [400, false, undefined, false, 'fail'],
  ] as const)('%i (idempotent %s, %s, final %s) -> %s', (status, idempotent, transport, final, verdict) => {
    expect(classifyOutcome({ status, idempotent, transport, final })).toBe(verdict);
  });

  it('gives throttled answers six times the attempts of failing ones, counted apart', () => {
    const c = new AttemptCount();
    for (let i = 0; i < 9; i++) c.record(429);
    expect(c.allowsAnother(429, 2)).toBe(true);
    c.record(503);
    expect(c.allowsAnother(503, 2)).toBe(true);
    c.record(503);
    expect(c.allowsAnother(503, 2)).toBe(false);
    for (let i = 0; i < 3; i++) c.record(429);
    expect(c.allowsAnother(429, 2)).toBe(false);
  });

  it("honours a Retry-After as sent (never time-scaled) within what is left, else gives up; backs off with full jitter otherwise", () => {
    const base = { options: DEFAULT_RETRY, random: () => 0.5, waitScale: 0.01, leftMs: 10_000 };
    expect(retryDelay({ ...base, attempt: 1, retryAfterMs: 2_000 })).toEqual({ waitMs: 2_000 });
    expect(retryDelay({ ...base, attempt: 1, retryAfterMs: 20_000 })).toEqual({ giveUp: 'retryAfter', waitMs: 20_000 });
    expect(retryDelay({ ...base, attempt: 3, retryAfterMs: undefined })).toEqual({ waitMs: 20 });
    expect(retryDelay({ ...base, waitScale: 1, attempt: 6, retryAfterMs: undefined })).toEqual({ giveUp: 'budget', waitMs: 15_000 });
  });

  it('names the kind of each Graph answer', () => {
    expect(kindOfStatus(429, undefined, false)).toBe('throttled');
    expect(kindOfStatus(504, undefined, false)).toBe('transient');
    expect(kindOfStatus(502, undefined, false)).toBe('server');
    expect(kindOfStatus(404, undefined, false)).toBe('notFound');
    expect(kindOfStatus(403, undefined, false)).toBe('forbidden');
    expect(kindOfStatus(409, undefined, false)).toBe('conflict');
    expect(kindOfStatus(400, 'One or more added object references already exist for the following modified properties: members.', false)).toBe('alreadyExists');
    expect(kindOfStatus(400, 'Invalid value', false)).toBe('badRequest');
    expect(kindOfStatus(503, undefined, true)).toBe('outcomeUnknown');
    expect(new GraphRequestError({ method: 'GET', path: '/x', status: 0, reason: 'r', kind: 'deadline' }).kind).toBe('deadline');
  });
});

describe('the policy in the gateway and in $batch', () => {
  it('a $batch item answered 500 is not re-sent; one answered 503 is (as a whole request would be)', async () => {
    const calls: string[][] = [];
    nock(ORIGIN)
      .persist()
      .post('/v1.0/$batch')
      .reply(200, (_uri, body) => {
        const requests = (body as { requests: Array<{ id: string; url: string }> }).requests;
        calls.push(requests.map((r) => r.url));
        return { responses: requests.map((r) => ({ id: r.id, ...(r.url === '/users/a' ? { status: 500, body: graphError('generalException', 'x') } : calls.length === 1 ? { status: 503, body: graphError('serviceNotAvailable', 'x') } : { status: 200, body: {} }) })) };
      });
    const { gw } = makeGateway();
    const results = await gw.batch([
      { method: 'GET', url: '/users/a' },
      { method: 'GET', url: '/users/b' },
    ]);
    expect(calls).toEqual([['/users/a', '/users/b'], ['/users/b']]);
    expect(results[0]!.error?.kind).toBe('server');
    expect(results[1]!.ok).toBe(true);
  });

  it('errors carry their kind from where they are made', async () => {
    nock(ORIGIN).get('/v1.0/groups/g1').reply(404, graphError('Request_ResourceNotFound', 'gone'));
    nock(ORIGIN).post('/v1.0/users/u1/authentication/temporaryAccessPassMethods').reply(503, graphError('serviceNotAvailable', 'x'));
    nock(ORIGIN).get('/v1.0/users').reply(200, { value: [null] });
    const { gw } = makeGateway();
    await expect(gw.get('/groups/g1')).rejects.toMatchObject({ kind: 'notFound' });
    await expect(gw.post('/users/u1/authentication/temporaryAccessPassMethods', {})).rejects.toMatchObject({ kind: 'outcomeUnknown', outcomeUnknown: true });
    await expect(gw.listAll('/users')).rejects.toMatchObject({ kind: 'malformed' });
    await expect(gw.get('/users/..%2f..')).rejects.toMatchObject({ kind: 'refused' });
  });
});
