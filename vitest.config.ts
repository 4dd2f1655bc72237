import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { Prng } from './src/emulator/prng.js';
import { testFilesLoadingNock } from './test/helpers/nockFiles.js';
import { TEST_TIMEOUT_MS } from './test/timeouts.js';

/*
 * Most test files share workers (`isolate: false`): a file runs in a worker that earlier files used,
 * with their modules still loaded, instead of a fresh process that starts Node and vitest and imports
 * and transforms src/ again (0.3–1 CPU-second a file: a third of the unit folders' CPU, 2026-11-28).
 * That is safe because the files leave nothing behind that changes another's result: none sets
 * process.env, the working directory or fake timers; the one that replaces globalThis.fetch
 * (tenant/rollouts) and the one that spies (emulator/cli) restore it after each test, and vitest
 * restores spies between files; no file leaves a server, socket or timer open (`--detectAsyncLeaks`);
 * module state in src/ and the helpers is a cache that holds for every file (compiled schemas, the
 * reliability suite's fault-free references, keyed by everything they depend on).
 *
 * The exception is nock: it patches Node's http and fetch for the whole process as soon as it is
 * imported, and its net-connect switch and interceptors are process-wide too. Files that load it
 * (directly or through a helper, found by reading their imports: test/helpers/nockFiles.ts, so a new
 * nock test needs no list kept by hand) are a project of their own: they share workers with one
 * another only, and test/helpers/nockBetweenFiles.ts puts nock back to its starting state after each
 * one. They used to start a fresh worker each: about a CPU-second a file, 17 files (2026-11-28).
 */
const root = path.dirname(fileURLToPath(import.meta.url));
const NOCK_FILES = testFilesLoadingNock(root);
const NOCK_PROJECT = 'nock';
const ALL = 'test/**/*.test.ts';

/**
 * The long files first, so the workers finish together. Vitest's own order is by the durations of the
 * last run, and without them (a fresh clone, CI) by file size, which would start the small kill-*
 * files (each a third of the crash test, the longest runs of the suite) last. Within a group, vitest's
 * order stands.
 */
const LONG_FIRST = [/test\/reliability\/kill-/, /test\/reliability\//, /test\/contract\/coverage\./, /test\/e2e\//];
const group = (file: string) => {
  const i = LONG_FIRST.findIndex((re) => re.test(file.replaceAll('\\', '/')));
  return i === -1 ? LONG_FIRST.length : i;
};

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const random = new Prng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // `--sequence.shuffle` shuffles the files only with vitest's own sequencer; this one does it too
    // (files and tests), so a file that depends on what another left in a shared worker can be found,
    // and the order replayed with `--sequence.seed`.
    if (this.ctx.config.sequence.shuffle) return shuffled(files, this.ctx.config.sequence.seed ?? 0);
    const ordered = await super.sort(files);
    // Array.prototype.sort is stable: vitest's order is kept inside each group. Within a group the
    // nock project's files come first, then the rest, so each project's files run back to back: a
    // worker is reused only while the next file in the queue belongs to the same project.
    const key = (s: TestSpecification) => 2 * group(s.moduleId) + (s.project.name === NOCK_PROJECT ? 0 : 1);
    return ordered.sort((a, b) => key(a) - key(b));
  }
}

/**
 * Vitest applies `--exclude` (as in `npm run test:quick`) to the root config only, not to inline
 * projects (vitest 4.1): each project takes it from there.
 */
const cliExclude: Plugin = {
  name: 'entra-rollout:cli-exclude',
  configureVitest({ vitest, project }) {
    project.config.exclude.push(...(vitest.config.cliExclude ?? []));
  },
};

/** What every test file gets, shared or not. */
const common = {
  testTimeout: TEST_TIMEOUT_MS,
  hookTimeout: TEST_TIMEOUT_MS,
  pool: 'forks',
  // A bulk command run without --journal keeps its journal in the state directory: in a test, a
  // scratch one, never the machine's real ~/.local/state (every CLI child inherits this).
  env: { XDG_STATE_HOME: path.join(tmpdir(), 'entra-rollout-test-state') },
} as const;

export default defineConfig({
  test: {
    // The end-to-end and reliability files spend their time waiting on a (time-scaled) emulator, not
    // computing: four at once halve `npm test` on a 2-core machine (vitest's default there is one).
    // Set here only, not in the projects, so `--maxWorkers N` on the command line still applies.
    maxWorkers: 4,
    sequence: { sequencer: LongFilesFirst },
    // Spread, not `extends: true`: a project extending this file would take maxWorkers from it and
    // ignore the command line's.
    projects: [
      { plugins: [cliExclude], test: { ...common, name: NOCK_PROJECT, include: NOCK_FILES, isolate: false, setupFiles: ['./test/helpers/nockBetweenFiles.ts'] } },
      { plugins: [cliExclude], test: { ...common, name: 'shared', include: [ALL], exclude: NOCK_FILES, isolate: false } },
    ],
  },
});
