// The shell in the workflows' plan steps, run as GitHub runs it (bash -eo pipefail) against a stub
// CLI that answers with a chosen exit code: which codes fail the step, what reaches the summary,
// the PR comment file and the job outputs.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/cli.js';

interface Step {
  name?: string;
  id?: string;
  run?: string;
}
const stepRun = (file: string, job: string, name: string): string => {
  const wf = parse(readFileSync(path.join(REPO_ROOT, '.github/workflows', file), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
  const step = wf.jobs[job]!.steps.find((s) => s.name === name || s.id === name);
  if (!step?.run) throw new Error(`${file}: job ${job} has no run step ${name}`);
  return step.run;
};

/** Runs a step's script in a scratch folder whose dist/cli.js prints a plan and exits with `code`. */
function runStep(script: string, code: number): Promise<{ exit: number; dir: string; read: (f: string) => string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-step-'));
  mkdirSync(path.join(dir, 'dist'));
  writeFileSync(
    path.join(dir, 'dist', 'cli.js'),
    `const code = ${code};\nif (code !== 1 || process.env.RENDERED) process.stdout.write('### Plan: 1 to change\\n');\nif (code === 1) process.stderr.write('error: ER033 the emergency account would not be excluded\\n');\nprocess.exitCode = code;\n`,
  );
  for (const f of ['summary.md', 'output.txt']) writeFileSync(path.join(dir, f), '');
  const env = { ...process.env, POLICY_DIR: 'policies', GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'), GITHUB_OUTPUT: path.join(dir, 'output.txt') };
  return new Promise((resolve) => {
    execFile('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: dir, env }, (error) => {
      resolve({ exit: error ? Number(error.code ?? 1) : 0, dir, read: (f) => readFileSync(path.join(dir, f), 'utf8') });
    });
  });
}

describe('workflow plan steps', () => {
  const prPlan = stepRun('plan.yml', 'plan', 'plan');

  it.each([0, 2])('plan.yml: exit %i (no changes / changes) passes, and the plan reaches the summary and the comment file', async (code) => {
    const r = await runStep(prPlan, code);
    expect(r.exit).toBe(0);
    expect(r.read('plan.md')).toBe('### Plan: 1 to change\n');
    expect(r.read('summary.md')).toBe('### Plan: 1 to change\n');
  });

  it('plan.yml: exit 1 fails the check and the comment shows the error', async () => {
    const r = await runStep(prPlan, 1);
    expect(r.exit).toBe(1);
    expect(r.read('plan.md')).toContain('### entra-rollout plan failed');
    expect(r.read('plan.md')).toContain('error: ER033 the emergency account would not be excluded');
    expect(r.read('summary.md')).toBe(r.read('plan.md'));
  });

  it('apply.yml: only exit 2 sets changes=true; exit 1 stops before the apply job', async () => {
    const applyPlan = stepRun('apply.yml', 'plan', 'plan');
    const changes = await runStep(applyPlan, 2);
    expect([changes.exit, changes.read('output.txt')]).toEqual([0, 'changes=true\n']);
    const none = await runStep(applyPlan, 0);
    expect([none.exit, none.read('output.txt')]).toEqual([0, 'changes=false\n']);
    const failed = await runStep(applyPlan, 1);
    expect(failed.exit).toBe(1);
  });
});
