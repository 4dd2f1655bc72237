// The code-cache loader (src/startup/codeCache.ts) must run a CommonJS file exactly as require()
// would, and a cache must never stand in for source it was not made from.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheFileOf, codeCacheStatus, requireCached, writeCodeCaches } from '../../src/startup/codeCache.js';

const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-codecache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, source: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, source);
  return f;
}

describe('requireCached', () => {
  it('runs a CommonJS file like require(): exports, module.exports, relative require, __filename and __dirname', () => {
    file('helper.cjs', 'exports.twice = (n) => 2 * n;\n');
    const main = file('main.cjs', "'use strict';\nconst { twice } = require('./helper.cjs');\nmodule.exports = { four: twice(2), file: __filename, dir: __dirname, strict: (function () { return this; })() === undefined };\n");
    expect(requireCached(main)).toEqual({ four: 4, file: main, dir, strict: true });
    expect(codeCacheStatus()[main]).toBe('none');
  });

  it('uses the cache written after a run, and reports it', () => {
    const f = file('cached.cjs', 'module.exports = function answer() { return 42; };\n');
    expect((requireCached(f) as () => number)()).toBe(42);
    writeCodeCaches();
    expect((requireCached(f) as () => number)()).toBe(42);
    expect(codeCacheStatus()[f]).toBe('used');
  });

  it('ignores a cache made from other source, even of the same length (V8 itself compares only lengths)', () => {
    const f = file('changed.cjs', 'module.exports = function v() { return 111; };\n');
    expect((requireCached(f) as () => number)()).toBe(111);
    writeCodeCaches();
    file('changed.cjs', 'module.exports = function v() { return 222; };\n');
    expect((requireCached(f) as () => number)()).toBe(222);
    expect(codeCacheStatus()[f]).toBe('none');
  });

  it('compiles as usual when the cache file is garbage', () => {
    const f = file('garbage.cjs', 'module.exports = 7;\n');
    writeFileSync(cacheFileOf(f), Buffer.alloc(64, 1));
    expect(requireCached(f)).toBe(7);
    expect(codeCacheStatus()[f]).toBe('none');
  });
});
