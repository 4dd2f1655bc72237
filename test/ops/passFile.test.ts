import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TapOutFile } from '../../src/ops/tap.js';

const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-passfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the pass file of users issue-tap', () => {
  it('is created private (0600) and never overwritten', () => {
    const file = path.join(dir, 'new.csv');
    TapOutFile.create(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('upn,tap,start,expires\n');
    expect(() => TapOutFile.create(file)).toThrow(/already exists: refusing to overwrite/);
  });

  it('is reopened by a resumed run only while nobody else can read it', () => {
    const file = path.join(dir, 'resumed.csv');
    TapOutFile.create(file);
    expect(TapOutFile.reopen(file).holds.size).toBe(0);
    chmodSync(file, 0o644);
    expect(() => TapOutFile.reopen(file)).toThrow(/readable by others \(mode 644\): refusing to add passes/);
    chmodSync(file, 0o640);
    expect(() => TapOutFile.reopen(file)).toThrow(/readable by others \(mode 640\)/);
  });
});
