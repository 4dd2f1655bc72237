// The crash test (kill.ts) for the `config` workflow: one file per workflow so the three long runs
// spread over the test workers.
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { CRASH_WORKFLOWS, killTests } from './kill.js';

killTests('config');

// A workflow given a crash step later gets its kill file too, or this fails.
it('every workflow with a crash step has its kill-<workflow>.test.ts', () => {
  expect(CRASH_WORKFLOWS.filter((w) => !existsSync(new URL(`./kill-${w}.test.ts`, import.meta.url)))).toEqual([]);
});
