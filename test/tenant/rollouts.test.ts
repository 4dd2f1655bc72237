// How the wave reader schedules its reads against a scale tenant: the throttled readiness reads
// start beside the membership reads, not after them, and stop when a membership read fails.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { DesiredState } from '../../src/config/types.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { connectGraph, GraphRequestError } from '../../src/graph/index.js';
import { urlOf } from '../../src/graph/middleware.js';
import { NodeHttpTransport, responseOf } from '../../src/graph/transport.js';
import { resolveRef } from '../../src/plan/directory.js';
import { readLiveState } from '../../src/tenant/readLive.js';
import { readRollouts } from '../../src/tenant/rollouts.js';
import { REPO_ROOT } from '../helpers/cli.js';

const POLICIES = path.join(REPO_ROOT, 'test/bench/policies-scale');

function desiredState(): DesiredState {
  const loaded = loadConfig(POLICIES);
  if (!loaded.state) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.state;
}

/**
 * The gateway's transport, recording: every request it sends once `start()` was called, in the order
 * they start (path and query, decoded), and how many whose path contains a string have not been
 * answered yet. `before` may hold a request back until a promise settles; `after` sees each answer's status.
 */
function recordRequests(hooks: { before?: (url: string) => Promise<void> | undefined; after?: (url: string, status: number) => void } = {}) {
  const inner = new NodeHttpTransport();
  const starts: string[] = [];
  const pending: string[] = [];
  let recording = false;
  const transport: Middleware = {
    setNext: () => undefined,
    async execute(ctx: Context) {
      if (!recording) return inner.execute(ctx);
      const href = new URL(urlOf(ctx));
      const url = decodeURIComponent(href.pathname + href.search);
      starts.push(url);
      pending.push(url);
      try {
        await hooks.before?.(url);
        await inner.execute(ctx);
        hooks.after?.(url, responseOf(ctx)?.status ?? 0);
      } finally {
        pending.splice(pending.indexOf(url), 1);
      }
    },
  };
  return { transport, starts, pending: (match: string) => pending.filter((u) => u.includes(match)).length, start: () => (recording = true) };
}

let emulator: RunningEmulator | undefined;
let recorder: ReturnType<typeof recordRequests> | undefined;
afterEach(async () => {
  recorder = undefined;
  await emulator?.close();
  emulator = undefined;
});

describe('readRollouts on a scale tenant', () => {
  it('starts the registration report and the log queries before the membership reads are done', async () => {
    emulator = await startEmulator({ scenario: 'scale', users: 20_000, throttle: false });
    // The client's own pacing, 1000 times faster: the order of the reads is what is looked at here.
    recorder = recordRequests();
    const gw = await connectGraph({ graphUrl: emulator.graphBaseUrl, token: 't', timeScale: 1000, env: {}, transport: recorder.transport });
    const desired = desiredState();
    const { live } = await readLiveState(gw, desired);
    recorder.start();
    const read = await readRollouts(gw, desired, live!);
    const { starts } = recorder;
    const lastMemberPage = starts.findLastIndex((p) => p.includes('/transitiveMembers/'));
    for (const read of ['/reports/authenticationMethods/userRegistrationDetails', '/auditLogs/directoryAudits', '/auditLogs/signIns', '/users?']) {
      expect(starts.findIndex((p) => p.includes(read)), read).toBeLessThan(lastMemberPage);
    }
    expect(read.readiness.registrations.size).toBeGreaterThan(19_000);
    // Only documented options are sent (Learn "List userRegistrationDetails": $filter and $orderBy; the
    // reader keeps the gates' fields itself), and equal method lists are one array (memory at 300,000 users).
    expect(starts.find((p) => p.includes('/userRegistrationDetails'))).not.toMatch(/\$select|\$top/);
    const lists = new Set([...read.readiness.registrations.values()].map((r) => r.methodsRegistered));
    expect(lists.size).toBeLessThan(20);
    expect(read.observations[0]!.waves.map((w) => w.memberIds.length)).toEqual([200, 1800, 5999, 11_999]);
  });

  it('stops the readiness reads when a membership read fails, and reports that failure', async () => {
    emulator = await startEmulator({ scenario: 'scale', users: 20_000, throttle: false });
    let memberFailed!: () => void;
    const failed = new Promise<void>((resolve) => (memberFailed = resolve));
    let wave4 = '';
    // Ordered by events, not by the machine's speed: the report's second page is held until the
    // membership read of the deleted wave has been answered 404, so the failure always comes first
    // and the report (20 pages) could read on only if the reader did not stop.
    recorder = recordRequests({
      before: (url) => (url.includes('/userRegistrationDetails') && recorder!.starts.filter((p) => p.includes('/userRegistrationDetails')).length > 1 ? failed : undefined),
      after: (url, status) => {
        if (status === 404 && url.includes(`/groups/${wave4}`)) memberFailed();
      },
    });
    const gw = await connectGraph({ graphUrl: emulator.graphBaseUrl, token: 't', timeScale: 1000, env: {}, transport: recorder.transport });
    const desired = desiredState();
    const { live } = await readLiveState(gw, desired);
    wave4 = resolveRef(live!.directory, 'group', 'Scale Wave 4');
    await fetch(`${emulator.graphBaseUrl}/groups/${wave4}`, { method: 'DELETE', headers: { Authorization: 'Bearer t' } });
    recorder.start();
    const err = await readRollouts(gw, desired, live!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphRequestError);
    expect((err as GraphRequestError).status).toBe(404);
    // readRollouts settles only once its readiness reads have: no report page is left in flight.
    expect(recorder.pending('/userRegistrationDetails'), 'a report page still in flight after the read failed').toBe(0);
    const reportPages = recorder.starts.filter((p) => p.includes('/userRegistrationDetails')).length;
    expect(reportPages).toBeGreaterThan(0);
    expect(reportPages).toBeLessThan(10);
  });
});
