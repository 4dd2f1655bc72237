import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The end-to-end and reliability files spend their time waiting on a (time-scaled) emulator, not
    // computing: four at once halve `npm test` on a 2-core machine (vitest's default there is one).
    maxWorkers: 4,
  },
});
