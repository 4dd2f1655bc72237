/**
 * Errors meant for the user (bad input, refusals, Graph failures) carry an exit code and are
 * printed as one line plus optional detail by the top-level handler in cli.ts. Anything else
 * that escapes is a bug: it is reported as such, with a stack only under --debug.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly options: { exitCode?: number; detail?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
  get exitCode(): number {
    return this.options.exitCode ?? 1;
  }
  get detail(): string | undefined {
    return this.options.detail;
  }
}

/** Raised to end a command with a given exit code after it has already printed its output. */
export class ExitError extends Error {
  override name = 'ExitError';
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
