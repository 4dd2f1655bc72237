/**
 * Text that came from outside (Graph error messages and display names, policy and input files) is
 * data: before it reaches a terminal or a CI log, control characters are shown as visible escapes
 * so they cannot move the cursor, recolour or erase lines, forge log lines (`\r`, a newline followed
 * by `::error::`), or reorder text with Unicode bidi overrides.
 */

// C0 controls (tab and newline are decided by the caller), DEL, C1 controls (0x9b is a one-byte CSI),
// the Unicode line/paragraph separators and the bidi embedding/override/isolate marks.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

// The notation the plan renderers used first: JSON's \u escape, readable and unambiguous.
function visible(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export interface SanitiseOptions {
  /** Keep `\n` (our own multi-line detail text); otherwise it is shown as `\n`. */
  keepNewlines?: boolean;
}

/** `text` with every terminal control character replaced by a visible escape (`\u001b`, `\u000d`…). */
export function sanitiseForDisplay(text: string, options: SanitiseOptions = {}): string {
  let out = text.replace(UNSAFE, visible);
  out = out.replace(/\t/g, ' ');
  if (!options.keepNewlines) out = out.replace(/\n/g, '\\n');
  return out;
}
