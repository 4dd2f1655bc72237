import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPlanFile, writePlanFile } from '../../src/plan/planFile.js';
import { changedPlan, sampleWaves } from '../render/planFixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-planfile-'));
const save = (name: string, value: unknown): string => {
  const file = path.join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};

describe('plan files', () => {
  it('round-trips a plan, keys in their saved order', () => {
    const plan = changedPlan(sampleWaves());
    const file = path.join(dir, 'plan.json');
    writePlanFile(file, plan);
    expect(readPlanFile(file)).toEqual(plan);
    expect(`${JSON.stringify(readPlanFile(file), null, 2)}\n`).toBe(readFileSync(file, 'utf8'));
  });

  it('reads a plan whose write deletes a preflight twin (DELETE, empty body)', () => {
    const plan = changedPlan();
    const twin = { ...plan.resources[0]!, address: 'PreflightTwin.mfa-enforcement', action: 'delete' as const, write: { method: 'DELETE' as const, path: '/identity/conditionalAccess/policies/x', graphId: 'x', body: {} } };
    const file = save('delete.json', { ...plan, resources: [...plan.resources, twin] });
    expect(readPlanFile(file).resources.at(-1)?.write?.method).toBe('DELETE');
  });

  it('refuses an older format version, saying which tool made it and to plan again', () => {
    const file = save('v1.json', { ...changedPlan(), formatVersion: 1, toolVersion: '0.0.9' });
    expect(() => readPlanFile(file)).toThrow(`${file} has plan format version 1 (made by entra-rollout "0.0.9"); this entra-rollout reads version 2: plan again`);
  });

  it('refuses a file whose shape is not a plan, naming the first problem', () => {
    const plan = changedPlan();
    const cases: Array<[unknown, string]> = [
      [{ ...plan, graphEndpoint: undefined }, '"graphEndpoint" is not a string'],
      [{ ...plan, resources: [{ ...plan.resources[0], action: 'destroy' }] }, 'resources[0].action is not one of create, update, delete, noop'],
      // DELETE became a plan write (preflight twin, issue 17.3; strengths/locations `ensure: absent`, issue 15); PUT never is one.
      [{ ...plan, resources: [{ ...plan.resources[0], write: { method: 'PUT', path: '/x', graphId: null, body: {} } }] }, 'resources[0].write.method is not PATCH, POST or DELETE'],
      [{ ...plan, resources: [{ ...plan.resources[0], write: { method: 'PATCH', path: '/x', graphId: 7, body: {} } }] }, 'resources[0].write.graphId is neither a string nor null'],
      [{ ...plan, resources: [{ ...plan.resources[0], write: { method: 'PATCH', path: '/x', graphId: null, body: [] } }] }, 'resources[0].write.body is not an object'],
      [{ ...plan, waves: [{ ...sampleWaves()[0], gates: 'all pass' }] }, 'waves[0].gates is not a list of {gate, status, message}'],
      [{ ...plan, diagnostics: [{ severity: 'fatal', code: 'X', message: 'm' }] }, 'diagnostics[0] is not a {severity, code, message}'],
    ];
    for (const [value, problem] of cases) {
      const file = save('bad.json', value);
      expect(() => readPlanFile(file), problem).toThrow(`${file} is not a valid plan file: ${problem}`);
    }
    expect(() => readPlanFile(save('text.json', 'not json'))).toThrow(/is not a plan file: invalid JSON/);
    expect(() => readPlanFile(save('array.json', []))).toThrow(/is not an entra-rollout plan file$/);
  });
});
