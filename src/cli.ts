#!/usr/bin/env node
// Entry point. The program itself is src/cliMain.ts; this only chooses how to load it.
//
// - `validate` (an editor or a pre-commit hook runs it: it must start fast) imports the ES modules
//   it needs and nothing else, as every command used to.
// - Every other command runs from dist/cli.bundle.cjs: the build's one CommonJS file holding
//   cliMain and every module it can reach, with V8's code cache from a warm-up run of the Graph
//   commands (scripts/bundle-cli.mjs). Node 20 resolves, reads and compiles some 95 ES modules one
//   by one for a `plan` and has no code cache for them: that was about a third of the CPU a
//   `plan` or `waves status` used against the emulator (0.52 -> 0.37 CPU-s, 2026-11-28).
// Without the bundle (a build that stopped after tsc, or a run from source) the ES modules serve
// every command: the same code either way.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requireCached } from './startup/codeCache.js';

type Main = (argv: string[]) => Promise<number>;

const BUNDLE = fileURLToPath(new URL('./cli.bundle.cjs', import.meta.url));

/** The first word that is not an option: the command, if any (no global option takes a value). */
const commandWord = (argv: readonly string[]) => argv.slice(2).find((a) => !a.startsWith('-'));

async function loadMain(argv: readonly string[]): Promise<Main> {
  if (commandWord(argv) !== 'validate' && existsSync(BUNDLE)) return (requireCached(BUNDLE) as { main: Main }).main;
  return (await import('./cliMain.js')).main;
}

process.exitCode = await (await loadMain(process.argv))(process.argv);
