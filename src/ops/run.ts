/** One bulk run: journal (new or resumed), the engine, progress, summary and report. */
import { mkdirSync } from 'node:fs';
import type { GraphGateway } from '../graph/index.js';
import { UserError } from '../errors.js';
import { type BulkTask, type EngineOptions, type EngineResult, runBulk } from './engine.js';
import { defaultJournalFile, Journal, journalStateDir, STATE_DIR_ENV } from './journal.js';
import { progressSink } from './progress.js';
import { shellQuote } from '../util/shell.js';
import { type BulkSummary, summarize, writeReport } from './report.js';

export interface BulkRunOptions {
  command: string;
  gateway: GraphGateway;
  /** Builds the task stream; called once the journal is open (a resume needs it to skip settled tasks). */
  tasks: (journal: Journal | undefined) => AsyncIterable<BulkTask>;
  inputId: string;
  /** Options that change what gets written; a resume must repeat them. */
  settings: Record<string, unknown>;
  dryRun: boolean;
  /** --journal: where a new journal goes (default: a timestamped file in the per-user state directory). */
  journalPath?: string | undefined;
  /** --resume: the journal of an earlier run to continue. */
  resume?: string | undefined;
  report?: string | undefined;
  reportFormat?: string | undefined;
  total?: number | undefined;
  /** Tells the user where the journal is (stderr). */
  note?: (message: string) => void;
  engine?: Partial<EngineOptions>;
  /** SIGINT/SIGTERM (src/cli/common.ts): the run stops starting writes and ends with a summary. */
  signal?: AbortSignal | undefined;
}

export interface BulkRunResult {
  summary: BulkSummary;
  result: EngineResult;
}

/** A new journal in the state directory (src/ops/journal.ts says why not the working directory), created private. */
function defaultJournalPath(command: string): string {
  const dir = journalStateDir();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new UserError(`cannot create the journal folder ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; set ${STATE_DIR_ENV} or pass --journal FILE`);
  }
  return defaultJournalFile(command, new Date(), dir);
}

export async function runBulkCommand(o: BulkRunOptions): Promise<BulkRunResult> {
  if (o.resume && o.journalPath) throw new UserError('--resume continues the journal it names: do not pass --journal as well');
  if (o.resume && o.dryRun) throw new UserError('--resume continues a run that writes: pass --yes with it');
  let journal: Journal | undefined;
  if (o.resume) journal = Journal.resume(o.resume, { command: o.command, inputId: o.inputId, settings: o.settings });
  else if (!o.dryRun) journal = Journal.create(o.journalPath ?? defaultJournalPath(o.command), { command: o.command, inputId: o.inputId, settings: o.settings });
  // Quoted for a shell: the state directory is under a home folder, which may hold a space.
  if (journal) o.note?.(`journal: ${journal.path} (if the run stops, continue it with --resume ${shellQuote(journal.path)})`);
  const progress = progressSink();
  let result: EngineResult;
  try {
    result = await runBulk(o.tasks(journal), {
      gateway: o.gateway,
      journal,
      ...(o.total !== undefined ? { total: o.total } : {}),
      onProgress: (p) => progress.update(p),
      signal: o.signal,
      ...o.engine,
    });
  } finally {
    progress.end();
    journal?.close();
  }
  // The journal is flushed and unlocked (above) before the summary and the report are written.
  const summary = summarize(o.command, result, { dryRun: o.dryRun, journal: journal?.path });
  if (o.report) writeReport(o.report, summary, result.records, o.reportFormat);
  return { summary, result };
}
