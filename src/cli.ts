#!/usr/bin/env node
// Entry point: wires commands and maps every error to one line and an exit code.
// Keep imports here light: `validate` must start fast, so heavy modules (Graph SDK,
// @azure/identity, the emulator) are imported lazily inside the commands that need them.
import { Command, CommanderError } from 'commander';
import { ExitError, UserError } from './errors.js';
import { toolVersion } from './version.js';
import { sanitiseForDisplay } from './util/sanitise.js';
import { registerValidate } from './cli/validate.js';
import { registerEmulator } from './cli/emulator.js';
import { registerPlan } from './cli/plan.js';
import { registerApply } from './cli/apply.js';
import { registerDemo } from './cli/demo.js';
import { registerExport } from './cli/export.js';
import { registerWaves } from './cli/waves.js';
import { registerUsers } from './cli/users.js';
import { registerDoctor } from './cli/doctor.js';

export function buildProgram(): Command {
  const program = new Command('entra-rollout')
    .description('Policy-as-code controller for Microsoft Entra MFA rollouts')
    .version(toolVersion, '-V, --version')
    .option('--debug', 'show stack traces and request details on errors')
    .showHelpAfterError()
    .exitOverride();
  registerValidate(program);
  registerPlan(program);
  registerApply(program);
  registerWaves(program);
  registerUsers(program);
  registerExport(program);
  registerDoctor(program);
  registerEmulator(program);
  registerDemo(program);
  return program;
}

function isDebug(argv: readonly string[]): boolean {
  return argv.includes('--debug') || process.env.ENTRA_ROLLOUT_DEBUG === '1';
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    return reportError(err, isDebug(argv));
  }
}

function reportError(err: unknown, debug: boolean): number {
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof CommanderError) {
    // commander already printed help/version/usage errors.
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help'
      ? 0
      : err.exitCode || 1;
  }
  // Messages may carry text from Graph or from input files: one line, no terminal control characters.
  // The detail is our own multi-line text (it keeps its newlines, nothing else).
  if (err instanceof UserError) {
    process.stderr.write(`error: ${sanitiseForDisplay(err.message)}\n`);
    if (err.detail) process.stderr.write(`${sanitiseForDisplay(err.detail, { keepNewlines: true })}\n`);
    if (debug && err.stack) process.stderr.write(`${sanitiseForDisplay(err.stack, { keepNewlines: true })}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: unexpected failure: ${sanitiseForDisplay(message)}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${sanitiseForDisplay(err.stack, { keepNewlines: true })}\n`);
  else process.stderr.write('(run again with --debug for details)\n');
  return 1;
}

process.exitCode = await main(process.argv);
