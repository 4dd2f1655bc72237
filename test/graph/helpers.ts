import nock from 'nock';
import type { TokenProvider } from '../../src/graph/credentials.js';
import { staticTokenProvider } from '../../src/graph/credentials.js';
import { resolveEndpoints } from '../../src/graph/endpoints.js';
import type { GraphGatewayOptions } from '../../src/graph/gateway.js';
import { GraphGateway } from '../../src/graph/gateway.js';
import type { Clock } from '../../src/graph/rateLimiter.js';

export const ORIGIN = 'http://127.0.0.1:8765';
export const BASE = `${ORIGIN}/v1.0`;

export interface FakeClock extends Clock {
  sleeps: number[];
  advance(ms: number): void;
}

/** Time only moves when someone sleeps: deterministic and instant. */
export function fakeClock(start = Date.UTC(2026, 0, 1)): FakeClock {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    // Let pending continuations run first, then jump to the wake-up time (concurrent sleepers overlap).
    sleep: async (ms: number) => {
      sleeps.push(ms);
      const target = t + ms;
      await new Promise((resolve) => setImmediate(resolve));
      t = Math.max(t, target);
    },
    advance: (ms: number) => {
      t += ms;
    },
    sleeps,
  };
}

export function makeGateway(
  overrides: Partial<GraphGatewayOptions> & { graphUrl?: string; tokenProvider?: TokenProvider | undefined } = {},
): { gw: GraphGateway; clock: FakeClock } {
  const clock = (overrides.clock as FakeClock | undefined) ?? fakeClock();
  const { graphUrl, ...rest } = overrides;
  const gw = new GraphGateway({
    endpoints: resolveEndpoints({ graphUrl: graphUrl ?? BASE }),
    tokenProvider: 'tokenProvider' in overrides ? overrides.tokenProvider : staticTokenProvider('test-token'),
    random: () => 0.5,
    requestTimeoutMs: 0,
    ...rest,
    clock,
  });
  return { gw, clock };
}

export function graphError(code: string, message: string, requestId = 'req-1234') {
  return { error: { code, message, innerError: { 'request-id': requestId, date: '2026-01-01T00:00:00' } } };
}

/** A connection failure as node:http reports it: an Error with Node's code (nock emits only Error instances on a request). */
export function netError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export function setupNock(): void {
  nock.disableNetConnect();
}

export function teardownNock(): void {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  if (pending.length > 0) throw new Error(`unused nock interceptors: ${pending.join(', ')}`);
}
