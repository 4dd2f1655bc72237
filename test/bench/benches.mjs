import { execFileSync } from 'node:child_process';
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
];
