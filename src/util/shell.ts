/** One argument as a POSIX shell reads it back unchanged (single quotes unless it needs none). */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
