/**
 * Which test files load nock, directly or through a local module they import (followed transitively):
 * vitest.config.ts runs exactly these in workers of their own (shared with one another only, nock put
 * back to its starting state after each: test/helpers/nockBetweenFiles.ts), apart from the rest.
 *
 * Why: nock patches Node's http (and fetch) process-wide the moment it is imported, and a file that
 * disables net connect or leaves interceptors behind would break the next file in a shared worker
 * (`NetConnectNotAllowedError` in a file that never mentioned nock). Deciding by reading the imports
 * means a new nock test is kept apart without anyone keeping a list.
 *
 * The scan reads import specifiers with regular expressions, so it errs on the safe side: anything
 * that looks like an import of nock (even in a string) puts the file with the nock ones, which costs
 * nothing. Only a specifier computed at run time (`import(name)`) would escape it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Packages that patch Node's networking for the whole process when loaded. */
const PROCESS_WIDE_PATCHES = ['nock'];

const SPECIFIERS = [
  /\bfrom\s*['"]([^'"\n]+)['"]/g, // import … from 'x', export … from 'x'
  /\bimport\s*['"]([^'"\n]+)['"]/g, // import 'x'
  /\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g, // import('x')
  /\brequire\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g, // require('x')
];

function specifiersOf(source: string): string[] {
  return SPECIFIERS.flatMap((re) => [...source.matchAll(re)].map((m) => m[1]!));
}

const patches = (specifier: string) => PROCESS_WIDE_PATCHES.some((p) => specifier === p || specifier.startsWith(`${p}/`));

/** The local file a relative specifier names (TypeScript's `./x.js` is `./x.ts` on disk), if it exists. */
function resolveLocal(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [base, base.replace(/\.(m|c)?js$/, '.$1ts'), `${base}.ts`, path.join(base, 'index.ts')];
  return candidates.find((f) => !f.includes(`${path.sep}node_modules${path.sep}`) && existsSync(f) && statSync(f).isFile());
}

/** A scanner with one cache of file imports, so helpers shared by many tests are read once. */
export function nockScanner(): (file: string) => boolean {
  const imports = new Map<string, string[]>();
  const importsOf = (file: string) => {
    let list = imports.get(file);
    if (!list) {
      list = specifiersOf(readFileSync(file, 'utf8'));
      imports.set(file, list);
    }
    return list;
  };
  return (file: string) => {
    const seen = new Set<string>();
    const visit = (f: string): boolean => {
      if (seen.has(f)) return false;
      seen.add(f);
      return importsOf(f).some((s) => {
        if (patches(s)) return true;
        if (!s.startsWith('.')) return false;
        const local = resolveLocal(f, s);
        return local !== undefined && visit(local);
      });
    };
    return visit(path.resolve(file));
  };
}

/** Test files (`*.test.ts` below `dir`) that load nock, as paths relative to `root` with `/` separators. */
export function testFilesLoadingNock(root: string, dir = 'test'): string[] {
  const loadsNock = nockScanner();
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts') && !f.split(path.sep).includes('node_modules'))
    .map((f) => path.join(dir, f))
    .filter((f) => loadsNock(path.join(root, f)))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}
