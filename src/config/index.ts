import { compareDiagnostics, hasErrors, type Diagnostic } from '../diagnostics.js';
import { canonicalJson, sha256Hex } from '../util/canonicalJson.js';
import { loadPolicyFolder } from './load.js';
import { checkRules } from './rules.js';
import { DEFAULT_ROLLOUT_STRATEGY, type DesiredState, type PolicyDocument } from './types.js';

export interface ConfigResult {
  /** Present only when there is no error. */
  state?: DesiredState;
  diagnostics: Diagnostic[];
  files: string[];
  documentCount: number;
}

/** What `validate` reports: the findings, without building the desired state. */
export type ConfigCheck = Omit<ConfigResult, 'state'>;

/** Loads a policy folder: YAML, schemas, then semantic rules. Reports everything it finds at once. */
export function loadConfig(dir: string, options: { now?: Date } = {}): ConfigResult {
  const { check, docs, tenant } = checkPolicyFolder(dir, options);
  const result: ConfigResult = check;
  if (tenant && !hasErrors(check.diagnostics)) {
    result.state = {
      tenant,
      authenticationMethods: docs.find((d): d is PolicyDocument<'AuthenticationMethods'> => d.kind === 'AuthenticationMethods'),
      conditionalAccessPolicies: docs.filter((d): d is PolicyDocument<'ConditionalAccessPolicy'> => d.kind === 'ConditionalAccessPolicy'),
      // The strategy default is applied here, once (configHash below still hashes what was declared).
      rollouts: docs.filter((d): d is PolicyDocument<'Rollout'> => d.kind === 'Rollout').map((d) => ({ ...d, spec: { ...d.spec, strategy: d.spec.strategy ?? DEFAULT_ROLLOUT_STRATEGY } })),
      authenticationStrengths: docs.filter((d): d is PolicyDocument<'AuthenticationStrength'> => d.kind === 'AuthenticationStrength'),
      namedLocations: docs.filter((d): d is PolicyDocument<'NamedLocation'> => d.kind === 'NamedLocation'),
      configHash: configHash(docs),
    };
  }
  return result;
}

/**
 * `loadConfig`'s findings alone, for `validate`: the same diagnostics, but no desired state and so
 * no configHash (its sort wakes ICU's collator and its hash node:crypto, a tenth of the run).
 */
export function checkConfig(dir: string, options: { now?: Date } = {}): ConfigCheck {
  return checkPolicyFolder(dir, options).check;
}

function checkPolicyFolder(dir: string, options: { now?: Date }): { check: ConfigCheck; docs: PolicyDocument[]; tenant?: PolicyDocument<'Tenant'> } {
  const loaded = loadPolicyFolder(dir);
  const diagnostics = [...loaded.diagnostics];
  const docs = loaded.documents;
  // Rules run even when some documents failed, so one run shows as much as it can.
  diagnostics.push(...checkRules(docs, options.now ?? new Date(), loaded.invalid));
  const tenant = docs.find((d): d is PolicyDocument<'Tenant'> => d.kind === 'Tenant');
  if (!tenant && loaded.files.length > 0 && !hasErrors(loaded.diagnostics)) {
    diagnostics.push({ severity: 'error', code: 'ER019', file: loaded.files[0], line: 1, column: 1, message: 'no Tenant document: declare the tenantId (and emergency-access accounts) in a kind: Tenant document' });
  }
  diagnostics.sort(compareDiagnostics);
  return { check: { diagnostics, files: loaded.files, documentCount: loaded.documentCount }, docs, ...(tenant ? { tenant } : {}) };
}

/** Hash of what is declared, independent of file layout, comments and key order. */
export function configHash(docs: readonly PolicyDocument[]): string {
  const canonical = docs
    .map((d) => ({ kind: d.kind, name: d.name, spec: d.spec }))
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  return `sha256:${sha256Hex(canonicalJson(canonical))}`;
}
