import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';

/** One line per diagnostic, errors and warnings in source order. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map(formatDiagnostic).join('\n');
}
