import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { TEST_TIMEOUT_MS } from './test/timeouts.js';

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

class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    // Array.prototype.sort is stable: vitest's order is kept inside each group.
    return ordered.sort((a, b) => group(a.moduleId) - group(b.moduleId));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: TEST_TIMEOUT_MS,
    pool: 'forks',
    // The end-to-end and reliability files spend their time waiting on a (time-scaled) emulator, not
    // computing: four at once halve `npm test` on a 2-core machine (vitest's default there is one).
    maxWorkers: 4,
    sequence: { sequencer: LongFilesFirst },
    // A bulk command run without --journal keeps its journal in the state directory: in a test, a
    // scratch one, never the machine's real ~/.local/state (every CLI child inherits this).
    env: { XDG_STATE_HOME: path.join(tmpdir(), 'entra-rollout-test-state') },
  },
});
