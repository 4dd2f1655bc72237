/**
 * The run journal: one JSON line per event, appended and flushed before the effect it announces.
 * A write is journalled as an `intent` BEFORE it is sent and the task's `end` after its outcome is
 * known, so a run killed in between leaves an intent with no end: on resume that write's outcome is
 * unknown and must be settled with a read, never by sending it again blindly.
 * Nothing secret is ever written here (no pass, no token): only keys, methods, paths and outcomes.
 */
import { accessSync, closeSync, constants, fdatasync, fdatasyncSync, fstatSync, openSync, readFileSync, unlinkSync, write, writeSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);
import { UserError } from '../errors.js';
import { shellQuote } from '../util/shell.js';

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

/** Overrides where journals go by default (the per-user state directory below). */
export const STATE_DIR_ENV = 'ENTRA_ROLLOUT_STATE_DIR';

/**
 * The folder new journals go to when no `--journal` is given: a per-user state directory, never
 * the working directory. Runs start from a policy folder, which is a git repository, and a journal
 * (user ids, what was written to whom) is no part of the policies. ENTRA_ROLLOUT_STATE_DIR wins;
 * then, as the XDG Base Directory spec says, `$XDG_STATE_HOME` when it is an absolute path, else
 * `~/.local/state`; on Windows `%LOCALAPPDATA%`. Pure: the caller passes the environment.
 */
export function journalStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const override = env[STATE_DIR_ENV]?.trim();
  if (override) return path.resolve(override);
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA?.trim();
    return path.win32.join(local && path.win32.isAbsolute(local) ? local : path.win32.join(home, 'AppData', 'Local'), 'entra-rollout');
  }
  const xdg = env.XDG_STATE_HOME?.trim();
  // The spec: a relative XDG_STATE_HOME is invalid and must be ignored.
  return path.posix.join(xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.local', 'state'), 'entra-rollout');
}

/** A new journal's default file: COMMAND and the start time (UTC, to the second) in the state directory. */
export function defaultJournalFile(command: string, now: Date, stateDir: string): string {
  const stamp = now.toISOString().replace(/[:.]/g, '').replace('T', '-').slice(0, 17);
  return path.join(stateDir, `entra-rollout-${command.replace(/\s+/g, '-')}-${stamp}.journal`);
}

/** What a journal's lock file holds: enough to tell whether its run is still alive, and where. */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

/** Lock files this process holds: removed on exit, even a forced one (a second Ctrl-C). */
const heldLocks = new Set<string>();
let exitHookInstalled = false;

function removeHeldLocks(): void {
  for (const path of heldLocks) {
    try {
      unlinkSync(path);
    } catch {
      // already gone: nothing to release
    }
  }
  heldLocks.clear();
}

/** EPERM means the process exists but belongs to someone else: alive. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock on one journal, so two runs (two `--resume` of the same journal, say) never
 * work from it at once: both would send the writes neither has settled, and a user would get two
 * passes. The lock file is created with O_EXCL, so of two runs racing for it exactly one wins. It
 * only guards runs that share a file system: across machines, CI's concurrency group is the lock.
 */
export class JournalLock {
  private constructor(readonly path: string) {}

  static pathFor(journalPath: string): string {
    return `${journalPath}.lock`;
  }

  static acquire(journalPath: string, command: string): JournalLock {
    const path = JournalLock.pathFor(journalPath);
    const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw JournalLock.refusal(journalPath, path);
      throw new UserError(`cannot lock journal ${journalPath}: ${(err as Error).message}`);
    }
    try {
      writeSync(fd, `${JSON.stringify(holder)}\n`);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    heldLocks.add(path);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', removeHeldLocks);
    }
    return new JournalLock(path);
  }

  /** Why the journal cannot be used now: who holds it, and, for a lock its run left behind, how to clear it. */
  private static refusal(journalPath: string, path: string): UserError {
    const clear = `rm ${shellQuote(path)}`;
    let holder: Partial<LockHolder> | undefined;
    try {
      holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    } catch {
      holder = undefined;
    }
    if (!holder || typeof holder.pid !== 'number' || typeof holder.host !== 'string') {
      return new UserError(`journal ${journalPath} is locked by ${path}, which cannot be read; if no other run uses this journal, clear the lock with \`${clear}\` and run again`);
    }
    const who = `pid ${holder.pid} on ${holder.host}${holder.command ? ` (${holder.command})` : ''}, started ${holder.startedAt ?? 'at an unknown time'}`;
    if (holder.host === hostname() && !pidAlive(holder.pid)) {
      return new UserError(`journal ${journalPath} has a stale lock: ${who} is no longer running; check that no other run uses this journal, then clear the lock with \`${clear}\` and run again`);
    }
    const elsewhere = holder.host === hostname() ? '' : `; if that run is over (it ran on another machine), clear the lock with \`${clear}\``;
    return new UserError(`journal ${journalPath} is in use by another run: ${who}; wait for it to finish${elsewhere}`);
  }

  release(): void {
    if (!heldLocks.delete(this.path)) return;
    try {
      unlinkSync(this.path);
    } catch {
      // removed by hand meanwhile: nothing to release
    }
  }
}

export class Journal {
  private constructor(
    readonly path: string,
    private fd: number | undefined,
    readonly header: JournalHeader,
    readonly prior: ReadonlyMap<string, PriorState>,
    private readonly lock: JournalLock,
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
    let lock: JournalLock;
    try {
      lock = JournalLock.acquire(path, header.command);
    } catch (err) {
      // The file is ours and still empty: leave nothing half-made behind.
      closeSync(fd);
      unlinkSync(path);
      throw err;
    }
    const j = new Journal(path, fd, full, new Map(), lock);
    j.append([full as unknown as Entry], true);
    return j;
  }

  /** Opens a journal to resume: checks it belongs to this command and input, then appends to it. */
  static resume(path: string, expect: { command: string; inputId: string; settings: Record<string, unknown> }): Journal {
    const unreadable = (err: unknown) => new UserError(`cannot read journal ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    try {
      accessSync(path, constants.R_OK);
    } catch (err) {
      throw unreadable(err);
    }
    // Locked before it is read: what another run settles meanwhile would otherwise be missed.
    const lock = JournalLock.acquire(path, expect.command);
    try {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        throw unreadable(err);
      }
      return Journal.open(path, text, expect, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  private static open(path: string, text: string, expect: { command: string; inputId: string; settings: Record<string, unknown> }, lock: JournalLock): Journal {
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
    return new Journal(path, fd, header, prior, lock);
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

  /** Flushes, closes and releases the lock (on an error or an interrupt too: run.ts calls it in `finally`). */
  close(): void {
    if (this.fd === undefined) return;
    try {
      fdatasyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
      this.lock.release();
    }
  }
}
