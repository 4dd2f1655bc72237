#!/usr/bin/env node
// `npm run bench [-- NAME...]`: runs the benchmarks against the built CLI, prints a table of
// figures and target ratios, and writes bench-results.json. Benchmarks measure; tests judge behaviour.
import { writeFileSync } from 'node:fs';
import { benches } from './benches.mjs';

const wanted = process.argv.slice(2);
const selected = wanted.length ? benches.filter((b) => wanted.includes(b.name)) : benches;
if (selected.length === 0) {
  console.error(`unknown benchmark(s): ${wanted.join(', ')}; known: ${benches.map((b) => b.name).join(', ')}`);
  process.exit(1);
}

const results = [];
for (const bench of selected) {
  process.stderr.write(`running ${bench.name}…\n`);
  const rows = await bench.run();
  results.push({ bench: bench.name, description: bench.description, rows, ...(bench.details ? { details: bench.details } : {}) });
}

const table = results.flatMap((r) => r.rows.map((row) => ({ bench: r.bench, ...row })));
const cols = ['bench', 'metric', 'value', 'unit', 'target', 'ratio', 'ok'];
const cell = (row, c) => (row[c] === undefined ? '' : typeof row[c] === 'number' ? String(Math.round(row[c] * 1000) / 1000) : String(row[c]));
const widths = cols.map((c) => Math.max(c.length, ...table.map((row) => cell(row, c).length)));
const line = (values) => values.map((v, i) => v.padEnd(widths[i])).join('  ');
console.log(line(cols));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of table) console.log(line(cols.map((c) => cell(row, c))));

writeFileSync('bench-results.json', `${JSON.stringify({ createdAt: new Date().toISOString(), node: process.version, results }, null, 2)}\n`);
console.log('\nwrote bench-results.json');
const failed = table.filter((row) => row.ok === false);
if (failed.length) console.log(`${failed.length} figure(s) miss their target: ${failed.map((r) => `${r.bench}/${r.metric}`).join(', ')}`);
