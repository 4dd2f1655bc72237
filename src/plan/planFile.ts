import { readFileSync, writeFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { PLAN_FORMAT_VERSION, type PlanFile } from './types.js';

export function writePlanFile(file: string, plan: PlanFile): void {
  writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`);
}

/** Reads a saved plan, refusing anything that is not a plan of this format version. */
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
    throw new UserError(`${file} has plan format version ${String(plan.formatVersion)}; this entra-rollout reads version ${PLAN_FORMAT_VERSION}: plan again`);
  }
  return { waves: [], diagnostics: [], ...plan } as PlanFile;
}
