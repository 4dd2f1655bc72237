import { UserError } from '../errors.js';

/** Checks a --format value against the formats a command supports. */
export function parseFormat<T extends string>(value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UserError(`--format must be one of ${allowed.join(', ')}; got "${value}"`);
}
