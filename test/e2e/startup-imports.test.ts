// `validate` must start fast and work without credentials: nothing reachable from the CLI entry
// through static imports may load the Graph SDK or @azure/identity (commands import them lazily).
import { readFileSync } from 'node:fs';
import path from 'node:path';
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

describe('start-up imports of the built CLI', () => {
  const { files, packages } = staticImportGraph(CLI);

  it('follows the real graph (sanity: it reaches the config loader and yaml)', () => {
    expect([...files].some((f) => f.endsWith(path.join('config', 'load.js')))).toBe(true);
    expect(packages).toContain('yaml');
  });

  it('never statically imports the Graph SDK or @azure/identity', () => {
    const heavy = [...packages].filter((p) => HEAVY.some((h) => p === h || p.startsWith(`${h}/`)));
    expect(heavy).toEqual([]);
  });
});
