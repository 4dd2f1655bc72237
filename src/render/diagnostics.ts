import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';

/** One line per diagnostic, errors and warnings in source order. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map(formatDiagnostic).join('\n');
}

/**
 * GitHub Actions workflow commands (`::error file=…,line=…,col=…,title=…::message`): the job log
 * shows them as annotations on the pull request's files. The escapes are those of the Actions
 * toolkit: `%`, CR and LF in the message; also `:` and `,` in a property value. Every line is one
 * command, so no text from a policy file can start a command of its own.
 */
export function renderGithubAnnotations(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const props = [
        ...(d.file ? [`file=${escapeProperty(d.file)}`] : []),
        ...(d.file && d.line ? [`line=${d.line}`] : []),
        ...(d.file && d.line && d.column ? [`col=${d.column}`] : []),
        `title=${escapeProperty(`entra-rollout ${d.code}`)}`,
      ];
      return `::${d.severity} ${props.join(',')}::${escapeData(d.message)}`;
    })
    .join('\n');
}

function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}
