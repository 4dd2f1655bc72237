// Escaping for markdown that shows user and tenant data (display names, messages) in a PR comment,
// so that data can neither break the layout nor inject HTML.

/**
 * Text for a table cell or an ordinary markdown line: pipes cannot end the cell, HTML is shown as
 * text, backticks cannot open code, emphasis and link brackets are literal, and it stays on one line.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, '&#96;')
    .replace(/[\\|*_[\]~]/g, (ch) => `\\${ch}`);
}

/** Text inside raw HTML (such as `<summary>`), where markdown is not parsed but tags are. */
export function escapeHtml(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/`/g, '&#96;')
    .replace(/\|/g, '&#124;');
}

/** A code span for an identifier, or escaped plain text when the value could break out of one. */
export function codeSpan(text: string): string {
  if (/[`\r\n]/.test(text) || text.trim() === '') return escapeMarkdown(text);
  // Inside a table, GFM splits cells on `|` even within code spans unless it is escaped.
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

/** A fence longer than any run of backticks in the content, so the content cannot close it. */
export function fenceFor(content: string): string {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

export function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}
