// users import-phones through the built CLI on a scale tenant: malformed rows reported with their
// lines, every valid row applied exactly once under injected faults, a SIGKILL half-way and a
// --resume that repeats no write (4,000 rows), and the request count of a fault-free import (5,000
// rows). Size is `npm run bench -- import-phones`' job (20,000 rows, rows/s and the same request
// bound): these runs check behaviour, and 4,000 rows still span several pages of users, some two
// hundred $batch requests and more writes than Graph's per-window write budget (3,000). At 20,000
// rows this file took about 45 CPU-seconds, the most of any test file; now about 21 (2026-11-28).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Prng } from '../../src/emulator/prng.js';
import { CLI, REPO_ROOT, cliEnv, runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

const USERS = 4_000;
const TIME_SCALE = 1000;
const OFFICE_ID = 'e37fc753-ff3b-4958-9484-eaa9425c82bc';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});
const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-phones-'));

async function upns(t: TestTenant): Promise<string[]> {
  const out: string[] = [];
  let next: string | undefined = `/users?$select=userPrincipalName&$top=999`;
  while (next) {
    const r = await t.graph('GET', next.replace(t.emulator.graphBaseUrl, ''));
    const body = r.body as { value: { userPrincipalName: string }[]; '@odata.nextLink'?: string };
    out.push(...body.value.map((u) => u.userPrincipalName));
    next = body['@odata.nextLink'];
  }
  return out;
}

const MALFORMED = [
  (u: string) => `${u},office,4255550100`, // no +CC
  (u: string) => `${u},office,+1 42-555`, // not digits
  (u: string) => `${u},pager,+1 4255550100`, // unknown type
  (u: string) => `${u},office`, // missing number
  (u: string) => `${u},office,+1 4255550100,replace`, // unknown action
  () => `not-a-user,office,+1 4255550100`,
];

/** A row per user (office phones, which no scale user has yet), 2% malformed at seeded places. */
function writeCsv(file: string, users: string[], seed: number): { expected: Map<string, string>; badLines: number[] } {
  const count = users.length;
  const prng = new Prng(seed);
  const rows = ['user,phoneType,phoneNumber,action'];
  const expected = new Map<string, string>();
  const badLines: number[] = [];
  const bad = new Set<number>();
  while (bad.size < Math.round(count * 0.02)) bad.add(prng.int(count));
  for (let i = 0; i < count; i++) {
    const u = users[i]!;
    if (bad.has(i)) {
      rows.push(MALFORMED[i % MALFORMED.length]!(u));
      badLines.push(rows.length);
    } else {
      const number = `+1 42566${String(i).padStart(5, '0')}`;
      rows.push(i % 3 === 0 ? `${u},office,${number},add` : `${u},Office,${number}`);
      expected.set(u.toLowerCase(), number);
    }
  }
  writeFileSync(file, `${rows.join('\n')}\n`);
  return { expected, badLines };
}

interface Log {
  httpRequests: number;
  faults: number;
  writes: Array<{ method: string; path: string; status: number; inBatch: boolean; outcome: string }>;
}

/** Office phones in the emulator's state, per user (lower-case UPN → number). */
async function officePhones(t: TestTenant, byId: Map<string, string>): Promise<Map<string, string>> {
  const state = (await t.state()).body as { userMethods: Record<string, Array<{ kind: string; id: string; props: { phoneNumber?: string } }>> };
  const out = new Map<string, string>();
  for (const [userId, methods] of Object.entries(state.userMethods)) {
    for (const m of methods) if (m.kind === 'phone' && m.id === OFFICE_ID) out.set(byId.get(userId) ?? userId, m.props.phoneNumber!);
  }
  return out;
}

async function idToUpn(t: TestTenant): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let next: string | undefined = `/users?$select=id,userPrincipalName&$top=999`;
  while (next) {
    const r = await t.graph('GET', next.replace(t.emulator.graphBaseUrl, ''));
    const body = r.body as { value: { id: string; userPrincipalName: string }[]; '@odata.nextLink'?: string };
    for (const u of body.value) out.set(u.id, u.userPrincipalName.toLowerCase());
    next = body['@odata.nextLink'];
  }
  return out;
}

/** Counts a marker in a growing file, reading only what was appended since the last look. */
function appendedCounter(file: string, marker: string): () => number {
  let offset = 0;
  let count = 0;
  let carry = ''; // the last marker.length - 1 characters, in case a marker straddles two reads
  return () => {
    if (!existsSync(file)) return count;
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= offset) return count;
      const fresh = Buffer.alloc(size - offset);
      const read = readSync(fd, fresh, 0, fresh.length, offset);
      offset += read;
      const text = carry + fresh.toString('utf8', 0, read);
      count += text.split(marker).length - 1;
      carry = text.slice(-(marker.length - 1));
      return count;
    } finally {
      closeSync(fd);
    }
  };
}

/** Starts the CLI and SIGKILLs it once the journal holds `killAfter` write intents. */
function runUntilKilled(args: string[], env: NodeJS.ProcessEnv, journal: string, killAfter: number): Promise<{ signal: NodeJS.Signals | null; intents: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: cliEnv(env), stdio: 'ignore' });
    // The journal grows to megabytes: reading it whole every few milliseconds was most of this test's CPU.
    const intentsSoFar = appendedCounter(journal, '"t":"intent"');
    let intents = 0;
    const timer = setInterval(() => {
      intents = intentsSoFar();
      if (intents >= killAfter) {
        clearInterval(timer);
        child.kill('SIGKILL');
      }
    }, 5);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearInterval(timer);
      resolve({ signal, intents });
    });
  });
}

describe('users import-phones', () => {
  it('applies every valid row of 4,000 exactly once under 429/503 faults, across a SIGKILL and --resume; reports each malformed row with its line', async () => {
    tenant = await startTestTenant({ scenario: 'scale', users: USERS, seed: 11, timeScale: TIME_SCALE });
    const dir = tmp();
    const csv = path.join(dir, 'phones.csv');
    const journal = path.join(dir, 'run.journal');
    const report = path.join(dir, 'report.json');
    const users = await upns(tenant);
    const byId = await idToUpn(tenant);
    const { expected, badLines } = writeCsv(csv, users.slice(0, USERS), 11);
    await tenant.control('POST', '/faults', { spec: '429:0.1,503:0.03' });
    await tenant.control('POST', '/reset-log');

    // Killed at a seeded point somewhere between 10% and 80% of the writes.
    const killAfter = Math.floor(expected.size * (0.1 + new Prng(2026).next() * 0.7));
    // Every user of the tenant, the two break-glass accounts included (on purpose, so the flag).
    const args = ['users', 'import-phones', csv, '--yes', '--format', 'json', '--include-emergency-access'];
    const killed = await runUntilKilled([...args, '--journal', journal], tenant.env, journal, killAfter);
    expect(killed.signal).toBe('SIGKILL');
    const partial = await officePhones(tenant, byId);
    expect(partial.size).toBeGreaterThan(0);
    expect(partial.size).toBeLessThan(expected.size);

    // SIGKILL left the journal's lock behind: the resume names it as stale and says how to clear it (never steals it).
    const refused = await runCli([...args, '--resume', journal, '--report', report], { env: tenant.env });
    expect(refused.code).toBe(1);
    const clear = /^error: journal .* has a stale lock: pid \d+ on .* is no longer running; .* clear the lock with `rm (.+)` and run again$/m.exec(refused.stderr);
    expect(clear, refused.stderr).not.toBeNull();
    expect(clear![1]).toBe(`${journal}.lock`);
    rmSync(clear![1]!);

    const resumed = await runCli([...args, '--resume', journal, '--report', report], { env: tenant.env });
    expect(resumed.stderr).not.toMatch(STACK_TRACE);
    expect(resumed.code).toBe(1); // the malformed rows were skipped: exit 1 (issue 14.10; it was 0)
    const summary = JSON.parse(resumed.stdout) as { totals: { done: number; doneEarlier: number; skipped: number; failed: number }; invalid: Array<{ line: number; reason: string }> };
    expect(summary.totals.failed).toBe(0);
    expect(summary.totals.done).toBe(expected.size);
    expect(summary.totals.doneEarlier).toBeGreaterThan(0);
    expect(summary.invalid.map((i) => i.line)).toEqual(badLines);
    for (const line of badLines) expect(resumed.stderr).toContain(`skipped line ${line}: `);
    expect(JSON.parse(readFileSync(report, 'utf8')).items.filter((i: { invalid?: boolean }) => i.invalid).length).toBe(badLines.length);

    // The final state is exactly the valid rows: nothing missing, nothing extra.
    const phones = await officePhones(tenant, byId);
    expect(phones.size).toBe(expected.size);
    for (const [user, number] of expected) expect(phones.get(user), user).toBe(number);

    // No write applied twice across both runs (faulted attempts were never applied).
    const log = (await tenant.control('GET', '/requests')) as Log;
    expect(log.faults).toBeGreaterThan(0);
    const applied = new Map<string, number>();
    for (const w of log.writes) {
      if (!w.inBatch || w.outcome !== 'applied') continue;
      const key = `${w.method} ${decodeURIComponent(w.path).toLowerCase()}`;
      applied.set(key, (applied.get(key) ?? 0) + 1);
    }
    expect([...applied.values()].filter((n) => n > 1)).toEqual([]);
    expect([...applied.keys()].filter((k) => k.startsWith('POST ')).length).toBe(expected.size);
    console.log(`import-phones under faults: killed after ${killed.intents} write intents, ${log.httpRequests} HTTP requests over both runs (faults injected: ${log.faults})`);
  });

  // The same bound at 20,000 rows is `npm run bench -- import-phones` (with rows/s); here a smaller tenant keeps the suite quick.
  it('needs at most ceil(rows/20) x 1.05 HTTP requests for a 5,000-row import without faults', async () => {
    const rows = 5_000;
    tenant = await startTestTenant({ scenario: 'scale', users: rows, seed: 12, timeScale: TIME_SCALE });
    const dir = tmp();
    const csv = path.join(dir, 'phones.csv');
    const { expected } = writeCsv(csv, (await upns(tenant)).slice(0, rows), 12);
    await tenant.control('POST', '/reset-log');
    const result = await runCli(['users', 'import-phones', csv, '--yes', '--journal', path.join(dir, 'j'), '--format', 'json', '--include-emergency-access'], { env: tenant.env });
    expect(result.code).toBe(1); // the CSV has malformed rows: exit 1 (issue 14.10; it was 0)
    expect(JSON.parse(result.stdout).totals.done).toBe(expected.size);
    const log = (await tenant.control('GET', '/requests')) as Log;
    const limit = Math.ceil(rows / 20) * 1.05;
    console.log(`import-phones, ${rows} rows (${expected.size} valid): ${log.httpRequests} HTTP requests (limit ${limit})`);
    expect(log.httpRequests).toBeLessThanOrEqual(limit);
  });
});
