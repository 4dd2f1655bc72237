// Concurrency and interruption of the bulk `users` commands through the built CLI on the emulator:
// a journal is locked while a run uses it (a second --resume refuses, naming the holder), and
// SIGTERM stops a run gracefully (summary, the exact --resume command, exit 143) so that the resume
// finishes the work without repeating a write. Moments are chosen from the emulator's request log.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { issuedPasses, spawnCli } from '../reliability/harness.js';

let tenant: TestTenant | undefined;
let stopped: number | undefined;
afterEach(async () => {
  if (stopped !== undefined) {
    try {
      process.kill(stopped, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  stopped = undefined;
  await tenant?.close();
  tenant = undefined;
});
const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-interrupt-'));

type Write = { method: string; path: string; outcome: string; inBatch: boolean };
async function writes(t: TestTenant): Promise<Write[]> {
  return ((await t.control('GET', '/requests')) as { writes: Write[] }).writes.filter((w) => w.path !== '/$batch');
}

/** Polls the emulator's control API (no sleep) until `done` holds for its write log. */
async function waitForWrites(t: TestTenant, done: (w: Write[]) => boolean, exited: () => boolean): Promise<Write[]> {
  for (;;) {
    const w = await writes(t);
    if (done(w) || exited()) return w;
  }
}

const tapPosts = (w: Write[]) => w.filter((x) => x.method === 'POST' && x.path.endsWith('/temporaryAccessPassMethods'));

describe('a journal is locked while a run uses it', () => {
  it('two concurrent --resume of one issue-tap journal: the second refuses at once naming the holder; no user gets two codes', async () => {
    tenant = await startTestTenant({ answerLatencyMs: 50 });
    const dir = tmp();
    const journal = path.join(dir, 'tap.journal');
    const out = path.join(dir, 'passes.csv');
    const args = ['users', 'issue-tap', '--wave', 'everyone', '--not-ready', '--out', out, '--lifetime', '120'];

    // A first run, stopped part-way (SIGTERM: it settles what is in flight), leaves a journal to resume.
    const first = spawnCli([...args, '--journal', journal], tenant.env);
    let firstExited = false;
    void first.done.then(() => (firstExited = true));
    await waitForWrites(tenant, (w) => tapPosts(w).length >= 20, () => firstExited);
    first.kill('SIGTERM');
    const firstResult = await first.done;
    expect(firstResult.stderr).not.toMatch(STACK_TRACE);
    expect(firstResult.code, firstResult.stderr).toBe(143);
    expect(existsSync(`${journal}.lock`)).toBe(false);

    // Resume A holds the journal: once it has written, it is frozen (SIGSTOP) so that B surely overlaps it.
    const before = tapPosts(await writes(tenant)).length;
    const a = spawnCli([...args, '--resume', journal], tenant.env);
    let aExited = false;
    void a.done.then(() => (aExited = true));
    await waitForWrites(tenant, (w) => tapPosts(w).length > before, () => aExited);
    expect(aExited, 'resume A ended before it could be overlapped').toBe(false);
    process.kill(a.pid, 'SIGSTOP');
    stopped = a.pid;
    const frozenAt = (await writes(tenant)).length;

    const b = await runCli([...args, '--resume', journal], { env: tenant.env });
    expect(b.stderr).not.toMatch(STACK_TRACE);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`error: journal ${journal} is in use by another run: pid ${a.pid} on ${hostname()} (issue-tap)`);
    expect((await writes(tenant)).length, 'the refused resume wrote').toBe(frozenAt);

    process.kill(a.pid, 'SIGCONT');
    stopped = undefined;
    const aResult = await a.done;
    expect(aResult.stderr).not.toMatch(STACK_TRACE);
    expect(aResult.code, aResult.stderr).toBe(0);
    expect(existsSync(`${journal}.lock`)).toBe(false);

    // One code per user: the emulator handed out one pass per user, and the pass file holds each once.
    const passes = await issuedPasses(tenant);
    const perUser = new Map<string, number>();
    for (const p of passes) perUser.set(p.userPrincipalName, (perUser.get(p.userPrincipalName) ?? 0) + 1);
    expect([...perUser].filter(([, n]) => n > 1)).toEqual([]);
    const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]!);
    expect(new Set(rows).size).toBe(rows.length);
    expect(rows.length).toBe(passes.length);
  });
});

describe('SIGTERM during a bulk run', () => {
  it('users import-phones --yes: summary and the exact --resume command, exit 143; the resume completes with no repeated write', async () => {
    tenant = await startTestTenant({ scenario: 'scale', users: 2000, seed: 5, timeScale: 1000, answerLatencyMs: 100 });
    const dir = tmp();
    const csv = path.join(dir, 'phones.csv');
    const journal = path.join(dir, 'phones.journal');
    const rows = 600;
    const upns: string[] = [];
    for (let next: string | undefined = '/users?$select=userPrincipalName&$top=999'; next && upns.length < rows; ) {
      const r = await tenant.graph('GET', next.replace(tenant.emulator.graphBaseUrl, ''));
      const body = r.body as { value: { userPrincipalName: string }[]; '@odata.nextLink'?: string };
      // The break-glass accounts are no bulk target (an import naming them is refused before it starts).
      upns.push(...body.value.map((u) => u.userPrincipalName).filter((u) => !u.startsWith('breakglass')));
      next = body['@odata.nextLink'];
    }
    writeFileSync(csv, upns.slice(0, rows).map((u, i) => `${u},office,+1 42555${String(i).padStart(5, '0')}`).join('\n'));
    await tenant.control('POST', '/reset-log');

    const run = spawnCli(['users', 'import-phones', csv, '--yes', '--journal', journal], tenant.env);
    let exited = false;
    void run.done.then(() => (exited = true));
    const atSignal = await waitForWrites(tenant, (w) => w.length >= 100, () => exited);
    expect(exited, 'the run ended before the signal').toBe(false);
    run.kill('SIGTERM');
    const stoppedRun = await run.done;
    expect(stoppedRun.stderr).not.toMatch(STACK_TRACE);
    expect(stoppedRun.code, stoppedRun.stderr).toBe(143);
    const written = await writes(tenant);
    expect(written.length).toBeGreaterThanOrEqual(atSignal.length);
    expect(written.length, 'the signal stopped nothing').toBeLessThan(rows);
    // The summary counts every write the run saw answered; the journal is flushed and unlocked.
    const done = Number(/^ {2}done: (\d+)$/m.exec(stoppedRun.stdout)?.[1]);
    expect(done).toBe(written.filter((w) => w.outcome === 'applied').length);
    expect(stoppedRun.stdout).toMatch(/^ {2}interrupted: \d+ item\(s\) in progress were left unfinished/m);
    expect(existsSync(`${journal}.lock`)).toBe(false);
    expect(stoppedRun.stderr).toContain('SIGTERM: stopping: no new write starts, waiting for those in flight');
    const hint = /^interrupted by SIGTERM: continue with:\n {2}entra-rollout (.+)$/m.exec(stoppedRun.stderr);
    expect(hint, stoppedRun.stderr).not.toBeNull();
    expect(hint![1]).toBe(`users import-phones ${csv} --yes --resume ${journal}`);

    const resumed = await runCli(hint![1]!.split(' '), { env: tenant.env });
    expect(resumed.stderr).not.toMatch(STACK_TRACE);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`^ {2}done: ${rows} \\(${done} in an earlier run\\)$`, 'm'));
    const all = await writes(tenant);
    const seen = new Map<string, number>();
    for (const w of all) seen.set(`${w.method} ${w.path}`, (seen.get(`${w.method} ${w.path}`) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
    expect(all.filter((w) => w.outcome === 'applied')).toHaveLength(rows);
  });
});
