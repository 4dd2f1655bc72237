// Preloaded into a measured CLI process (`node --import ./rssProbe.mjs dist/cli.js …`): on exit it
// writes the process's peak resident set size (kB, from getrusage) to the file BENCH_RSS_FILE names.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
