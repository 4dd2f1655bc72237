// Regenerates the matrix section of docs/permissions.md from src/permissions.ts (through the build
// in dist/). Run `npm run build && node scripts/gen-permissions-doc.mjs` after changing the matrix;
// a unit test fails while the committed section differs from what the module renders.
import { readFileSync, writeFileSync } from 'node:fs';

const { renderPermissionsMarkdown } = await import(new URL('../dist/permissions.js', import.meta.url).href);
const file = new URL('../docs/permissions.md', import.meta.url);
const BEGIN = '<!-- BEGIN generated from src/permissions.ts by scripts/gen-permissions-doc.mjs -->';
const END = '<!-- END generated -->';
const text = readFileSync(file, 'utf8');
const start = text.indexOf(BEGIN);
const end = text.indexOf(END);
if (start < 0 || end < start) throw new Error(`docs/permissions.md lacks the ${BEGIN} … ${END} markers`);
writeFileSync(file, `${text.slice(0, start + BEGIN.length)}\n${renderPermissionsMarkdown()}${text.slice(end)}`);
