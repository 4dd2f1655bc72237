import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectGraph } from '../../src/graph/gateway.js';
import { ORIGIN, graphError, makeGateway, setupNock, teardownNock } from './helpers.js';

describe('ENTRA_ROLLOUT_TIME_SCALE', () => {
  it('is accepted for a loopback endpoint only, and must be a positive number', async () => {
    const gw = await connectGraph({ env: { ENTRA_ROLLOUT_GRAPH_URL: 'http://127.0.0.1:9/v1.0', ENTRA_ROLLOUT_TOKEN: 't', ENTRA_ROLLOUT_TIME_SCALE: '20' } });
    expect(gw.baseUrl).toBe('http://127.0.0.1:9/v1.0');
    // The tool's own waits (throttle pacing, backoff) run as many times faster as the emulator's clock.
    expect(gw.timeScale).toBe(20);
    const unscaled = await connectGraph({ env: { ENTRA_ROLLOUT_GRAPH_URL: 'http://127.0.0.1:9/v1.0', ENTRA_ROLLOUT_TOKEN: 't' } });
    expect(unscaled.timeScale).toBe(1);
    await expect(connectGraph({ env: { ENTRA_ROLLOUT_GRAPH_URL: 'http://127.0.0.1:9/v1.0', ENTRA_ROLLOUT_TOKEN: 't', ENTRA_ROLLOUT_TIME_SCALE: 'fast' } })).rejects.toThrow(
      'ENTRA_ROLLOUT_TIME_SCALE must be a positive number, got "fast"',
    );
    await expect(connectGraph({ env: { ENTRA_ROLLOUT_GRAPH_URL: 'https://graph.microsoft.com/v1.0', ENTRA_ROLLOUT_TOKEN: 't', ENTRA_ROLLOUT_TIME_SCALE: '20' } })).rejects.toThrow(
      /applies only to a local emulator/,
    );
  });
});

// Issue 16 (mutations that survived): the speed-up must reach every wait of the client, not only
// the gateway's own field: the throttle pacing (rate limiter) and the retries of `$batch` items.
describe('a timeScale speed-up reaches every client-side wait', () => {
  beforeEach(setupNock);
  afterEach(teardownNock);

  it('the rate limiter paces Conditional Access (1 request per second) 100 times faster', async () => {
    nock(ORIGIN).get('/v1.0/identity/conditionalAccess/policies').times(2).reply(200, { value: [] });
    const { gw, clock } = makeGateway({ timeScale: 100 });
    await gw.get('/identity/conditionalAccess/policies');
    await gw.get('/identity/conditionalAccess/policies');
    expect(clock.sleeps).toEqual([10]);
  });

  it('a $batch item answered 503 is retried after its backoff divided by the speed-up', async () => {
    let call = 0;
    nock(ORIGIN)
      .post('/v1.0/$batch')
      .times(2)
      .reply(200, (_uri, body) => {
        call++;
        const requests = (body as { requests: Array<{ id: string }> }).requests;
        return { responses: requests.map((r) => (call === 1 ? { id: r.id, status: 503, body: graphError('serviceNotAvailable', 'busy') } : { id: r.id, status: 200, body: { ok: true } })) };
      });
    const { gw, clock } = makeGateway({ timeScale: 100, random: () => 0.5, retry: { baseDelayMs: 1000, maxDelayMs: 30_000 } });
    const results = await gw.batch([{ method: 'GET', url: '/users/a' }]);
    expect(results.map((r) => r.ok)).toEqual([true]);
    // Full jitter: half of the first backoff (1000 ms), at 100 times the speed.
    expect(clock.sleeps).toEqual([5]);
  });
});
