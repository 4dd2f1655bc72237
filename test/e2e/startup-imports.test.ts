// `validate` must start fast and work without credentials: nothing reachable from the CLI entry
// through static imports may load the Graph SDK or @azure/identity (commands import them lazily).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';

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

  it('follows the real graph (sanity: validate reaches the config loader and yaml)', () => {
    expect([...validate.files].some((f) => f.endsWith(path.join('config', 'load.js')))).toBe(true);
    expect(validate.packages).toContain('yaml');
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
