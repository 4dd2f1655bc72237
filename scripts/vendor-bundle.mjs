// Start-up speed: `yaml` is 72 CommonJS files and `commander` 7; Node resolves, reads and compiles
// each one separately, which was the largest part of `validate`'s start-up (Node 20 has no module
// compile cache). The Graph SDK (about 40 files with tslib) and json-diff-ts, which every Graph command
// loads, are bundled the same way: 50–130 ms less CPU per `plan`, `waves status` or `users show`
// (measured against the emulator, 2026-11-28), and the end-to-end tests start such a run ~500 times.
// At build time each package is concatenated, unchanged, into one file under
// dist/vendor/ (every module keeps its own function scope and runs only when first required, as
// under Node's loader), and dist's imports of the package are pointed at that file. No bundler
// dependency: a package's relative require() calls are all this needs to follow. The ESM face
// loads the bundle with V8's code cache from the build (src/startup/codeCache.ts).
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');
const require = createRequire(path.join(root, 'package.json'));

/** The packages bundled: name -> its CommonJS entry (what `require(name)` loads under Node). */
export const VENDORED = ['yaml', 'commander', '@microsoft/microsoft-graph-client', 'json-diff-ts'];

/** The bundle's file name under dist/vendor/ (a scoped name's slash would make a folder). */
const fileBase = (name) => name.replace('/', '+');

const REQUIRE = /\brequire\((['"])([^'"]+)\1\)/g;

/**
 * One CommonJS file holding `entry` and every file it requires (relative or from a package; Node's
 * built-in modules stay outside), each in its own function scope, run when first required.
 */
export function bundleCommonJs(entry, header) {
  const modules = new Map(); // file -> { source, deps: { spec -> file } }
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop();
    if (modules.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const deps = {};
    for (const [, , spec] of source.matchAll(REQUIRE)) {
      if (isBuiltin(spec)) continue;
      let resolved;
      try {
        resolved = createRequire(file).resolve(spec);
      } catch {
        resolved = undefined;
      }
      // A require this loader cannot follow must fail the build, not the user's run.
      if (!resolved || !/\.c?js$/.test(resolved)) throw new Error(`vendor-bundle: cannot bundle require(${JSON.stringify(spec)}) in ${file}`);
      deps[spec] = resolved;
      queue.push(resolved);
    }
    modules.set(file, { source, deps });
  }
  const NM = `${path.sep}node_modules${path.sep}`;
  const idOf = (file) => (file.includes(NM) ? file.slice(file.lastIndexOf(NM) + NM.length) : path.relative(path.dirname(entry), file)).split(path.sep).join('/');
  const ids = new Map([...modules.keys()].map((file) => [file, idOf(file)]));
  let out = header;
  // The licence of every package whose code is copied in (MIT and ISC ask for their notice).
  const packages = new Set([...modules.keys()].filter((f) => f.includes(NM)).map((f) => packageDirOf(f)));
  for (const dir of packages) {
    const license = ['LICENSE', 'LICENSE.md', 'license'].map((f) => path.join(dir, f)).find(existsSync);
    const { name, version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    out += `/* ${name}@${version}${license ? `:\n${readFileSync(license, 'utf8').replaceAll('*/', '* /').trimEnd()}\n` : ' '}*/\n`;
  }
  out += 'const __defs = {\n';
  for (const [file, { source, deps }] of modules) {
    const depIds = Object.fromEntries(Object.entries(deps).map(([spec, f]) => [spec, ids.get(f)]));
    out += `${JSON.stringify(ids.get(file))}: [${JSON.stringify(depIds)}, function (exports, require, module, __filename, __dirname) {\n${source}\n}],\n`;
  }
  out += `};
const __cache = Object.create(null);
const __outerRequire = require;
function __load(id) {
  const cached = __cache[id];
  if (cached) return cached.exports;
  const module = (__cache[id] = { exports: {} });
  const [deps, body] = __defs[id];
  const localRequire = (spec) => (Object.hasOwn(deps, spec) ? __load(deps[spec]) : __outerRequire(spec));
  body.call(module.exports, module.exports, localRequire, module, __filename, __dirname);
  return module.exports;
}
module.exports = __load(${JSON.stringify(ids.get(entry))});
`;
  return { code: out, files: modules.size };
}

/** The folder of the package a file belongs to (the nearest package.json with a name). */
function packageDirOf(file) {
  let dir = path.dirname(file);
  while (!existsSync(path.join(dir, 'package.json')) || !JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name) dir = path.dirname(dir);
  return dir;
}

function bundle(name) {
  return bundleCommonJs(require.resolve(name), `// ${name}: its CommonJS modules in one file (scripts/vendor-bundle.mjs); the code is unchanged.\n`).code;
}

function distFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => f.endsWith('.js') && !f.startsWith(path.join(dist, 'vendor') + path.sep));
}

export function vendorBundle() {
  mkdirSync(path.join(dist, 'vendor'), { recursive: true });
  for (const name of VENDORED) {
    writeFileSync(path.join(dist, 'vendor', `${fileBase(name)}.cjs`), bundle(name));
    // The ESM face dist imports. Importing the .cjs directly would make Node scan all of it for export
    // names (cjs-module-lexer), which costs more than the separate files did; the names are listed here.
    const names = Object.keys(require(name)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
    writeFileSync(
      path.join(dist, 'vendor', `${fileBase(name)}.js`),
      `// ${name} for dist's ES modules: the bundle in ${name}.cjs, with its export names listed (scripts/vendor-bundle.mjs).\n` +
        `import { fileURLToPath } from 'node:url';\n` +
        `import { requireCached } from '../startup/codeCache.js';\n` +
        `const pkg = requireCached(fileURLToPath(new URL('./${fileBase(name)}.cjs', import.meta.url)));\n` +
        `export default pkg;\n` +
        `export const { ${names.join(', ')} } = pkg;\n`,
    );
  }
  const IMPORT = new RegExp(`(\\bfrom\\s*|\\bimport\\s*\\(\\s*|^\\s*import\\s*)(['"])(${VENDORED.join('|')})\\2`, 'gm');
  for (const file of distFiles(dist)) {
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(IMPORT, (_, before, quote, name) => {
      let rel = path.relative(path.dirname(file), path.join(dist, 'vendor', `${fileBase(name)}.js`)).split(path.sep).join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return `${before}${quote}${rel}${quote}`;
    });
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}
