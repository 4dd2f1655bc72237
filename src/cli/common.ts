// Option and start-up plumbing shared by the commands that talk to a tenant.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import type { DesiredState } from '../config/types.js';
import { ExitError } from '../errors.js';
import type { GraphGateway } from '../graph/index.js';
import { renderDiagnostics } from '../render/diagnostics.js';

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

/** Connects to the tenant the policies name (or the --graph-url endpoint); the SDK loads only here. */
export async function openGateway(desired: DesiredState, options: TenantCliOptions): Promise<GraphGateway> {
  const { connectGraph } = await import('../graph/index.js');
  return connectGraph({ cloud: desired.tenant.spec.cloud, graphUrl: options.graphUrl, tenantId: desired.tenant.spec.tenantId });
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
    return (await rl.question(question)).trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}
