// Pure: compare a saved plan with a fresh one made just before apply. Terraform's rule: a plan is
// applied exactly as reviewed, or not at all. The saved file is untrusted input (anyone who can edit
// it between review and apply could steer a write), so it is only ever compared, never obeyed.
import { inlineJson, sanitise } from '../render/planValues.js';
import type { PlanFile, PlanResource, PlanWrite } from '../plan/types.js';
import { canonicalJson } from '../util/canonicalJson.js';

/** One field where the saved write and the fresh one disagree; undefined = absent on that side. */
export interface FieldDifference {
  field: string;
  saved: unknown;
  fresh: unknown;
}

export interface WriteDifference {
  address: string;
  /**
   * `only-saved`: the plan file writes where a fresh plan writes nothing; `only-fresh`: the reverse;
   * `differs`: both write, differently; `duplicate`: the plan file lists the address more than once.
   */
  kind: 'only-saved' | 'only-fresh' | 'differs' | 'duplicate';
  /** The saved write (the fresh one for `only-fresh`). */
  write: PlanWrite | undefined;
  fields: FieldDifference[];
}

/**
 * Every way the saved writes differ from the fresh plan's: per address, the write itself (method,
 * path, graphId, every body field) and the resource fields that say what it writes to. Empty when
 * every saved write equals a fresh one and the fresh plan writes nothing more.
 */
export function compareWrites(saved: readonly PlanResource[], fresh: readonly PlanResource[]): WriteDifference[] {
  const out: WriteDifference[] = [];
  const freshByAddress = new Map<string, PlanResource>();
  for (const r of fresh) if (!freshByAddress.has(r.address)) freshByAddress.set(r.address, r);
  const seen = new Set<string>();
  for (const r of saved) {
    if (seen.has(r.address)) {
      out.push({ address: r.address, kind: 'duplicate', write: r.write, fields: [] });
      continue;
    }
    seen.add(r.address);
    const now = freshByAddress.get(r.address);
    if (!r.write && !now?.write) continue;
    if (!r.write) out.push({ address: r.address, kind: 'only-fresh', write: now!.write, fields: [] });
    else if (!now?.write) out.push({ address: r.address, kind: 'only-saved', write: r.write, fields: [] });
    else {
      const fields = [
        ...valueDifferences('resource.kind', r.kind, now.kind),
        ...valueDifferences('resource.action', r.action, now.action),
        ...valueDifferences('resource.graphId', r.graphId, now.graphId),
        ...valueDifferences('method', r.write.method, now.write.method),
        ...valueDifferences('path', r.write.path, now.write.path),
        ...valueDifferences('graphId', r.write.graphId, now.write.graphId),
        ...valueDifferences('body', r.write.body, now.write.body),
      ];
      if (fields.length) out.push({ address: r.address, kind: 'differs', write: r.write, fields });
    }
  }
  for (const r of fresh) {
    if (r.write && !seen.has(r.address)) out.push({ address: r.address, kind: 'only-fresh', write: r.write, fields: [] });
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The leaf paths where two JSON values differ (a list that differs is one path: its items have no stable name). */
export function valueDifferences(path: string, saved: unknown, fresh: unknown): FieldDifference[] {
  if (saved === undefined && fresh === undefined) return [];
  if (saved !== undefined && fresh !== undefined && canonicalJson(saved) === canonicalJson(fresh)) return [];
  if (isObject(saved) && isObject(fresh)) {
    const keys = [...new Set([...Object.keys(saved), ...Object.keys(fresh)])].sort();
    return keys.flatMap((k) => valueDifferences(`${path}.${k}`, saved[k], fresh[k]));
  }
  return [{ field: path, saved, fresh }];
}

const VALUE_LIMIT = 120;

function shown(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = sanitise(inlineJson(value));
  return text.length > VALUE_LIMIT ? `${text.slice(0, VALUE_LIMIT - 1)}…` : text;
}

function writeLabel(w: PlanWrite | undefined): string {
  return w ? ` (${sanitise(w.method)} ${sanitise(w.path)})` : '';
}

/** A readable account of one difference: a heading naming the resource, then one line per field. */
export function describeWriteDifference(d: WriteDifference): string[] {
  const name = sanitise(d.address);
  switch (d.kind) {
    case 'duplicate':
      return [`${name}: listed more than once in the plan file`];
    case 'only-saved':
      return [`${name}${writeLabel(d.write)}: the plan file writes it, a fresh plan has nothing to write`];
    case 'only-fresh':
      return [`${name}${writeLabel(d.write)}: a fresh plan writes it, the plan file does not`];
    case 'differs':
      return [`${name}${writeLabel(d.write)}:`, ...d.fields.map((f) => `  ${sanitise(f.field)}: plan file ${shown(f.saved)} → fresh plan ${shown(f.fresh)}`)];
  }
}

/** `ConditionalAccessPolicy.x (body.a, path)` for a headline. */
function briefly(d: WriteDifference): string {
  const fields = d.fields.map((f) => f.field);
  const list = fields.length > 3 ? `${fields.slice(0, 3).join(', ')}, …` : fields.join(', ');
  const what = d.kind === 'differs' ? list : d.kind === 'only-saved' ? 'not in a fresh plan' : d.kind === 'only-fresh' ? 'missing from the plan file' : 'listed twice';
  return `${sanitise(d.address)} (${sanitise(what)})`;
}

/**
 * Config hash and fingerprints: what moved since the plan was made. A resource the plan leaves alone
 * counts only when a fresh plan would now write it (an unrelated edit of it is no reason to refuse).
 */
export function findStaleReasons(saved: PlanFile, fresh: PlanFile, currentConfigHash: string): string[] {
  const reasons: string[] = [];
  if (saved.configHash !== currentConfigHash) reasons.push(`the policy files changed since the plan was made (config ${short(saved.configHash)} → ${short(currentConfigHash)})`);
  const freshByAddress = new Map(fresh.resources.map((r) => [r.address, r]));
  for (const r of saved.resources) {
    const now = freshByAddress.get(r.address);
    if (r.action === 'noop' && !now?.write) continue;
    if (!now) reasons.push(`${sanitise(r.address)} can no longer be planned`);
    else if (now.fingerprint !== r.fingerprint) reasons.push(`${sanitise(r.address)} (${sanitise(now.displayName)}) changed in the tenant since the plan was made`);
  }
  return reasons;
}

export interface Verification {
  /** Set when apply must not write anything: one line and its detail. */
  refusal?: { message: string; detail: string };
  /** Said before writing (e.g. a plan from another version whose writes are identical). */
  notices: string[];
}

/**
 * Whether a saved plan may be applied, given a fresh plan made from the same policies just now.
 * `config: false` (apply --only waves) skips the writes, which are not sent then. Pure.
 */
export function verifySavedPlan(saved: PlanFile, fresh: PlanFile, currentConfigHash: string, toolVersion: string, options: { config: boolean }): Verification {
  const notices: string[] = [];
  const savedTenant = saved.tenantId.toLowerCase();
  if (savedTenant !== fresh.tenantId.toLowerCase()) {
    return {
      notices,
      refusal: {
        message: `the plan was made for tenant ${sanitise(savedTenant)}, but this apply reaches tenant ${sanitise(fresh.tenantId)}; nothing was written`,
        detail: `A plan resolves names to object ids of its own tenant. Plan again against tenant ${sanitise(fresh.tenantId)} and review that plan.`,
      },
    };
  }
  const otherVersion = saved.toolVersion !== toolVersion ? `the plan was made by entra-rollout ${sanitise(saved.toolVersion)}, this is entra-rollout ${sanitise(toolVersion)}` : undefined;
  const stale = findStaleReasons(options.config ? saved : { ...saved, resources: [] }, fresh, currentConfigHash);
  const differences = options.config ? compareWrites(saved.resources, fresh.resources) : [];
  const differenceLines = differences.length ? ['What differs (plan file → fresh plan):', ...differences.flatMap((d) => describeWriteDifference(d).map((l) => `  ${l}`))] : [];
  if (stale.length) {
    return {
      notices,
      refusal: {
        message: `plan is stale: ${stale[0]}${stale.length > 1 ? ` (and ${stale.length - 1} more)` : ''}; nothing was written, plan again`,
        detail: [...stale.map((r) => `  - ${r}`), ...(otherVersion ? [`(${otherVersion})`] : []), ...differenceLines].join('\n'),
      },
    };
  }
  if (differences.length) {
    const first = briefly(differences[0]!);
    const more = differences.length > 1 ? ` and ${differences.length - 1} more` : '';
    return {
      notices,
      refusal: otherVersion
        ? {
            message: `${otherVersion}, and their writes differ: ${first}${more}; nothing was written, plan again with entra-rollout ${sanitise(toolVersion)}`,
            detail: differenceLines.join('\n'),
          }
        : {
            message: `the plan file's writes differ from what a fresh plan writes: ${first}${more}; nothing was written, plan again`,
            detail: [...differenceLines, 'Neither the policy files nor the objects the plan writes have moved since it was made: was the plan file edited?'].join('\n'),
          },
    };
  }
  if (otherVersion) notices.push(`${otherVersion}; its writes are identical to a fresh plan's, so it is applied`);
  if (saved.graphEndpoint !== fresh.graphEndpoint) {
    notices.push(`the plan was made through ${sanitise(saved.graphEndpoint)}, this apply goes through ${sanitise(fresh.graphEndpoint)} (the same tenant, identical writes)`);
  }
  return { notices };
}

function short(hash: string): string {
  return hash.replace(/^sha256:/, '').slice(0, 12);
}
