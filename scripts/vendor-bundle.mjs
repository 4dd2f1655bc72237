// Start-up speed: `yaml` is 72 CommonJS files and `commander` 7; Node resolves, reads and compiles
// each one separately, which was the largest part of `validate`'s start-up (Node 20 has no module
// compile cache). At build time each package is concatenated, unchanged, into one file under
// dist/vendor/ (every module keeps its own function scope and runs only when first required, as
// under Node's loader), and dist's imports of the package are pointed at that file. No bundler
// dependency: a package's relative require() calls are all this needs to follow. The ESM face
// loads the bundle with V8's code cache from the build (src/startup/codeCache.ts).
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');
const require = createRequire(path.join(root, 'package.json'));

/** The packages bundled: name -> its CommonJS entry (what `require(name)` loads under Node). */
export const VENDORED = ['yaml', 'commander'];

const RELATIVE_REQUIRE = /\brequire\((['"])(\.{1,2}\/[^'"]+)\1\)/g;

function bundle(name) {
  const entry = require.resolve(name);
  let pkgDir = path.dirname(entry);
  while (!existsSync(path.join(pkgDir, 'package.json')) || JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).name !== name) pkgDir = path.dirname(pkgDir);
  const modules = new Map();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop();
    if (modules.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    modules.set(file, source);
    for (const [, , spec] of source.matchAll(RELATIVE_REQUIRE)) {
      const target = path.resolve(path.dirname(file), spec);
      const resolved = [target, `${target}.js`].find((f) => existsSync(f) && f.endsWith('.js'));
      // A require this loader cannot follow must fail the build, not the user's run.
      if (!resolved) throw new Error(`vendor-bundle: ${name}: cannot resolve ${spec} from ${file}`);
      queue.push(resolved);
    }
  }
  const id = (file) => path.relative(pkgDir, file).split(path.sep).join('/');
  const license = ['LICENSE', 'LICENSE.md', 'license'].map((f) => path.join(pkgDir, f)).find(existsSync);
  const { version } = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  let out = `// ${name}@${version}, its ${modules.size} CommonJS modules in one file (scripts/vendor-bundle.mjs); the code is unchanged.\n`;
  if (license) out += `/*\n${readFileSync(license, 'utf8').replaceAll('*/', '* /').trimEnd()}\n*/\n`;
  out += 'const __defs = {\n';
  for (const [file, source] of modules) {
    out += `${JSON.stringify(id(file))}: function (exports, require, module, __filename, __dirname) {\n${source}\n},\n`;
  }
  out += `};
const __cache = Object.create(null);
const __outerRequire = require;
function __load(id) {
  const cached = __cache[id];
  if (cached) return cached.exports;
  const module = (__cache[id] = { exports: {} });
  const dir = id.includes('/') ? id.slice(0, id.lastIndexOf('/')) : '';
  const localRequire = (spec) => {
    if (!spec.startsWith('./') && !spec.startsWith('../')) return __outerRequire(spec);
    const parts = dir ? dir.split('/') : [];
    for (const part of spec.split('/')) {
      if (part === '..') parts.pop();
      else if (part !== '.') parts.push(part);
    }
    const target = parts.join('/');
    return __load(Object.hasOwn(__defs, target) ? target : \`\${target}.js\`);
  };
  __defs[id].call(module.exports, module.exports, localRequire, module, __filename, __dirname);
  return module.exports;
}
module.exports = __load(${JSON.stringify(id(entry))});
`;
  return out;
}

function distFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => f.endsWith('.js') && !f.startsWith(path.join(dist, 'vendor') + path.sep));
}

export function vendorBundle() {
  mkdirSync(path.join(dist, 'vendor'), { recursive: true });
  for (const name of VENDORED) {
    writeFileSync(path.join(dist, 'vendor', `${name}.cjs`), bundle(name));
    // The ESM face dist imports. Importing the .cjs directly would make Node scan all of it for export
    // names (cjs-module-lexer), which costs more than the separate files did; the names are listed here.
    const names = Object.keys(require(name)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
    writeFileSync(
      path.join(dist, 'vendor', `${name}.js`),
      `// ${name} for dist's ES modules: the bundle in ${name}.cjs, with its export names listed (scripts/vendor-bundle.mjs).\n` +
        `import { fileURLToPath } from 'node:url';\n` +
        `import { requireCached } from '../startup/codeCache.js';\n` +
        `const pkg = requireCached(fileURLToPath(new URL('./${name}.cjs', import.meta.url)));\n` +
        `export default pkg;\n` +
        `export const { ${names.join(', ')} } = pkg;\n`,
    );
  }
  const IMPORT = new RegExp(`(\\bfrom\\s*|\\bimport\\s*\\(\\s*|^\\s*import\\s*)(['"])(${VENDORED.join('|')})\\2`, 'gm');
  for (const file of distFiles(dist)) {
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(IMPORT, (_, before, quote, name) => {
      let rel = path.relative(path.dirname(file), path.join(dist, 'vendor', `${name}.js`)).split(path.sep).join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return `${before}${quote}${rel}${quote}`;
    });
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}
