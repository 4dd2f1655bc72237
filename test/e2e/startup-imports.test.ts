// `validate` must start fast and work without credentials: nothing reachable from the CLI entry
// through static imports may load the Graph SDK or @azure/identity (commands import them lazily),
// and a real run loads only what it needs, from the bundles and code caches the build made. Every
// other command runs from the CLI bundle (dist/cli.bundle.cjs) and its code cache.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { startTestTenant } from '../helpers/emulator.js';

const HEAVY = ['@microsoft/microsoft-graph-client', '@azure/identity'];
const STATIC_IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;

function staticImportGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      const spec = (match[1] ?? match[2])!;
      if (spec.startsWith('.')) queue.push(path.resolve(path.dirname(file), spec));
      else packages.add(spec);
    }
  }
  return { files, packages };
}

const DIST = path.dirname(CLI);

describe('start-up imports of the built CLI', () => {
  const entry = staticImportGraph(CLI);
  const validate = staticImportGraph(path.join(DIST, 'cli', 'validate.js'));

  it('follows the real graph (sanity: validate reaches the config loader and the yaml bundle)', () => {
    expect([...validate.files].some((f) => f.endsWith(path.join('config', 'load.js')))).toBe(true);
    expect([...validate.files].some((f) => f.endsWith(path.join('vendor', 'yaml.js')))).toBe(true);
  });

  it('never statically imports the Graph SDK or @azure/identity', () => {
    const packages = [...entry.packages, ...validate.packages];
    expect(packages.filter((p) => HEAVY.some((h) => p === h || p.startsWith(`${h}/`)))).toEqual([]);
  });

  it('loads a command module only when that command runs (the entry imports none of them statically)', () => {
    expect([...entry.files].filter((f) => f.includes(`${path.sep}cli${path.sep}`))).toEqual([]);
  });

  it('validates with the code ajv generated at build time, without loading ajv', async () => {
    expect([...validate.packages].filter((p) => p === 'ajv' || p.startsWith('ajv/') || p === 'ajv-formats')).toEqual([]);
    const schemas = (await import(pathToFileURL(path.join(DIST, 'config', 'schemas.js')).href)) as typeof import('../../src/config/schemas.js');
    schemas.schemaValidator('Tenant');
    expect(schemas.validatorSource()).toBe('ahead-of-time');
  });
});

/** What one run of the built CLI loaded: CommonJS files through require(), and through the code cache. */
interface Loaded {
  cjs: string[];
  codeCache: Record<string, 'used' | 'rejected' | 'none'>;
}

describe('what a run of `validate -c policies` loads', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-startup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function loadedBy(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Loaded> {
    const out = path.join(dir, `loaded-${args.join('-').replace(/\W+/g, '_')}.json`);
    const hook = path.join(dir, 'hook.mjs');
    // Preloaded with --import: the same dist/startup/codeCache.js instance the CLI uses (one URL, one module).
    writeFileSync(
      hook,
      [
        `import { writeFileSync } from 'node:fs';`,
        `import { createRequire } from 'node:module';`,
        `const { codeCacheStatus } = await import(${JSON.stringify(pathToFileURL(path.join(DIST, 'startup', 'codeCache.js')).href)});`,
        `process.on('exit', () => writeFileSync(process.env.LOADED_OUT, JSON.stringify({ cjs: Object.keys(createRequire(import.meta.url).cache), codeCache: codeCacheStatus() })));`,
      ].join('\n'),
    );
    const result = await runCli(args, { env: { ...env, NODE_OPTIONS: `--import=${pathToFileURL(hook).href}`, LOADED_OUT: out } });
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    return JSON.parse(readFileSync(out, 'utf8')) as Loaded;
  }

  it('loads nothing from node_modules: yaml and commander come from their bundles, ajv\'s helpers from the validators file', async () => {
    const { cjs } = await loadedBy(['validate', '-c', 'policies']);
    // Separately they were 72 files for yaml, 7 for commander, 4 for the validators' helpers; ajv's
    // compiler and the Graph/identity SDKs never load at all.
    expect(cjs.filter((f) => f.includes(`${path.sep}node_modules${path.sep}`))).toEqual([]);
    // dist's own CommonJS files go through the code-cache loader (next test), not require().
    expect(cjs.filter((f) => f.startsWith(DIST))).toEqual([]);
  });

  it('runs the large CommonJS files from the code cache the build wrote', async () => {
    const { codeCache } = await loadedBy(['validate', '-c', 'policies']);
    expect(Object.fromEntries(Object.entries(codeCache).map(([f, s]) => [path.relative(DIST, f), s]))).toEqual({
      [path.join('config', 'validators.generated.cjs')]: 'used',
      [path.join('vendor', 'commander.cjs')]: 'used',
      [path.join('vendor', 'yaml.cjs')]: 'used',
    });
  });

  it('runs a Graph command from the CLI bundle: it, the vendored packages and the validators from the code cache the build wrote', async () => {
    const tenant = await startTestTenant();
    try {
      const { cjs, codeCache } = await loadedBy(['plan', '-c', 'policies'], tenant.env);
      expect(Object.fromEntries(Object.entries(codeCache).map(([f, s]) => [path.relative(DIST, f), s]))).toEqual({
        'cli.bundle.cjs': 'used',
        [path.join('config', 'validators.generated.cjs')]: 'used',
        [path.join('vendor', '@microsoft+microsoft-graph-client.cjs')]: 'used',
        [path.join('vendor', 'commander.cjs')]: 'used',
        [path.join('vendor', 'json-diff-ts.cjs')]: 'used',
        [path.join('vendor', 'yaml.cjs')]: 'used',
      });
      // From node_modules, csv-parse alone (one file).
      expect(cjs.filter((f) => f.includes(`${path.sep}node_modules${path.sep}`)).map((f) => f.split(`${path.sep}node_modules${path.sep}`)[1]!.split(path.sep)[0])).toEqual(['csv-parse']);
    } finally {
      await tenant.close();
    }
  });
});

describe('the CLI bundle (dist/cli.bundle.cjs)', () => {
  const BUNDLE = path.join(DIST, 'cli.bundle.cjs');
  const source = readFileSync(BUNDLE, 'utf8');

  // The code-cache loader runs the bundle as a vm.Script, which has no loader for import(): one left
  // in fails only when reached ("A dynamic import callback was not specified"), as `waves report`'s
  // import('node:fs') did. The build turns each into a require().
  it('holds no dynamic import()', () => {
    expect(source.match(/\bimport\s*\(\s*["'][^"']+["']\s*\)/g) ?? []).toEqual([]);
  });

  it('requires @azure/identity only where a credential is made, and it resolves from dist/', () => {
    const lines = source.split('\n').filter((l) => l.includes('require("@azure/identity")'));
    expect(lines.length).toBeGreaterThan(0);
    // Inside a function, behind a promise: never at load.
    for (const l of lines) expect(l).toMatch(/^\s+.*Promise\.resolve\(\)\.then\(\(\) =>/);
    expect(typeof (createRequire(BUNDLE)('@azure/identity') as { DefaultAzureCredential?: unknown }).DefaultAzureCredential).toBe('function');
  });
});
