/** The end of a bulk run: summary (text or JSON) and the optional per-task report file (CSV or JSON). */
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { UserError } from '../errors.js';
import type { EngineResult, TaskRecord } from './engine.js';

export interface BulkSummary {
  command: string;
  dryRun: boolean;
  journal?: string;
  totals: { tasks: number; done: number; skipped: number; failed: number; doneEarlier: number };
  skippedByReason: Record<string, number>;
  invalid: Array<{ line?: number; user: string; reason: string }>;
  failed: Array<{ line?: number; user: string; error: string; requestId?: string; status?: number; outcomeUnknown?: boolean }>;
  requests: EngineResult['requests'];
  /** The run was stopped by a signal: tasks left unfinished (the input after them was not read). */
  interrupted?: EngineResult['interrupted'];
}

/** Skip reasons grouped without their line numbers. */
function reasonGroup(r: TaskRecord): string {
  if (r.earlier) return `${r.result} in an earlier run`;
  return r.detail.replace(/ (of|with) line \d+.*$/, '').replace(/ (of|with) an earlier entry.*$/, '');
}

export function summarize(command: string, result: EngineResult, options: { dryRun: boolean; journal?: string | undefined }): BulkSummary {
  const s: BulkSummary = {
    command,
    dryRun: options.dryRun,
    ...(options.journal ? { journal: options.journal } : {}),
    totals: { tasks: result.records.length, done: 0, skipped: 0, failed: 0, doneEarlier: 0 },
    skippedByReason: {},
    invalid: [],
    failed: [],
    requests: result.requests,
    ...(result.interrupted ? { interrupted: result.interrupted } : {}),
  };
  const records = [...result.records].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  for (const r of records) {
    if (r.result === 'done') {
      s.totals.done++;
      if (r.earlier) s.totals.doneEarlier++;
    } else if (r.result === 'skipped') {
      s.totals.skipped++;
      if (r.invalid) s.invalid.push({ ...(r.line !== undefined ? { line: r.line } : {}), user: r.label, reason: r.detail });
      const g = r.invalid ? 'invalid input' : reasonGroup(r);
      s.skippedByReason[g] = (s.skippedByReason[g] ?? 0) + 1;
    } else {
      s.totals.failed++;
      s.failed.push({
        ...(r.line !== undefined ? { line: r.line } : {}),
        user: r.label,
        error: r.detail,
        ...(r.requestId ? { requestId: r.requestId } : {}),
        ...(r.status ? { status: r.status } : {}),
        ...(r.result === 'unknown' ? { outcomeUnknown: true } : {}),
      });
    }
  }
  return s;
}

const where = (line: number | undefined) => (line !== undefined ? `line ${line}: ` : '');

/** The human summary; bad rows and failures are listed one per line (they go to stderr). */
export function renderSummaryText(s: BulkSummary): { out: string; problems: string } {
  const verb = s.dryRun ? 'would change' : 'done';
  const lines = [`${s.command}${s.dryRun ? ' (dry run: nothing was written; pass --yes to apply)' : ''}: ${s.totals.tasks} item(s)`];
  lines.push(`  ${verb}: ${s.totals.done}${s.totals.doneEarlier ? ` (${s.totals.doneEarlier} in an earlier run)` : ''}`);
  lines.push(`  skipped: ${s.totals.skipped}${Object.keys(s.skippedByReason).length ? ` (${Object.entries(s.skippedByReason).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`);
  lines.push(`  failed: ${s.totals.failed}`);
  lines.push(`  Graph: ${s.requests.http} HTTP request(s): ${s.requests.envelopes} $batch envelope(s) carrying ${s.requests.items} item(s), ${s.requests.retries} item(s) re-sent`);
  if (s.interrupted) lines.push(`  ${s.interrupted.by === 'deadline' ? `stopped at ${s.interrupted.detail}` : 'interrupted'}: ${s.interrupted.unfinished} item(s) in progress were left unfinished, and the input after them was not read`);
  if (s.journal) lines.push(`  journal: ${s.journal}`);
  const problems: string[] = [];
  for (const i of s.invalid) problems.push(`skipped ${where(i.line)}${i.user ? `${i.user}: ` : ''}${i.reason}`);
  for (const f of s.failed) problems.push(`failed ${where(f.line)}${f.user}: ${f.error}${f.requestId && !f.error.includes(f.requestId) ? ` (request-id ${f.requestId})` : ''}`);
  return { out: `${lines.join('\n')}\n`, problems: problems.length ? `${problems.join('\n')}\n` : '' };
}

export function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  // A leading =, +, - or @ would be a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One row per task. The format follows --report-format, else the file's extension (.json, else CSV). */
export function writeReport(path: string, summary: BulkSummary, records: readonly TaskRecord[], format?: string): void {
  const fmt = format ?? (extname(path).toLowerCase() === '.json' ? 'json' : 'csv');
  if (fmt !== 'csv' && fmt !== 'json') throw new UserError(`--report-format must be csv or json; got "${fmt}"`);
  const rows = [...records].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  let text: string;
  if (fmt === 'json') {
    text = `${JSON.stringify({ summary, items: rows.map((r) => ({ line: r.line, user: r.label, result: r.result, detail: r.detail, invalid: r.invalid, earlier: r.earlier, requestId: r.requestId, status: r.status })) }, null, 2)}\n`;
  } else {
    const head = ['line', 'user', 'result', 'detail', 'requestId'];
    text = `${head.join(',')}\n${rows.map((r) => [r.line, r.label, r.invalid ? 'invalid' : r.result, r.detail, r.requestId].map(csvCell).join(',')).join('\n')}\n`;
  }
  try {
    writeFileSync(path, text, { mode: 0o600 });
  } catch (err) {
    throw new UserError(`cannot write report ${path}: ${(err as Error).message}`);
  }
}
