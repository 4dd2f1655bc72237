import { canonicalJson } from '../../src/util/canonicalJson.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import type { WriteRecord } from '../../src/emulator/requestLog.js';

/** A running emulator plus small helpers for its /_emulator control API. */
export interface TestTenant {
  emulator: RunningEmulator;
  env: NodeJS.ProcessEnv;
  state(): Promise<{ hash: string; body: Record<string, unknown> }>;
  /**
   * The state with what legitimately differs between runs removed: generated ids (of created CA
   * policies and authentication methods) and timestamps.
   */
  comparableState(): Promise<string>;
  /**
   * Every write request the emulator logged (items of a `$batch` too), in order: what was SENT. With
   * `tookEffect`, the writes the throttle refused before running them are left out (see `tookEffect`).
   */
  writes(options?: { tookEffect?: boolean }): Promise<WriteRecord[]>;
  control(method: string, path: string, body?: unknown): Promise<unknown>;
  graph(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export async function startTestTenant(options: Partial<EmulatorOptions> = {}): Promise<TestTenant> {
  // Graph's throttles, 1,000 times faster on both sides (emulator and CLI): CLI and emulator keep to
  // the same limits against each other, and a test does not wait Graph's real windows (5 report reads
  // per 10 s would make each plan wait over a second). A test of pacing itself passes its own scale.
  const timeScale = options.timeScale ?? 1000;
  const emulator = await startEmulator({ scenario: 'demo', clockStart: new Date('2026-11-20T09:00:00Z'), ...options, timeScale });
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const tenant: TestTenant = {
    emulator,
    env: { ENTRA_ROLLOUT_GRAPH_URL: emulator.graphBaseUrl, ENTRA_ROLLOUT_TOKEN: 'test-token', ENTRA_ROLLOUT_TIME_SCALE: String(timeScale) },
    async state() {
      const r = await call('GET', `${emulator.url}/_emulator/state`);
      return { hash: r.headers.get('x-emulator-state-hash') ?? '', body: r.body as Record<string, unknown> };
    },
    async comparableState() {
      const body = structuredClone((await tenant.state()).body);
      const policies = (body.conditionalAccessPolicies ?? {}) as Record<string, { displayName: string; id?: string }>;
      body.conditionalAccessPolicies = Object.fromEntries(Object.values(policies).map(({ id: _id, ...p }) => [p.displayName, p]));
      // A method created again after a lost answer (a replaced pass) gets a new id; what the user holds is the same.
      const userMethods = (body.userMethods ?? {}) as Record<string, Array<{ id?: string; kind: string }>>;
      for (const [user, methods] of Object.entries(userMethods)) {
        userMethods[user] = methods.map(({ id: _id, ...m }) => m).sort((a, b) => canonicalJson(a).localeCompare(canonicalJson(b)));
      }
      return canonicalJson(JSON.parse(JSON.stringify(body, (key, value: unknown) => (key.endsWith('DateTime') ? undefined : value))));
    },
    async writes(options = {}) {
      const r = await call('GET', `${emulator.url}/_emulator/requests`);
      const all = (r.body as { writes: WriteRecord[] }).writes;
      return options.tookEffect ? all.filter((w) => !refusedByThrottle(w)) : all;
    },
    async control(method, path, body) {
      return (await call(method, `${emulator.url}/_emulator${path}`, body)).body;
    },
    async graph(method, path, body) {
      // Like any Graph client, wait out a 429 (the emulator throttles CA at about 1 request per second).
      for (let attempt = 0; ; attempt++) {
        const r = await call(method, `${emulator.graphBaseUrl}${path}`, body, { authorization: 'Bearer test-token' });
        if (r.status !== 429 || attempt === 5) return { status: r.status, body: r.body };
        await new Promise((resolve) => setTimeout(resolve, Number(r.headers.get('retry-after') ?? 1) * 1000));
      }
    },
    close: () => emulator.close(),
  };
  return tenant;
}

/**
 * A write the throttle answered 429 before running it, Graph's throttle (`throttled`) or an injected
 * `429`/`429noretry`/`429huge` fault (`fault`): it did nothing, and the client sends it again, so on a
 * busy machine one write that took effect can leave two records. Every other record counts, so a
 * failed or extra write still shows. (The emulator sends no 503 with Retry-After; an injected `503`
 * fault is a failure a test asks for, not the machine's load, and stays.)
 */
export function refusedByThrottle(w: Pick<WriteRecord, 'status' | 'outcome'>): boolean {
  return w.status === 429 && (w.outcome === 'throttled' || w.outcome === 'fault');
}
