import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_TIMEOUT_MS } from '../timeouts.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a CLI run in a test: this process's, without colour, plus `extra`. Less
 * NODE_EXTRA_CA_CERTS: Node reads that bundle at every start (about 100 ms of CPU for a 220 KB system
 * bundle, a fifth of a short run, and the suite starts the CLI some 600 times), while a test's CLI
 * speaks plain http to the loopback emulator only. A test that passes it in `extra` keeps it.
 */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _notNeeded, ...inherited } = process.env;
  return { ...inherited, NO_COLOR: '1', ...extra };
}

/** Runs the built CLI (dist/cli.js) as a user would: a separate node process. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does) before the end-to-end tests`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd ?? REPO_ROOT, env: cliEnv(options.env), timeout: options.timeoutMs ?? TEST_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A Node stack frame in output means an unhandled bug reached the user. */
export const STACK_TRACE = /^\s+at .+(\(.*:\d+:\d+\)|:\d+:\d+)$/m;
