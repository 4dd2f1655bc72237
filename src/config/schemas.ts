import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { CODE_DIR, PACKAGE_ROOT } from '../layout.js';
import { requireCached } from '../startup/codeCache.js';
import { AJV_OPTIONS, SCHEMA_FILES } from './schemaFiles.js';
import type { Kind } from './types.js';

export { SCHEMA_FILES } from './schemaFiles.js';

const schemaDir = new URL('schemas/', PACKAGE_ROOT);
// Written by scripts/build-validators.mjs next to the built dist/config/schemas.js.
const generated = new URL('config/validators.generated.cjs', CODE_DIR);
const require = createRequire(import.meta.url);

let validators: Map<Kind, ValidateFunction> | undefined;
let source: 'ahead-of-time' | 'run-time' | undefined;

/**
 * Compiled validators, one per kind, built once per process. The built CLI loads the code that
 * ajv generated at build time: compiling the schemas was most of `validate`'s start-up. Run from
 * source (vitest), there is no such file and the schemas are compiled here with the same options.
 */
export function schemaValidator(kind: Kind): ValidateFunction {
  validators ??= existsSync(generated) ? loadGenerated() : compileNow();
  const validate = validators.get(kind);
  if (!validate) throw new Error(`no schema for kind ${kind}`);
  return validate;
}

/** Where the validators came from (tests check the built CLI uses the generated ones). */
export function validatorSource(): 'ahead-of-time' | 'run-time' | undefined {
  return source;
}

function loadGenerated(): Map<Kind, ValidateFunction> {
  // With V8's code cache from the build: compiling this large generated file was a third of the run.
  const mod = requireCached(fileURLToPath(generated)) as Record<Kind, ValidateFunction>;
  source = 'ahead-of-time';
  return new Map((Object.keys(SCHEMA_FILES) as Kind[]).map((k) => [k, mod[k]]));
}

function compileNow(): Map<Kind, ValidateFunction> {
  // ajv (and ajv-formats) are CommonJS; loaded only on this path so the built CLI never pays for them.
  const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const addFormats = require('ajv-formats') as (ajv: InstanceType<typeof Ajv2020>) => unknown;
  const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code } });
  addFormats(ajv);
  source = 'run-time';
  return new Map(
    (Object.entries(SCHEMA_FILES) as [Kind, string][]).map(([k, file]) => [k, ajv.compile(JSON.parse(readFileSync(new URL(file, schemaDir), 'utf8')) as object)]),
  );
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/** The schema of a kind's `spec`, for code that projects Graph objects onto what the format manages. */
export function specSchema(kind: Kind): SchemaNode {
  const schema = JSON.parse(readFileSync(new URL(SCHEMA_FILES[kind], schemaDir), 'utf8')) as SchemaNode;
  const spec = schema.properties?.spec;
  if (!spec) throw new Error(`schema of ${kind} has no spec`);
  return spec;
}

/** Keeps only the properties the schema knows, recursively; other values pass through unchanged. */
export function projectToSchema(value: unknown, schema: SchemaNode | undefined): unknown {
  // Lists of objects (passkey profiles, certificate bindings) are projected item by item.
  if (Array.isArray(value) && schema?.items?.properties) return value.map((v) => projectToSchema(v, schema.items));
  if (!schema?.properties || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(schema.properties)) {
    if (key in (value as object)) out[key] = projectToSchema((value as Record<string, unknown>)[key], sub);
  }
  return out;
}
