// Build step: dist/cli.bundle.cjs, the CLI (dist/cliMain.js and every module it can reach) in one
// CommonJS file, and V8's code cache for it from a warm-up run of the Graph commands against the
// emulator. dist/cli.js runs every command but `validate` from it (src/cli.ts says why).
//
// - rolldown joins the modules; it keeps each module's code and runs those behind a dynamic import
//   only when first imported, as Node's loader would.
// - Node's built-in modules and the packages in node_modules (@azure/identity, loaded only when a
//   credential is needed) stay require() calls. The four vendored packages are required from their
//   one-file bundles in dist/vendor/ (scripts/vendor-bundle.mjs), which the code-cache loader loads
//   with their own caches (src/startup/codeCache.ts).
// - The warm-up runs `plan`, `waves status`, `users show` and `doctor` through the bundle against
//   an in-process emulator (loopback only), so the cache holds the functions those runs compiled,
//   not only the top-level code. It writes nothing outside dist/.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');
const entry = path.join(dist, 'cliMain.js');
const out = path.join(dist, 'cli.bundle.cjs');
const vendorDir = path.join(dist, 'vendor') + path.sep;

rmSync(out, { force: true });
rmSync(`${out}.v8cache`, { force: true });

const build = await rolldown({
  input: entry,
  platform: 'node',
  logLevel: 'warn',
  onLog(level, log, handler) {
    // A module both imported and dynamically imported stays in the one file: nothing to split.
    if (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return;
    handler(level, log);
  },
  plugins: [
    {
      name: 'entra-rollout:externals',
      resolveId(source, importer) {
        if (source.startsWith('node:')) return { id: source, external: true };
        if (!source.startsWith('.') && !path.isAbsolute(source)) return { id: source, external: true };
        const file = importer ? path.resolve(path.dirname(importer), source) : source;
        // A vendored package: its CommonJS bundle, required relative to dist/ (where this file goes).
        if (file.startsWith(vendorDir) && file.endsWith('.js')) return { id: `./vendor/${path.basename(file, '.js')}.cjs`, external: true };
        return null;
      },
    },
  ],
});
// dynamicImportInCjs false: a dynamic import() of a built-in or a package (@azure/identity) becomes
// a require(); the code-cache loader runs the bundle as a vm.Script, where import() has no loader.
await build.write({ file: out, format: 'cjs', codeSplitting: false, sourcemap: false, dynamicImportInCjs: false });
await build.close();

// The warm-up: the code cache holds what these runs compiled. Their output is not the build's.
const { startEmulator } = await import(pathToFileURL(path.join(dist, 'emulator', 'index.js')).href);
const { requireCached, writeCodeCaches, codeCacheStatus } = await import(pathToFileURL(path.join(dist, 'startup', 'codeCache.js')).href);
const emulator = await startEmulator({ scenario: 'demo', timeScale: 1000 });
Object.assign(process.env, { ENTRA_ROLLOUT_GRAPH_URL: emulator.graphBaseUrl, ENTRA_ROLLOUT_TOKEN: 'warm-up', ENTRA_ROLLOUT_TIME_SCALE: '1000', NO_COLOR: '1' });
const policies = path.join(root, 'policies');
const runs = [
  ['plan', '-c', policies],
  ['waves', 'status', '-c', policies],
  ['users', 'show', 'adele.vance@contoso.onmicrosoft.com', '-c', policies],
  ['doctor', '-c', policies],
];
const write = { out: process.stdout.write, err: process.stderr.write };
let errors = '';
try {
  const { main } = requireCached(out);
  process.stdout.write = () => true;
  process.stderr.write = (chunk) => ((errors += String(chunk)), true);
  for (const args of runs) await main(['node', 'entra-rollout', ...args]);
} finally {
  process.stdout.write = write.out;
  process.stderr.write = write.err;
  process.exitCode = 0; // a warm-up run's exit code is not the build's
  await emulator.close();
}
// A run may exit 1 on the sample (a gate that holds, a permission the token lacks): it still compiled
// its code. A usage error or a crash means the warm-up itself is broken: stop the build.
if (/^error: (unknown|missing required|too many|unexpected failure)/m.test(errors)) throw new Error(`bundle-cli: a warm-up run failed:\n${errors}`);
writeCodeCaches();
const rejected = Object.entries(codeCacheStatus()).filter(([, s]) => s === 'rejected');
if (rejected.length > 0 || !existsSync(`${out}.v8cache`)) throw new Error(`bundle-cli: code cache not written for ${rejected.map(([f]) => f).join(', ') || out}`);
