import { describe, expect, it } from 'vitest';
import { connectGraph } from '../../src/graph/gateway.js';

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
