// The docs say what the code does: the permissions matrix section is generated from
// src/permissions.ts, and every relative link in README.md and docs/ points at a file that exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPermissionsMarkdown } from '../../src/permissions.js';
import { REPO_ROOT } from '../helpers/cli.js';

const BEGIN = '<!-- BEGIN generated from src/permissions.ts by scripts/gen-permissions-doc.mjs -->';
const END = '<!-- END generated -->';
const read = (rel: string) => readFileSync(path.join(REPO_ROOT, rel), 'utf8');

describe('docs', () => {
  it('docs/permissions.md carries the matrix exactly as src/permissions.ts renders it (regenerate: npm run build && node scripts/gen-permissions-doc.mjs)', () => {
    const text = read('docs/permissions.md');
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    expect(start).toBeGreaterThan(0);
    expect(text.slice(start + BEGIN.length + 1, end)).toBe(renderPermissionsMarkdown());
  });

  const pages = ['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  it.each(pages)('%s: relative links point at files that exist', (page) => {
    const links = [...read(page).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^(https?:|mailto:|#)/.test(l));
    const missing = links.filter((l) => !existsSync(path.resolve(REPO_ROOT, path.dirname(page), l.split('#')[0]!)));
    expect(missing).toEqual([]);
  });
});
