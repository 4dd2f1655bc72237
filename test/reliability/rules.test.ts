// The write-safety rules of the reliability suite are code too: each must flag what it is meant to.
import { describe, expect, it } from 'vitest';
import type { WriteRecord } from '../../src/emulator/requestLog.js';
import { uncleanBulk, writeViolations } from './harness.js';
import { referenceKey } from './runner.js';

const TAP = '/users/u1/authentication/temporaryAccessPassMethods';
let seq = 0;
const post = (outcome: WriteRecord['outcome'], extra: Partial<WriteRecord> = {}): WriteRecord => ({
  seq: ++seq,
  method: 'POST',
  path: TAP,
  status: outcome === 'applied' ? 201 : 504,
  requestId: `r${seq}`,
  inBatch: true,
  outcome,
  bodySha256: 'b1',
  ...extra,
});
const get = (path = TAP) => ({ seq: ++seq, path, status: 200 });

describe('writeViolations', () => {
  it('a creation that ran twice is a violation', () => {
    expect(writeViolations([post('applied'), post('applied')])).toEqual([`POST ${TAP} body:b1 (not idempotent) ran 2 times`, `POST ${TAP} body:b1 succeeded 2 times`]);
  });

  it('a replaceable creation may be made again once per lost answer, after a read of the collection', () => {
    const lost = post('lost');
    const look = get();
    const again = post('applied');
    expect(writeViolations([lost, again], { replaces: /temporaryAccessPassMethods$/, gets: [look] })).toEqual([]);
  });

  it('... but not blindly (no read in between), not without the replaces licence, and not twice for one lost answer', () => {
    const lost = post('lost');
    const again = post('applied');
    const readLater = get();
    expect(writeViolations([lost, again], { replaces: /temporaryAccessPassMethods$/, gets: [readLater] })).toHaveLength(1);
    const lost2 = post('lost');
    const look = get();
    const again2 = post('applied');
    expect(writeViolations([lost2, again2], { gets: [look] })).toHaveLength(1);
    const lost3 = post('lost');
    const look3 = get();
    const a = post('applied');
    const b = post('applied');
    expect(writeViolations([lost3, a, b], { replaces: /temporaryAccessPassMethods$/, gets: [look3] })).toContain(`POST ${TAP} body:b1 (not idempotent) ran 3 times`);
  });

  it('after a crash, a creation the killed client sent counts as unanswered (it may have died before reading the answer)', () => {
    const sent = post('applied');
    const look = get();
    const again = post('applied');
    const options = { replaces: /temporaryAccessPassMethods$/, gets: [look] };
    expect(writeViolations([sent, again], { ...options, crashedAfter: sent.seq }).filter((m) => m.includes('ran'))).toEqual([]);
    expect(writeViolations([sent, again], options).filter((m) => m.includes('ran'))).toHaveLength(1);
  });

  it('a success answered twice is a violation; a $batch envelope is not a write of its own', () => {
    const patch = (): WriteRecord => ({ seq: ++seq, method: 'PATCH', path: '/groups/g', status: 204, requestId: 'x', inBatch: true, outcome: 'applied', bodySha256: 'p' });
    expect(writeViolations([patch(), patch()])).toEqual(['PATCH /groups/g body:p succeeded 2 times']);
    const envelope = (): WriteRecord => ({ seq: ++seq, method: 'POST', path: '/$batch', status: 200, requestId: 'e', inBatch: false, outcome: 'applied', bodySha256: 'e' });
    expect(writeViolations([envelope(), envelope()])).toEqual([]);
  });

  it("a client's own retry of a creation after an answer that does not prove it did not run is a violation", () => {
    const first = post('fault', { status: 503, clientRequestId: 'c1', inBatch: false });
    const second = post('applied', { clientRequestId: 'c1', inBatch: false });
    expect(writeViolations([first, second])).toEqual([`POST ${TAP} body:b1 was re-sent blindly after 503 (client-request-id c1)`]);
    const throttled = post('throttled', { status: 429, clientRequestId: 'c2', inBatch: false });
    const retried = post('applied', { clientRequestId: 'c2', inBatch: false, bodySha256: 'b2' });
    expect(writeViolations([throttled, retried])).toEqual([]);
  });
});

describe('uncleanBulk', () => {
  const summary = (failed: number) => `issue-tap: 3 item(s)\n  done: ${3 - failed}\n  skipped: 0\n  failed: ${failed}\n`;
  it('accepts one failed line per failed item, or one error line', () => {
    expect(uncleanBulk({ code: 1, stdout: summary(1), stderr: 'journal: j\nfailed a@x: no pass could be created after 3 attempts\n' })).toBeUndefined();
    expect(uncleanBulk({ code: 1, stdout: '', stderr: 'error: journal j already exists: resume it with --resume j\n' })).toBeUndefined();
  });
  it('rejects a miscount, a stack trace, or another exit code', () => {
    expect(uncleanBulk({ code: 1, stdout: summary(2), stderr: 'failed a@x: why\n' })).toMatch(/expected one/);
    expect(uncleanBulk({ code: 1, stdout: '', stderr: 'error: boom\n    at run (file.js:1:2)\n' })).toMatch(/stack trace/);
    expect(uncleanBulk({ code: 2, stdout: summary(1), stderr: 'failed a@x: why\n' })).toMatch(/exit 2/);
  });
});

// Test files that share a vitest worker share the fault-free references (runner.ts): a key that
// left out an option would hand one file the reference another file computed under other settings.
describe('referenceKey', () => {
  it('differs for every option that changes the fault-free run, and not for the order of the options', () => {
    const key = (options: Parameters<typeof referenceKey>[2]) => referenceKey('config', 7, options);
    const keys = [
      key({}),
      key({ timeScale: 100 }),
      key({ throttle: false }),
      key({ clockStart: new Date('2026-01-01T00:00:00Z') }),
      key({ clockStart: new Date('2026-02-01T00:00:00Z') }),
      referenceKey('config', 8, {}),
      referenceKey('users', 7, {}),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(key({ timeScale: 100, throttle: false })).toBe(key({ throttle: false, timeScale: 100 }));
  });
});
