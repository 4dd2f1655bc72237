// Compiles the JSON Schemas in schemas/ ahead of time (ajv standalone code) into
// dist/config/validators.generated.cjs, so `validate` neither loads nor runs ajv's compiler at
// start-up. The options must stay those of src/config/schemas.ts (AJV_OPTIONS), which compiles the
// same schemas at run time when this file is absent (vitest runs from src/).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundleCommonJs } from './vendor-bundle.mjs';

const require = createRequire(import.meta.url);
const { Ajv2020 } = require('ajv/dist/2020.js');
const standaloneCode = require('ajv/dist/standalone').default;
const addFormats = require('ajv-formats');
const { AJV_OPTIONS, SCHEMA_FILES } = await import('../dist/config/schemaFiles.js');

const schemas = Object.entries(SCHEMA_FILES).map(([kind, file]) => ({
  ...JSON.parse(readFileSync(new URL(`../schemas/${file}`, import.meta.url), 'utf8')),
  $id: `entra-rollout:${kind}`,
}));
const ajv = new Ajv2020({ ...AJV_OPTIONS, schemas, code: { ...AJV_OPTIONS.code, source: true, optimize: true } });
addFormats(ajv);
const exportsByKind = Object.fromEntries(Object.keys(SCHEMA_FILES).map((kind) => [kind, `entra-rollout:${kind}`]));
mkdirSync(new URL('../dist/config/', import.meta.url), { recursive: true });
const generated = new URL('../dist/config/validators.generated.cjs', import.meta.url);
writeFileSync(generated, standaloneCode(ajv, exportsByKind));
// The code requires four small files of ajv, ajv-formats and fast-deep-equal; copied in, a run does
// not search node_modules for them.
writeFileSync(generated, bundleCommonJs(fileURLToPath(generated), '// Validators ajv generated from schemas/ (scripts/build-validators.mjs), with the run-time helpers they require.\n').code);

// V8's code cache for what `validate` loads (src/startup/codeCache.ts): one warm-up run of validate
// on the sample policies compiles the functions a run needs, then each file's cache is written.
const { writeCodeCaches } = await import('../dist/startup/codeCache.js');
const { Command } = await import('../dist/vendor/commander.js');
const { registerValidate } = await import('../dist/cli/validate.js');
const { ExitError } = await import('../dist/errors.js');
const program = new Command('entra-rollout').exitOverride();
registerValidate(program);
const write = process.stdout.write;
process.stdout.write = () => true; // the warm-up's report is not the build's output
try {
  await program.parseAsync(['node', 'entra-rollout', 'validate', '-c', fileURLToPath(new URL('../policies', import.meta.url))]);
} catch (err) {
  // A sample being edited may not validate; the warm-up still compiled what a run needs.
  if (!(err instanceof ExitError)) throw err;
} finally {
  process.stdout.write = write;
}
writeCodeCaches();
