// Start-up speed: V8's code cache for the large CommonJS files `validate` loads (the yaml and
// commander bundles in dist/vendor/, the validators ajv generated). Node 20 has no module compile
// cache (module.enableCompileCache is 22.1+), so each run parsed ~1 MB of JavaScript and compiled
// the functions it called; that was the largest part of the run. The build runs `validate` once,
// then writes each file's cache (V8 bytecode of every function that run compiled) next to it.
//
// A cache only ever saves time: it is used when it was made from exactly this source (a SHA-1 in
// its first bytes) and V8 accepts it (same V8 version and flags); otherwise the file is compiled
// as usual. Either way the module runs the same code, as require() would run it.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';

const FINGERPRINT_BYTES = 20;

interface Loaded {
  script: Script;
  fingerprint: Buffer;
  /** undefined: no usable cache file; true: V8 refused it; false: V8 used it. */
  rejected?: boolean;
  /** What the file's last run exported. */
  exports?: unknown;
}

/**
 * Every file loaded so far in this process. Shared through globalThis: the CLI bundle
 * (dist/cli.bundle.cjs) carries its own copy of this module, and the build's warm-up must write the
 * caches of the files both copies loaded.
 */
const REGISTRY = Symbol.for('entra-rollout.codeCache.loaded');
const loaded: Map<string, Loaded> = ((globalThis as { [REGISTRY]?: Map<string, Loaded> })[REGISTRY] ??= new Map());

export function cacheFileOf(file: string): string {
  return `${file}.v8cache`;
}

// Of the bytes, not the string: hashing the decoded string costs twice as much.
function fingerprintOf(bytes: Buffer): Buffer {
  return createHash('sha1').update(bytes).digest();
}

/** Loads a CommonJS file as require() would (once per process), with its code cache when it fits. */
export function requireCached(file: string): unknown {
  const bytes = readFileSync(file);
  const fingerprint = fingerprintOf(bytes);
  const source = bytes.toString('utf8');
  let cachedData: Buffer | undefined;
  try {
    const blob = readFileSync(cacheFileOf(file));
    if (blob.subarray(0, FINGERPRINT_BYTES).equals(fingerprint)) cachedData = blob.subarray(FINGERPRINT_BYTES);
  } catch {
    // No cache (a build without the warm-up step, or a removed file): compile as usual.
  }
  // The wrapper starts on the source's first line, so line numbers in stack traces stay right.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const entry: Loaded = { script, fingerprint, ...(cachedData ? { rejected: script.cachedDataRejected === true } : {}) };
  loaded.set(file, entry);
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, cachedRequire(file), module, file, path.dirname(file));
  entry.exports = module.exports;
  return module.exports;
}

/**
 * The `require` a file loaded here gets: Node's, except that a relative `.cjs` file (the CLI bundle's
 * vendored packages in dist/vendor/) is loaded here too, with its own cache, once per process as
 * require() would.
 */
function cachedRequire(file: string): NodeJS.Require {
  const nodeRequire = createRequire(file);
  const viaCache = (target: string) => (loaded.has(target) ? loaded.get(target)!.exports : requireCached(target));
  const wrapped = ((specifier: string) =>
    specifier.startsWith('.') && specifier.endsWith('.cjs') ? viaCache(path.resolve(path.dirname(file), specifier)) : nodeRequire(specifier)) as NodeJS.Require;
  return Object.assign(wrapped, { resolve: nodeRequire.resolve, cache: nodeRequire.cache, main: nodeRequire.main, extensions: nodeRequire.extensions });
}

/** For tests and the build: whether each file loaded so far found its cache, and whether V8 used it. */
export function codeCacheStatus(): Record<string, 'used' | 'rejected' | 'none'> {
  return Object.fromEntries([...loaded].map(([file, l]) => [file, l.rejected === undefined ? 'none' : l.rejected ? 'rejected' : 'used']));
}

/** Build steps (scripts/build-validators.mjs, scripts/bundle-cli.mjs): writes the cache of every file loaded so far, after a warm-up run. */
export function writeCodeCaches(): string[] {
  for (const [file, { script, fingerprint }] of loaded) writeFileSync(cacheFileOf(file), Buffer.concat([fingerprint, script.createCachedData()]));
  return [...loaded.keys()];
}
