import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { cli, root, startEmulatorProcess } from './emulatorProcess.mjs';
import { planScaleBench } from './planScale.mjs';

export { startEmulatorProcess };

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall times of `runs` runs of node with these arguments, in seconds (process start included). */
function timeNode(args, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    execFileSync(process.execPath, args, { cwd: root, stdio: 'pipe' });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return times;
}

function timeCli(args, runs) {
  return timeNode([cli, ...args], runs);
}

/** Every UPN of the emulator's tenant, paged like any client. */
async function tenantUpns(emulator) {
  const upns = [];
  let next = `${emulator.graphUrl}/users?$select=userPrincipalName&$top=999`;
  while (next) {
    const res = await fetch(next, { headers: { authorization: 'Bearer bench' } });
    const body = await res.json();
    upns.push(...body.value.map((u) => u.userPrincipalName));
    next = body['@odata.nextLink'];
  }
  return upns;
}

const SCALE_WAVES = ['Scale Wave 1', 'Scale Wave 2', 'Scale Wave 3', 'Scale Wave 4'];
const PAGE = 999;

export const benches = [
  {
    name: 'emulator-scale',
    description: 'the emulator generates a 300,000-user scale tenant and pages one wave of it: generation time, heap, paging time',
    async run() {
      const { startEmulator } = await import('../../dist/emulator/index.js');
      const heapBefore = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      const emulator = await startEmulator({ scenario: 'scale', users: 300_000, throttle: false });
      const startMs = performance.now() - t0;
      const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
      try {
        const get = async (url) => (await fetch(url, { headers: { authorization: 'Bearer bench' } })).json();
        const groups = await get(`${emulator.graphBaseUrl}/groups?$filter=${encodeURIComponent("displayName eq 'Scale Wave 2'")}&$select=id`);
        const t1 = performance.now();
        let members = 0;
        let next = `${emulator.graphBaseUrl}/groups/${groups.value[0].id}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`;
        while (next) {
          const page = await get(next);
          members += page.value.length;
          next = page['@odata.nextLink'];
        }
        return [
          { metric: 'generation', value: emulator.generationMs, unit: 'ms' },
          { metric: 'start (generation + listen)', value: startMs, unit: 'ms' },
          { metric: 'heap growth', value: heapMb, unit: 'MB' },
          { metric: `page ${members} wave members`, value: performance.now() - t1, unit: 'ms' },
        ];
      } finally {
        await emulator.close();
      }
    },
  },
  {
    name: 'validate',
    description: 'validate -c policies on the sample: median wall time of 15 runs of the built CLI, as a multiple of a bare `node -e 0` measured in the same loop',
    async run() {
      timeCli(['validate', '-c', 'policies'], 1); // warm the file cache
      // Interleaved, so a busy machine slows both sides alike and the ratio stays meaningful.
      const cliTimes = [];
      const bareTimes = [];
      for (let i = 0; i < 15; i++) {
        cliTimes.push(...timeCli(['validate', '-c', 'policies'], 1));
        bareTimes.push(...timeNode(['-e', '0'], 1));
      }
      const m = median(cliTimes);
      const bare = median(bareTimes);
      return [
        { metric: 'median wall', value: m, unit: 's' },
        { metric: 'bare node -e 0, median', value: bare, unit: 's' },
        { metric: 'validate / bare node', value: m / bare, target: 2, ratio: m / bare / 2, ok: m / bare <= 2 },
        { metric: 'max wall', value: Math.max(...cliTimes), unit: 's' },
      ];
    },
  },
  {
    name: 'read-scale',
    description: 'transitive members of every wave and the registration report of a 100,000-user scale tenant: requests vs the page-size minimum, peak RSS of the reader',
    async run() {
      const users = 100_000;
      const timeScale = 200; // throttle windows 200x shorter on both sides, so the run takes seconds
      const emulator = await startEmulatorProcess(['--scenario', 'scale', '--users', String(users), '--time-scale', String(timeScale)]);
      try {
        const out = execFileSync(process.execPath, [fileURLToPath(new URL('./readScale.mjs', import.meta.url)), emulator.graphUrl, String(timeScale), ...SCALE_WAVES], { cwd: root, maxBuffer: 1 << 24 });
        const r = JSON.parse(String(out));
        const memberPages = Object.values(r.members).reduce((n, m) => n + Math.max(1, Math.ceil(m / PAGE)), 0);
        const minimum = SCALE_WAVES.length /* one name lookup per wave */ + memberPages + Math.max(1, Math.ceil(r.registrationRows / PAGE));
        const requests = r.stats.totalRequests;
        return [
          { metric: 'users read (report rows)', value: r.registrationRows },
          { metric: 'wave members read', value: Object.values(r.members).reduce((a, b) => a + b, 0) },
          { metric: 'graph requests', value: requests, target: Math.floor(minimum * 1.05), ratio: requests / minimum, ok: requests <= minimum * 1.05 },
          { metric: 'minimum requests (page sizes)', value: minimum },
          { metric: 'reader peak RSS', value: r.maxRssKb / 1024, unit: 'MB' },
          { metric: 'wall (time-scaled throttle)', value: r.wallMs / 1000, unit: 's' },
        ];
      } finally {
        await emulator.stop();
      }
    },
  },
  planScaleBench,
  {
    name: 'import-phones',
    description: 'users import-phones --yes of 20,000 valid rows (office phones) on a scale tenant, no faults: rows/s, HTTP requests vs the ceil(rows/20) $batch minimum',
    async run() {
      const rows = 20_000;
      const timeScale = 200; // Graph's write budget (~3,000 per 150 s) refills 200x faster on both sides
      const emulator = await startEmulatorProcess(['--scenario', 'scale', '--users', String(rows), '--time-scale', String(timeScale), '--seed', '12']);
      const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-bench-'));
      try {
        const upns = (await tenantUpns(emulator)).slice(0, rows);
        const csv = path.join(dir, 'phones.csv');
        writeFileSync(csv, `user,phoneType,phoneNumber\n${upns.map((u, i) => `${u},office,+1 42566${String(i).padStart(5, '0')}`).join('\n')}\n`);
        await fetch(`${emulator.origin}/_emulator/reset-log`, { method: 'POST' });
        const env = { ...process.env, ENTRA_ROLLOUT_GRAPH_URL: emulator.graphUrl, ENTRA_ROLLOUT_TOKEN: 'bench', ENTRA_ROLLOUT_TIME_SCALE: String(timeScale) };
        const start = process.hrtime.bigint();
        const { stdout } = await promisify(execFile)(process.execPath, [cli, 'users', 'import-phones', csv, '--yes', '--journal', path.join(dir, 'journal'), '--format', 'json', '--include-emergency-access'], { cwd: root, env, maxBuffer: 1 << 26 });
        const wall = Number(process.hrtime.bigint() - start) / 1e9;
        const done = JSON.parse(stdout).totals.done;
        const log = await (await fetch(`${emulator.origin}/_emulator/requests`)).json();
        const minimum = Math.ceil(rows / 20);
        return [
          { metric: 'rows applied', value: done, target: rows, ok: done === rows },
          { metric: `rows/s (throttle x${timeScale}, CLI start included)`, value: done / wall, unit: 'rows/s' },
          { metric: 'wall', value: wall, unit: 's' },
          { metric: 'HTTP requests', value: log.httpRequests, target: Math.floor(minimum * 1.05), ratio: log.httpRequests / minimum, ok: log.httpRequests <= minimum * 1.05 },
          { metric: 'minimum requests ceil(rows/20)', value: minimum },
          { metric: 'throttled (429) items', value: log.throttled },
        ];
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await emulator.stop();
      }
    },
  },
  {
    name: 'members-write',
    description: 'apply --only waves with the members strategy on a 50,000-user wave (scale tenant, Scale Wave 4): HTTP write requests (a $batch counts once) vs ceil(N/400)+5',
    async run() {
      const users = 83_335; // Scale Wave 4 is 60 % of the staff: exactly 50,000 users
      const timeScale = 200;
      const emulator = await startEmulatorProcess(['--scenario', 'scale', '--users', String(users), '--time-scale', String(timeScale)]);
      // One retry: a keep-alive socket idle through the apply may have been closed by the emulator meanwhile.
      const control = async (method, path) => {
        const res = await fetch(`${emulator.origin}/_emulator${path}`, { method }).catch(() => fetch(`${emulator.origin}/_emulator${path}`, { method }));
        return res.status === 204 ? undefined : res.json();
      };
      try {
        const info = await control('GET', '/info');
        const wave = info.groups.find((g) => g.displayName === 'Scale Wave 4');
        await control('POST', '/reset-log');
        const env = { ...process.env, ENTRA_ROLLOUT_GRAPH_URL: emulator.graphUrl, ENTRA_ROLLOUT_TOKEN: 'bench', ENTRA_ROLLOUT_TIME_SCALE: String(timeScale) };
        const start = process.hrtime.bigint();
        const out = String(execFileSync(process.execPath, [cli, 'apply', '-c', 'test/fixtures/waves/members-scale', '--only', 'waves', '--auto-approve'], { cwd: root, env, maxBuffer: 1 << 24 }));
        const wallS = Number(process.hrtime.bigint() - start) / 1e9;
        if (!new RegExp(`^promoted mfa-enforcement/big: ${wave.transitiveUsers} written`, 'm').test(out)) throw new Error(`members-write: unexpected apply output:\n${out}`);
        const log = await control('GET', '/requests');
        const requests = log.writes.filter((w) => !w.inBatch).length;
        const items = log.writes.filter((w) => w.inBatch).length;
        const limit = Math.ceil(wave.transitiveUsers / 400) + 5;
        return [
          { metric: 'wave users written', value: wave.transitiveUsers },
          { metric: 'HTTP write requests', value: requests, target: limit, ratio: requests / limit, ok: requests <= limit },
          { metric: 'PATCH items (20 users each)', value: items },
          { metric: 'read requests (plan + re-check)', value: log.total - log.writes.length },
          { metric: 'apply wall (time-scaled throttle)', value: wallS, unit: 's' },
        ];
      } finally {
        await emulator.stop();
      }
    },
  },
];
