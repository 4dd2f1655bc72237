// The CLI's program: wires commands and maps every error to one line and an exit code. The entry
// point (src/cli.ts) runs `main` from the build's one-file bundle of this module, or from here.
// Keep imports here light: `validate` must start fast, so heavy modules (Graph SDK,
// @azure/identity, the emulator) are imported lazily inside the commands that need them.
import { Command, CommanderError } from 'commander';
import { ExitError, UserError } from './errors.js';
import { toolVersion } from './version.js';
import { sanitiseForDisplay } from './util/sanitise.js';
type Register = (program: Command) => void;

/**
 * Each command's module, loaded on demand: `validate` must start fast (an editor or a pre-commit
 * hook runs it), so a run loads only the module of the command it names. Help, an unknown command
 * or no command at all load every one, so commander can list them and suggest the closest.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  validate: async () => (await import('./cli/validate.js')).registerValidate,
  plan: async () => (await import('./cli/plan.js')).registerPlan,
  apply: async () => (await import('./cli/apply.js')).registerApply,
  show: async () => (await import('./cli/show.js')).registerShow,
  waves: async () => (await import('./cli/waves.js')).registerWaves,
  users: async () => (await import('./cli/users.js')).registerUsers,
  export: async () => (await import('./cli/export.js')).registerExport,
  doctor: async () => (await import('./cli/doctor.js')).registerDoctor,
  emulator: async () => (await import('./cli/emulator.js')).registerEmulator,
  demo: async () => (await import('./cli/demo.js')).registerDemo,
};

/** The command an argv names (the first word that is not an option), if it is one we know. */
export function commandNamed(argv: readonly string[]): string | undefined {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? first : undefined;
}

/** The program with every command (or only `only`'s), in the order `--help` lists them. */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('entra-rollout')
    .description('Policy-as-code controller for Microsoft Entra MFA rollouts')
    .version(toolVersion, '-V, --version')
    .option('--debug', 'show stack traces and request details on errors')
    .showHelpAfterError()
    .exitOverride();
  const names = only ? [only] : Object.keys(COMMANDS);
  const registers = await Promise.all(names.map((name) => COMMANDS[name]!()));
  for (const register of registers) register(program);
  return program;
}

function isDebug(argv: readonly string[]): boolean {
  return argv.includes('--debug') || process.env.ENTRA_ROLLOUT_DEBUG === '1';
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(commandNamed(argv));
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

