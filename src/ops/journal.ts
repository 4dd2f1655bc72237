/**
 * The run journal: one JSON line per event, appended and flushed before the effect it announces.
 * A write is journalled as an `intent` BEFORE it is sent and the task's `end` after its outcome is
 * known, so a run killed in between leaves an intent with no end: on resume that write's outcome is
 * unknown and must be settled with a read, never by sending it again blindly.
 * Nothing secret is ever written here (no pass, no token): only keys, methods, paths and outcomes.
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, readFileSync, write, writeSync } from 'node:fs';
import { promisify } from 'node:util';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);
import { UserError } from '../errors.js';

export const JOURNAL_FORMAT = 'entra-rollout/ops-journal';
export const JOURNAL_VERSION = 1;

export interface JournalHeader {
  format: typeof JOURNAL_FORMAT;
  version: number;
  command: string;
  /** Identifies the input (file hash, or the hash of the user list) so a resume cannot mix inputs. */
  inputId: string;
  /** Command options that change what is written; a resume must use the same. */
  settings: Record<string, unknown>;
  createdAt: string;
}

export type TaskResult = 'done' | 'skipped' | 'failed' | 'unknown';

export interface IntentEntry {
  t: 'intent';
  k: string;
  m: string;
  u: string;
  /** Tenant time the write was sent at (from Graph's Date header). */
  at: string;
}

export interface EndEntry {
  t: 'end';
  k: string;
  r: TaskResult;
  d?: string;
}

type Entry = IntentEntry | EndEntry;

/** What a journal says about one task when a run resumes. */
export interface PriorState {
  /** The task's last end, if any. */
  end?: EndEntry;
  /** The last write sent after that end (or ever, without one): its outcome is unknown. */
  pending?: IntentEntry;
}

export class Journal {
  private constructor(
    readonly path: string,
    private fd: number | undefined,
    readonly header: JournalHeader,
    readonly prior: ReadonlyMap<string, PriorState>,
  ) {}

  /** A new journal; refuses to overwrite an existing file. */
  static create(path: string, header: Omit<JournalHeader, 'format' | 'version' | 'createdAt'>): Journal {
    const full: JournalHeader = { format: JOURNAL_FORMAT, version: JOURNAL_VERSION, ...header, createdAt: new Date().toISOString() };
    let fd: number;
    try {
      fd = openSync(path, 'ax', 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new UserError(`journal ${path} already exists: resume it with --resume ${path}, or choose another --journal`);
      throw new UserError(`cannot create journal ${path}: ${(err as Error).message}`);
    }
    const j = new Journal(path, fd, full, new Map());
    j.append([full as unknown as Entry], true);
    return j;
  }

  /** Opens a journal to resume: checks it belongs to this command and input, then appends to it. */
  static resume(path: string, expect: { command: string; inputId: string; settings: Record<string, unknown> }): Journal {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read journal ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const lines = text.split('\n');
    let header: JournalHeader | undefined;
    const prior = new Map<string, PriorState>();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === '') continue;
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        // A torn last line (killed mid-write) is expected; anything earlier is corruption.
        if (i >= lines.length - 2) break;
        throw new UserError(`journal ${path} line ${i + 1} is not valid JSON: the journal is damaged`);
      }
      if (!header) {
        const h = entry as Partial<JournalHeader>;
        if (h.format !== JOURNAL_FORMAT || h.version !== JOURNAL_VERSION) throw new UserError(`${path} is not an entra-rollout journal (version ${JOURNAL_VERSION})`);
        header = h as JournalHeader;
        continue;
      }
      const e = entry as Entry;
      const state = prior.get(e.k) ?? {};
      if (e.t === 'intent') state.pending = e;
      else if (e.t === 'end') {
        state.end = e;
        // An `unknown` end keeps the intent it could not settle.
        if (e.r !== 'unknown') delete state.pending;
      }
      prior.set(e.k, state);
    }
    if (!header) throw new UserError(`journal ${path} is empty`);
    if (header.command !== expect.command) throw new UserError(`journal ${path} belongs to "${header.command}", not "${expect.command}"`);
    if (header.inputId !== expect.inputId) throw new UserError(`journal ${path} was written for a different input: resume with the same file or users`);
    const a = JSON.stringify(header.settings);
    const b = JSON.stringify(expect.settings);
    if (a !== b) throw new UserError(`journal ${path} was written with other options (${a}); resume with the same options`);
    let fd: number;
    try {
      fd = openSync(path, 'a');
    } catch (err) {
      throw new UserError(`cannot append to journal ${path}: ${(err as Error).message}`);
    }
    // A torn last line gets its own line end so the next entry parses.
    if (fstatSync(fd).size > 0 && !text.endsWith('\n')) writeSync(fd, '\n');
    return new Journal(path, fd, header, prior);
  }

  /** Appends entries in one write; `sync` flushes to disk (intents: before the request goes out). */
  append(entries: readonly Entry[], sync: boolean): void {
    if (this.fd === undefined || entries.length === 0) return;
    writeSync(this.fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    if (sync) fdatasyncSync(this.fd);
  }

  /**
   * Appends and flushes to disk before resolving: intents go out this way just before their request.
   * Off the main thread, so other envelopes keep moving while the disk syncs.
   */
  async appendDurable(entries: readonly Entry[]): Promise<void> {
    if (this.fd === undefined || entries.length === 0) return;
    const fd = this.fd;
    await writeAsync(fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    await fdatasyncAsync(fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      fdatasyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
