// Compiles the JSON Schemas in schemas/ ahead of time (ajv standalone code) into
// dist/config/validators.generated.cjs, so `validate` neither loads nor runs ajv's compiler at
// start-up. The options must stay those of src/config/schemas.ts (AJV_OPTIONS), which compiles the
// same schemas at run time when this file is absent (vitest runs from src/).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

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
writeFileSync(new URL('../dist/config/validators.generated.cjs', import.meta.url), standaloneCode(ajv, exportsByKind));
