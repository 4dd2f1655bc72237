// ANSI styling for terminal output. Callers decide once whether colour is on; with it off every
// style is the identity, so plain output contains no escape codes at all.

export type Style = (text: string) => string;

export interface Palette {
  green: Style;
  yellow: Style;
  red: Style;
  dim: Style;
  bold: Style;
}

const wrap = (open: number, close: number): Style => (text) => (text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`);
const plain: Style = (text) => text;

export function palette(color: boolean): Palette {
  if (!color) return { green: plain, yellow: plain, red: plain, dim: plain, bold: plain };
  return { green: wrap(32, 39), yellow: wrap(33, 39), red: wrap(31, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/**
 * Colour only for a terminal, following https://no-color.org: a non-empty NO_COLOR turns it off.
 * FORCE_COLOR (1, 2, 3 or true) turns it on even for a pipe, e.g. in CI logs that render ANSI; it wins
 * over NO_COLOR as in Node's own tty colour detection. TERM=dumb means the terminal cannot show it.
 */
export function shouldUseColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') {
    if (['1', '2', '3', 'true'].includes(force.toLowerCase())) return true;
    if (['0', 'false'].includes(force.toLowerCase())) return false;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}
