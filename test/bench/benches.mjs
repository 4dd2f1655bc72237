import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall time of whole CLI runs, as a user sees them (process start included). */
function timeCli(args, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    execFileSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'pipe' });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return times;
}

/** Starts `entra-rollout emulator` as a child process; resolves with its Graph base URL and a stop function. */
export async function startEmulatorProcess(args) {
  const child = spawn(process.execPath, [cli, 'emulator', '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  // Keep reading stdout after the first line: the emulator prints more, and a closed pipe would kill it (EPIPE).
  let buffer = '';
  const origin = await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      if (buffer === null) return;
      buffer += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buffer);
      if (m) {
        buffer = null;
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}) before listening: ${buffer}`)));
  });
  return {
    graphUrl: `${origin}/v1.0`,
    origin,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

const SCALE_WAVES = ['Scale Wave 1', 'Scale Wave 2', 'Scale Wave 3', 'Scale Wave 4'];
const PAGE = 999;

export const benches = [
  {
    name: 'validate',
    description: 'validate -c policies on the sample: median wall time of 10 runs of the built CLI',
    async run() {
      timeCli(['validate', '-c', 'policies'], 1); // warm the file cache
      const times = timeCli(['validate', '-c', 'policies'], 10);
      const m = median(times);
      return [
        { metric: 'median wall', value: m, unit: 's', target: 0.4, ratio: m / 0.4, ok: m < 0.4 },
        { metric: 'max wall', value: Math.max(...times), unit: 's' },
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
