// Issue 12, point 6 (bounded transport), through the built CLI against the emulator's hostile answers:
// a redirect is an error and nothing is re-sent; a huge Retry-After fails that request instead of
// freezing its class; body size, page count and the command's deadline are bounded; a static token
// with a newline is refused unprinted; Graph text is sanitised; an id `..` never enters a path.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});
const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-transport-'));
const RSS_PROBE = fileURLToPath(new URL('../bench/rssProbe.mjs', import.meta.url));
const USER = 'pradeep.tanaka300@contoso.onmicrosoft.com';

interface Log {
  httpRequests: number;
  injected: Record<string, number>;
  writes: Array<{ method: string; path: string; outcome: string }>;
  gets: Array<{ path: string; status: number }>;
}

async function faults(t: TestTenant, spec: string): Promise<void> {
  const r = (await t.control('POST', '/faults', { spec })) as { spec?: string; error?: unknown };
  expect(r.error).toBeUndefined();
  await t.control('POST', '/reset-log');
}

describe('bounded transport (built CLI against hostile answers)', () => {
  it('a 307 on POST /$batch is an error naming the request; nothing is re-sent anywhere', async () => {
    tenant = await startTestTenant();
    const dir = tmp();
    const csv = path.join(dir, 'phones.csv');
    writeFileSync(csv, `user,phoneType,phoneNumber\n${USER},office,+1 4255550100\n`);
    await faults(tenant, 'redirect:1@POST~/$batch');
    const report = path.join(dir, 'report.json');
    const result = await runCli(['users', 'import-phones', csv, '--yes', '--journal', path.join(dir, 'j'), '--report', report], { env: tenant.env });
    expect(result.stderr).not.toMatch(STACK_TRACE);
    // The redirect's target (the emulator's sink) saw nothing: no body, no token went anywhere.
    expect(((await tenant.control('GET', '/redirect-hits')) as { hits: unknown[] }).hits).toEqual([]);
    expect(readFileSync(report, 'utf8')).toContain('"failed": 1');
    const log = (await tenant.control('GET', '/requests')) as Log;
    expect(log.injected.redirect).toBeGreaterThan(0);
    expect(log.writes.filter((w) => w.outcome === 'applied')).toEqual([]);

    // Where the error reaches the user directly (plan resolves names in a $batch): it names the request.
    await faults(tenant, 'redirect:1~/$batch');
    const plan = await runCli(['plan'], { env: tenant.env });
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(/^error: Graph GET \S+ failed: 307: the \$batch request failed: answered with a redirect to http:\/\/127\.0\.0\.1:\d+\/_emulator\/redirected\/v1\.0\/\$batch; redirects are never followed, nothing was re-sent/m);
    expect(((await tenant.control('GET', '/redirect-hits')) as { hits: unknown[] }).hits).toEqual([]);
  });

  it('Retry-After: 999999 on a report read fails that read at once; the rest of its class is not frozen', async () => {
    tenant = await startTestTenant();
    await faults(tenant, '429huge:1~/reports/#1');
    const result = await runCli(['plan'], { env: tenant.env });
    // Before the fix the class was paused for 11.5 days and the plan never finished.
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/429 TooManyRequests.*Graph asked to wait 277\.8 h \(Retry-After\), more than the .* its retry budget leaves; not retried/);
    const log = (await tenant.control('GET', '/requests')) as Log;
    expect(log.injected).toEqual({ '429huge': 1 });
    // The throttled read was sent once (no retry), and later report reads were still served.
    const reportGets = log.gets.filter((g) => g.path.startsWith('/reports/') || g.path.startsWith('/auditLogs/'));
    expect(reportGets.filter((g) => g.status === 429)).toHaveLength(1);
    expect(reportGets.filter((g) => g.status === 200).length).toBeGreaterThan(0);
  });

  it('a 100 MB body is a clear error and the CLI stays under 300 MB RSS', async () => {
    tenant = await startTestTenant();
    await faults(tenant, 'hugebody:1:100@GET~/identity/conditionalaccess/policies#1');
    const rssFile = path.join(tmp(), 'rss');
    const result = await runCli(['plan'], { env: { ...tenant.env, NODE_OPTIONS: `--import=${RSS_PROBE}`, BENCH_RSS_FILE: rssFile } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Graph GET \/identity\/conditionalAccess\/policies\S* failed: 200: the response body is larger than the 64 MiB limit \(ENTRA_ROLLOUT_MAX_RESPONSE_MB raises it\); stopped reading it/m);
    const maxRssKb = Number(readFileSync(rssFile, 'utf8'));
    expect(maxRssKb).toBeGreaterThan(0);
    expect(maxRssKb).toBeLessThan(300 * 1024);
  });

  it('endless unique nextLinks stop at the page cap with an error naming the collection', async () => {
    tenant = await startTestTenant();
    await faults(tenant, 'endless:1@GET~/identity/conditionalaccess/policies');
    const result = await runCli(['plan'], { env: { ...tenant.env, ENTRA_ROLLOUT_MAX_PAGES: '25' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Graph GET \/identity\/conditionalAccess\/policies\S* failed: more than 25 pages \(ENTRA_ROLLOUT_MAX_PAGES=25\); stopped following @odata.nextLink$/m);
    const log = (await tenant.control('GET', '/requests')) as Log;
    expect(log.injected.endless).toBe(25);
  });

  it('a stalled answer ends at the per-command deadline with an error naming the request', async () => {
    // The deadline counts from the CLI's start; 20 s leaves a loaded machine ample time to reach the
    // stalled request (it failed under load at 2 s). The stall never ends, so only the deadline ends it.
    tenant = await startTestTenant();
    await faults(tenant, 'stall:1@GET~/identity/conditionalaccess/policies#1');
    const result = await runCli(['plan'], { env: { ...tenant.env, ENTRA_ROLLOUT_DEADLINE_SECONDS: '20' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Graph GET \/identity\/conditionalAccess\/policies\S* failed: the command reached its deadline of 20 s \(ENTRA_ROLLOUT_DEADLINE_SECONDS=20\); nothing more is sent$/m);
    expect(((await tenant.control('GET', '/requests')) as Log).injected).toEqual({ stall: 1 });
  });

  it('a static token with a newline is refused and never printed', async () => {
    tenant = await startTestTenant();
    const token = 'eyJhbGciOi.SECRETPART1\nSECRETPART2';
    const result = await runCli(['plan'], { env: { ...tenant.env, ENTRA_ROLLOUT_TOKEN: token } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: The Graph token from ENTRA_ROLLOUT_TOKEN must hold one bearer token and nothing else\n');
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/SECRETPART|eyJhbGciOi/);
    expect(((await tenant.control('GET', '/requests')) as Log).httpRequests).toBe(0);
  });

  it('escape sequences in a Graph error message reach stderr as visible text', async () => {
    tenant = await startTestTenant();
    await faults(tenant, 'escape:1@GET~/identity/conditionalaccess/policies#1');
    const result = await runCli(['plan'], { env: tenant.env });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    // One line: the fake "::notice::" annotation stays inside it.
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('Invalid request.\\u001b[2K\\u000d\\u001b[32m');
    expect(result.stderr).toContain('\\n::notice::all checks passed\\u0007\\u001b]0;pwned\\u0007');
  });

  it('an id ".." in a listing never enters a URL path: the delete is refused unsent', async () => {
    tenant = await startTestTenant();
    await faults(tenant, 'dotid:1@GET~/authentication/methods');
    const dir = tmp();
    const report = path.join(dir, 'report.json');
    const result = await runCli(['users', 'reset-methods', '--user', USER, '--yes', '--journal', path.join(dir, 'j'), '--report', report], { env: tenant.env });
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(readFileSync(report, 'utf8')).toContain('refused before sending: the segment \\"..\\" is refused: it is a dot segment');
    const log = (await tenant.control('GET', '/requests')) as Log;
    expect(log.injected.dotid).toBeGreaterThan(0);
    expect(log.writes).toEqual([]);
  });
});
