// Option and start-up plumbing shared by the commands that talk to a tenant.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import type { DesiredState } from '../config/types.js';
import { ExitError, UserError } from '../errors.js';
import type { GraphGateway } from '../graph/index.js';
import { renderDiagnostics } from '../render/diagnostics.js';
import { shellQuote } from '../util/shell.js';

export interface TenantCliOptions {
  config: string;
  graphUrl?: string;
}

export function withTenantOptions(command: Command): Command {
  return command
    .option('-c, --config <dir>', 'policy folder', 'policies')
    .option('--graph-url <url>', 'Graph endpoint to use instead of the cloud of the Tenant document (env ENTRA_ROLLOUT_GRAPH_URL; plain http only on loopback)');
}

/** Loads the policy folder; on any error prints every diagnostic and ends with exit 1. */
export function loadDesiredOrExit(dir: string): DesiredState {
  const result = loadConfig(dir);
  const text = renderDiagnostics(result.diagnostics);
  if (text) process.stderr.write(`${text}\n`);
  if (!result.state) throw new ExitError(1);
  return result.state;
}

/**
 * Connects to the tenant the policies name (or the --graph-url endpoint); the SDK loads only here.
 * From here on SIGINT/SIGTERM stop the command gracefully (see `interruptSignal`), and the gateway
 * sends no new request once one arrived: whatever the command is doing, no new write starts.
 */
export async function openGateway(desired: DesiredState, options: TenantCliOptions): Promise<GraphGateway> {
  const { connectGraph } = await import('../graph/index.js');
  const gw = await connectGraph({ cloud: desired.tenant.spec.cloud, graphUrl: options.graphUrl, tenantId: desired.tenant.spec.tenantId });
  return stopRequestsOnInterrupt(gw, interruptSignal());
}

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/** The command was stopped by a signal: raised instead of sending a request after it. */
export class InterruptedError extends UserError {
  constructor(readonly signal: StopSignal) {
    super(`interrupted by ${signal}: no new request was sent after it; what was written is listed above`, { exitCode: SIGNAL_EXIT_CODES[signal] });
  }
}

const interruption = new AbortController();
let interruptedBySignal: StopSignal | undefined;
let handlersInstalled = false;

function onStopSignal(signal: StopSignal): void {
  if (interruptedBySignal) {
    // A second signal: the user does not want to wait for the requests in flight.
    process.stderr.write(`\n${signal} again: stopping at once; the journal (if any) shows what is unsettled\n`);
    process.exit(SIGNAL_EXIT_CODES[signal]);
  }
  interruptedBySignal = signal;
  process.stderr.write(`\n${signal}: stopping: no new write starts, waiting for those in flight (send ${signal} again to stop at once)\n`);
  interruption.abort(new InterruptedError(signal));
}

/**
 * The one interruption of this process: aborted by the first SIGINT or SIGTERM, after which a command
 * starts no new write, lets those in flight finish, flushes its journal and report, prints its
 * summary, and exits 130 (SIGINT) or 143 (SIGTERM). The handlers are installed on first use, so a
 * command that never talks to a tenant keeps Node's default (die at once).
 */
export function interruptSignal(): AbortSignal {
  if (!handlersInstalled) {
    handlersInstalled = true;
    process.on('SIGINT', () => onStopSignal('SIGINT'));
    process.on('SIGTERM', () => onStopSignal('SIGTERM'));
    // Whatever path the command ended by (summary, refusal, error), an interrupted run exits as one:
    // Node reads process.exitCode again after the 'exit' listeners ran.
    process.on('exit', () => {
      if (interruptedBySignal) process.exitCode = SIGNAL_EXIT_CODES[interruptedBySignal];
    });
  }
  return interruption.signal;
}

/** The signal that interrupted this process, if one did. */
export function interruptedBy(): StopSignal | undefined {
  return interruptedBySignal;
}

/**
 * Makes the gateway refuse every request started after the interruption (requests in flight, and
 * their own retries, finish). Every Graph call goes through `request`, so this one place keeps apply,
 * rollback and any future command from starting a write after the signal.
 */
export function stopRequestsOnInterrupt(gw: GraphGateway, signal: AbortSignal): GraphGateway {
  const send = gw.request.bind(gw);
  gw.request = (async (...args: Parameters<typeof send>) => {
    if (signal.aborted) throw signal.reason;
    return send(...args);
  }) as typeof gw.request;
  return gw;
}

/**
 * The command that continues an interrupted bulk run: this one as typed, with its `--journal`
 * replaced by `--resume JOURNAL` (a resume never takes --journal).
 */
export function resumeCommand(argv: readonly string[], journal: string): string {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--journal' || a === '--resume') {
      i++;
      continue;
    }
    if (a.startsWith('--journal=') || a.startsWith('--resume=')) continue;
    args.push(a);
  }
  return ['entra-rollout', ...args, '--resume', journal].map(shellQuote).join(' ');
}

/** Prints diagnostics that stopped a command and ends it with exit 1. */
export function failWithDiagnostics(diagnostics: Parameters<typeof renderDiagnostics>[0]): never {
  process.stderr.write(`${renderDiagnostics(diagnostics)}\n`);
  throw new ExitError(1);
}

/** Progress of long reads on stderr, only when stderr is a terminal (CI logs stay clean). */
export function progressReporter(): ((message: string) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (message: string) => {
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    process.stderr.write(`\r\x1b[2K${message}`);
  };
}

/** Clears the progress line before normal output. */
export function endProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
}

/** Asks on stderr; only "yes" confirms. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    // A signal while waiting for the answer ends the command like any other interruption.
    return (await rl.question(question, { signal: interruption.signal })).trim().toLowerCase() === 'yes';
  } catch (err) {
    if (interruption.signal.aborted) throw interruption.signal.reason;
    throw err;
  } finally {
    rl.close();
  }
}
