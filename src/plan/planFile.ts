import { readFileSync, writeFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { PLAN_FORMAT_VERSION, type PlanFile } from './types.js';
import { isJsonObject } from '../util/json.js';

export function writePlanFile(file: string, plan: PlanFile): void {
  writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`);
}

/**
 * Reads a saved plan, refusing anything that is not a plan of this format version. The shape is
 * checked so that rendering it (`show`) or comparing it (`apply`) cannot trip over a hand-edited
 * file; its content is still untrusted: `apply` uses none of it before a fresh plan agrees.
 */
export function readPlanFile(file: string): PlanFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read plan file ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file} is not a plan file: invalid JSON (${(err as Error).message})`);
  }
  const plan = value as Partial<PlanFile> | null;
  if (!plan || typeof plan !== 'object' || !Array.isArray(plan.resources) || typeof plan.configHash !== 'string' || typeof plan.tenantId !== 'string') {
    throw new UserError(`${file} is not an entra-rollout plan file`);
  }
  if (plan.formatVersion !== PLAN_FORMAT_VERSION) {
    const by = typeof plan.toolVersion === 'string' ? ` (made by entra-rollout ${JSON.stringify(plan.toolVersion)})` : '';
    throw new UserError(`${file} has plan format version ${JSON.stringify(plan.formatVersion ?? null)}${by}; this entra-rollout reads version ${PLAN_FORMAT_VERSION}: plan again`);
  }
  const problem = shapeProblem(plan as Record<string, unknown>);
  if (problem) throw new UserError(`${file} is not a valid plan file: ${problem}`);
  // Defaults only for lists a plan may omit; keys keep their order, so `show --format json` prints the file as saved.
  return { ...plan, waves: plan.waves ?? [], diagnostics: plan.diagnostics ?? [] } as PlanFile;
}

const RESOURCE_ACTIONS = ['create', 'update', 'delete', 'noop'];
// DELETE: a preflight twin (src/plan/preflightTwin.ts), or a strength or named location declared `ensure: absent` (issue 15).
const WRITE_METHODS = ['PATCH', 'POST', 'DELETE'];

/** The first way the value is not a PlanFile of this version, or undefined. Ids in messages are JSON-quoted. */
function shapeProblem(plan: Record<string, unknown>): string | undefined {
  for (const key of ['toolVersion', 'createdAt', 'tenantId', 'graphEndpoint', 'configHash']) {
    if (typeof plan[key] !== 'string') return `"${key}" is not a string`;
  }
  for (const key of ['waves', 'diagnostics']) {
    if (plan[key] !== undefined && !(Array.isArray(plan[key]) && (plan[key] as unknown[]).every(isJsonObject))) return `"${key}" is not a list of objects`;
  }
  for (const [i, d] of ((plan.diagnostics ?? []) as Record<string, unknown>[]).entries()) {
    if (!['error', 'warning'].includes(d.severity as string) || typeof d.code !== 'string' || typeof d.message !== 'string') return `diagnostics[${i}] is not a {severity, code, message}`;
  }
  for (const [i, w] of ((plan.waves ?? []) as Record<string, unknown>[]).entries()) {
    const at = `waves[${i}]`;
    for (const key of ['rollout', 'wave', 'group', 'decision']) if (typeof w[key] !== 'string') return `${at}.${key} is not a string`;
    for (const key of ['members', 'mfaCapable']) if (typeof w[key] !== 'number') return `${at}.${key} is not a number`;
    if (!Array.isArray(w.gates) || !w.gates.every((g) => isJsonObject(g) && typeof g.gate === 'string' && typeof g.status === 'string' && typeof g.message === 'string')) return `${at}.gates is not a list of {gate, status, message}`;
    if (!isJsonObject(w.notReady) || typeof w.notReady.count !== 'number' || !isJsonObject(w.notReady.byReason)) return `${at}.notReady is not a {count, byReason}`;
  }
  const resources = plan.resources as unknown[];
  for (const [i, r] of resources.entries()) {
    const at = `resources[${i}]`;
    if (!isJsonObject(r)) return `${at} is not an object`;
    for (const key of ['address', 'kind', 'displayName', 'fingerprint']) if (typeof r[key] !== 'string') return `${at}.${key} is not a string`;
    if (!RESOURCE_ACTIONS.includes(r.action as string)) return `${at}.action is not one of ${RESOURCE_ACTIONS.join(', ')}`;
    if (r.graphId !== undefined && typeof r.graphId !== 'string') return `${at}.graphId is not a string`;
    if (!Array.isArray(r.changes) || !r.changes.every((c) => isJsonObject(c) && typeof c.path === 'string')) return `${at}.changes is not a list of {path, before, after}`;
    if (r.write === undefined) continue;
    const w = r.write;
    if (!isJsonObject(w)) return `${at}.write is not an object`;
    if (!WRITE_METHODS.includes(w.method as string)) return `${at}.write.method is not PATCH, POST or DELETE`;
    if (typeof w.path !== 'string') return `${at}.write.path is not a string`;
    if (w.graphId !== null && typeof w.graphId !== 'string') return `${at}.write.graphId is neither a string nor null`;
    if (!isJsonObject(w.body)) return `${at}.write.body is not an object`;
  }
  return undefined;
}
