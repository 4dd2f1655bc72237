import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cli, root, startEmulatorProcess } from './emulatorProcess.mjs';
import { planScaleBench } from './planScale.mjs';

export { startEmulatorProcess };

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
  planScaleBench,
];
