// vitest.config.ts runs the files that load nock in a fresh worker each and lets every other file share
// workers; the scan that tells them apart (test/helpers/nockFiles.ts) must miss no way of loading nock.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nockScanner, testFilesLoadingNock } from './nockFiles.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Spelled through a variable so this file's own source does not read as an import of it.
const NOCK = 'nock';

const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-nockfiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, source: string): string {
  const f = path.join(dir, name);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, source);
  return f;
}

describe('nockScanner', () => {
  it('finds nock loaded directly, by a side-effect import, a dynamic import, require, or a subpath', () => {
    const loadsNock = nockScanner();
    expect(loadsNock(write('direct.test.ts', `import nock from '${NOCK}';\n`))).toBe(true);
    expect(loadsNock(write('named.test.ts', `import {\n  back,\n  type Scope,\n} from "${NOCK}";\n`))).toBe(true);
    expect(loadsNock(write('side.test.ts', `import '${NOCK}';\n`))).toBe(true);
    expect(loadsNock(write('dynamic.test.ts', `const n = await import( '${NOCK}' );\n`))).toBe(true);
    expect(loadsNock(write('require.test.ts', `const n = require('${NOCK}');\n`))).toBe(true);
    expect(loadsNock(write('subpath.test.ts', `import { x } from '${NOCK}/lib/common.js';\n`))).toBe(true);
  });

  it('follows local imports through helpers (.js naming .ts, extensionless, index.ts, re-exports)', () => {
    const loadsNock = nockScanner();
    write('lib/server.ts', `import nock from '${NOCK}';\nexport const s = 1;\n`);
    write('lib/index.ts', `export { s } from './server.js';\n`);
    write('helpers/fixture.ts', `import { s } from '../lib';\nexport const f = s;\n`);
    write('helpers/more.ts', `export * from './fixture';\n`);
    expect(loadsNock(write('deep.test.ts', `import { f } from './helpers/more.js';\n`))).toBe(true);
  });

  it('leaves a file alone that loads no nock, even through an import cycle or a package whose name starts alike', () => {
    const loadsNock = nockScanner();
    write('cycle/a.ts', `import { b } from './b.js';\nexport const a = 1;\n`);
    write('cycle/b.ts', `import { a } from './a.js';\nexport const b = 2;\n`);
    expect(loadsNock(write('plain.test.ts', `import { a } from './cycle/a.js';\nimport x from '${NOCK}ed';\nimport { y } from './missing.js';\n`))).toBe(false);
  });

  it('lists the nock files of a folder, relative and sorted', () => {
    write('tree/test/b/b.test.ts', `import '${NOCK}';\n`);
    write('tree/test/a/a.test.ts', `import { h } from '../helper.js';\n`);
    write('tree/test/helper.ts', `import nock from '${NOCK}';\nexport const h = nock;\n`);
    write('tree/test/c.test.ts', `export {};\n`);
    expect(testFilesLoadingNock(path.join(dir, 'tree'))).toEqual(['test/a/a.test.ts', 'test/b/b.test.ts']);
  });
});

describe('the nock files of this repository', () => {
  const files = testFilesLoadingNock(REPO);

  it('include those that import nock, and those that only import a helper that does', () => {
    expect(files).toEqual(expect.arrayContaining(['test/graph/gateway.test.ts', 'test/workflows/gitops.test.ts']));
    // Through test/graph/helpers.ts and test/contract/fixtureServer.ts only.
    expect(files).toEqual(expect.arrayContaining(['test/graph/rateLimiter.test.ts', 'test/contract/client.test.ts']));
  });

  it('leave out files that never load nock, so they can share workers', () => {
    for (const f of ['test/tenant/rollouts.test.ts', 'test/e2e/plan-apply.test.ts', 'test/helpers/nockFiles.test.ts']) expect(files).not.toContain(f);
  });
});
