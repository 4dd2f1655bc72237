import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Kind } from './types.js';

// src/config/ and dist/config/ both sit two levels below the package root, next to schemas/.
const schemaDir = new URL('../../schemas/', import.meta.url);

export const SCHEMA_FILES: Record<Kind, string> = {
  Tenant: 'tenant.schema.json',
  AuthenticationMethods: 'authentication-methods.schema.json',
  ConditionalAccessPolicy: 'conditional-access-policy.schema.json',
  Rollout: 'rollout.schema.json',
};

// ajv-formats is CommonJS with a default export; under NodeNext its namespace carries `default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

let validators: Map<Kind, ValidateFunction> | undefined;

/** Compiled validators, one per kind, built once per process. */
export function schemaValidator(kind: Kind): ValidateFunction {
  if (!validators) {
    // optimize: false skips ajv's code-optimisation passes: compiling is a third of `validate`'s
    // start-up, while the validators then check only a handful of small documents.
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, code: { optimize: false } });
    addFormats(ajv);
    validators = new Map();
    for (const [k, file] of Object.entries(SCHEMA_FILES) as [Kind, string][]) {
      const schema = JSON.parse(readFileSync(new URL(file, schemaDir), 'utf8')) as object;
      validators.set(k, ajv.compile(schema));
    }
  }
  const validate = validators.get(kind);
  if (!validate) throw new Error(`no schema for kind ${kind}`);
  return validate;
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
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
  if (!schema?.properties || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(schema.properties)) {
    if (key in (value as object)) out[key] = projectToSchema((value as Record<string, unknown>)[key], sub);
  }
  return out;
}
