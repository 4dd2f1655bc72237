import type { Command } from 'commander';
import { checkConfig } from '../config/index.js';
import { ExitError } from '../errors.js';
import { renderDiagnostics, renderGithubAnnotations } from '../render/diagnostics.js';
import { parseFormat } from './options.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check the policy folder offline: YAML, schemas and rules (no network, no credentials)')
    .option('-c, --config <dir>', 'policy folder', 'policies')
    .option('--format <format>', 'text, json, or github (workflow-command annotations on the files)', 'text')
    .action((opts: { config: string; format: string }) => {
      const format = parseFormat(opts.format, ['text', 'json', 'github'] as const);
      const result = checkConfig(opts.config);
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = result.diagnostics.length - errors;
      if (format === 'json') {
        const out = { valid: errors === 0, files: result.files, documents: result.documentCount, errors, warnings, diagnostics: result.diagnostics };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        const text = (format === 'github' ? renderGithubAnnotations : renderDiagnostics)(result.diagnostics);
        if (text) process.stdout.write(`${text}\n`);
        const summary = `${result.documentCount} document(s) in ${result.files.length} file(s): ${errors} error(s), ${warnings} warning(s)`;
        process.stdout.write(errors === 0 ? `Valid: ${summary}\n` : `Invalid: ${summary}\n`);
      }
      if (errors > 0) throw new ExitError(1);
    });
}
