// The journal's lock: one run per journal; a lock left by a dead run is reported, never taken over.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/ops/journal.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-journal-'));
const header = { command: 'issue-tap', inputId: 'sha256:abc', settings: { lifetime: 60 } };

describe('journal lock', () => {
  it('is held from create to close; a resume meanwhile refuses naming the holder', () => {
    const file = path.join(tmp(), 'run.journal');
    const j = Journal.create(file, header);
    const lock = JSON.parse(readFileSync(`${file}.lock`, 'utf8')) as Record<string, unknown>;
    expect(lock).toMatchObject({ pid: process.pid, host: hostname(), command: 'issue-tap' });
    expect(() => Journal.resume(file, header)).toThrow(`journal ${file} is in use by another run: pid ${process.pid} on ${hostname()} (issue-tap), started ${String(lock.startedAt)}; wait for it to finish`);
    j.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
    const again = Journal.resume(file, header);
    expect(existsSync(`${file}.lock`)).toBe(true);
    again.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('a lock whose run is gone (same host, pid not alive) is reported as stale with the command that clears it, and left in place', () => {
    const file = path.join(tmp(), "it's.journal");
    Journal.create(file, header).close();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: dead, host: hostname(), startedAt: '2026-11-20T09:00:00.000Z', command: 'issue-tap' }));
    expect(() => Journal.resume(file, header)).toThrow(
      `journal ${file} has a stale lock: pid ${dead} on ${hostname()} (issue-tap), started 2026-11-20T09:00:00.000Z is no longer running; check that no other run uses this journal, then clear the lock with \`rm '${file.replace("'", "'\\''")}.lock'\` and run again`,
    );
    expect(existsSync(`${file}.lock`)).toBe(true);
  });

  it('a lock from another machine is never judged stale; an unreadable one says how to clear it', () => {
    const file = path.join(tmp(), 'run.journal');
    Journal.create(file, header).close();
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 1, host: 'runner-7', startedAt: '2026-11-20T09:00:00.000Z', command: 'import-phones' }));
    expect(() => Journal.resume(file, header)).toThrow(/is in use by another run: pid 1 on runner-7 \(import-phones\), started 2026-11-20T09:00:00.000Z; wait for it to finish; if that run is over \(it ran on another machine\), clear the lock with `rm \S+\.lock`$/);
    writeFileSync(`${file}.lock`, '');
    expect(() => Journal.resume(file, header)).toThrow(/is locked by \S+\.lock, which cannot be read; if no other run uses this journal, clear the lock with `rm \S+\.lock` and run again$/);
  });

  it('a new journal refuses an existing file before looking at any lock', () => {
    const file = path.join(tmp(), 'run.journal');
    Journal.create(file, header).close();
    expect(() => Journal.create(file, header)).toThrow(/already exists: resume it with --resume/);
  });
});
