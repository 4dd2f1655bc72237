import type { Kind } from './types.js';

/** The JSON Schema file of each kind, under schemas/. */
export const SCHEMA_FILES: Record<Kind, string> = {
  Tenant: 'tenant.schema.json',
  AuthenticationMethods: 'authentication-methods.schema.json',
  ConditionalAccessPolicy: 'conditional-access-policy.schema.json',
  Rollout: 'rollout.schema.json',
  AuthenticationStrength: 'authentication-strength.schema.json',
  NamedLocation: 'named-location.schema.json',
};

/**
 * ajv's options, shared by the ahead-of-time compile (scripts/build-validators.mjs) and the run-time
 * fallback in schemas.ts, so both produce the same findings. optimize: false skips ajv's
 * optimisation passes, which cost more than they save on a handful of small documents.
 */
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: true, strictRequired: false, code: { optimize: false } } as const;
