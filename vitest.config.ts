import { defineConfig } from 'vitest/config';
import { TEST_TIMEOUT_MS } from './test/timeouts.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: TEST_TIMEOUT_MS,
    pool: 'forks',
    // The end-to-end and reliability files spend their time waiting on a (time-scaled) emulator, not
    // computing: four at once halve `npm test` on a 2-core machine (vitest's default there is one).
    maxWorkers: 4,
  },
});
