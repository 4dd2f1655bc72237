import type { ErrorObject } from 'ajv';
import { formatPath, parseInstancePath } from './positions.js';
import type { PathSegment } from './types.js';

export interface SchemaFinding {
  code: string;
  message: string;
  path: PathSegment[];
  /** For an unknown property: point at this key under `path`. */
  atKey?: string;
}

// Stable codes per kind of schema violation (documented in the README).
const CODE_UNKNOWN_PROPERTY = 'ER006';
const CODE_MISSING = 'ER007';
const CODE_TYPE = 'ER008';
const CODE_NOT_ALLOWED = 'ER009';
const CODE_RANGE = 'ER010';
const CODE_GATE_RANGE = 'ER016';

/** Turns ajv's errors into one finding per real problem, with a message a person can act on. */
export function schemaFindings(errors: readonly ErrorObject[]): SchemaFinding[] {
  // A failed oneOf (group vs user target) also reports each branch's `required`; keep the oneOf.
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const findings: SchemaFinding[] = [];
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    if (error.schemaPath.includes('/oneOf/') && oneOfPaths.has(error.instancePath)) continue;
    const finding = describe(error);
    if (finding) findings.push(finding);
  }
  return dedupe(findings);
}

function describe(error: ErrorObject): SchemaFinding | undefined {
  const path = parseInstancePath(error.instancePath);
  const where = formatPath(path);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const suggestion = closest(key, allowed);
      const hint = suggestion ? ` (did you mean "${suggestion}"?)` : allowed.length ? ` (expected one of: ${allowed.join(', ')})` : '';
      return { code: CODE_UNKNOWN_PROPERTY, path, atKey: key, message: `unknown property "${key}" in ${where}${hint}` };
    }
    case 'required':
      return { code: CODE_MISSING, path, message: `${where} is missing the required property "${String(params.missingProperty)}"` };
    case 'dependentRequired':
      return { code: CODE_MISSING, path, message: `${where} is missing the property "${String(params.missingProperty)}" (needed with "${String(params.property)}")` };
    case 'type':
      return { code: CODE_TYPE, path, message: `${where} must be ${article(String(params.type))}, got ${show(error.data)}` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => String(v));
      const suggestion = typeof error.data === 'string' ? closest(error.data, allowed) : undefined;
      return {
        code: CODE_NOT_ALLOWED,
        path,
        message: `${where} must be one of: ${allowed.join(', ')}; got ${show(error.data)}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      };
    }
    case 'const':
      return { code: CODE_NOT_ALLOWED, path, message: `${where} must be ${show(params.allowedValue)}, got ${show(error.data)}` };
    case 'pattern':
      return { code: CODE_NOT_ALLOWED, path, message: `${where} has an invalid form ${show(error.data)} (must match ${String(params.pattern)})` };
    case 'format':
      return { code: CODE_NOT_ALLOWED, path, message: `${where} must be a valid ${String(params.format)}, got ${show(error.data)}` };
    case 'oneOf':
      return { code: CODE_MISSING, path, message: `${where} must name exactly one of "group" or "user"` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const isGate = path.includes('gates');
      return {
        code: isGate ? CODE_GATE_RANGE : CODE_RANGE,
        path,
        message: `${isGate ? 'gate threshold ' : ''}${where} must be ${String(params.comparison)} ${String(params.limit)}, got ${show(error.data)}`,
      };
    }
    case 'minLength':
      return { code: CODE_RANGE, path, message: `${where} must not be empty` };
    case 'maxLength':
      return { code: CODE_RANGE, path, message: `${where} is longer than ${String(params.limit)} characters` };
    case 'minItems':
      return { code: CODE_RANGE, path, message: `${where} must have at least ${String(params.limit)} item(s)` };
    case 'uniqueItems':
      return { code: CODE_RANGE, path, message: `${where} lists the same value twice (items ${String(params.j)} and ${String(params.i)})` };
    default:
      return { code: CODE_NOT_ALLOWED, path, message: `${where} ${error.message ?? 'is invalid'}` };
  }
}

function dedupe(findings: SchemaFinding[]): SchemaFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.code}|${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** The allowed word within edit distance 2 of `word` (case-insensitive), if there is one. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
