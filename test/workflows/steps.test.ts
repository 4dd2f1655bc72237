// The shell in the workflows' plan steps, run as GitHub runs a step with no `shell:` (`bash -e {0}`:
// no pipefail, which is only added for an explicit `shell: bash`; GitHub's workflow syntax,
// jobs.<job_id>.steps[*].shell) against a stub
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
function runStep(script: string, code: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ exit: number; dir: string; read: (f: string) => string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-step-'));
  mkdirSync(path.join(dir, 'dist'));
  writeFileSync(
    path.join(dir, 'dist', 'cli.js'),
    `const code = ${code};\nif (code !== 1 || process.env.RENDERED) process.stdout.write('### Plan: 1 to change\\n');\nif (code === 1) process.stderr.write('error: ER033 the emergency account would not be excluded\\n');\nprocess.exitCode = code;\n`,
  );
  // The workflows' helper script, stubbed: it names the report it would render.
  mkdirSync(path.join(dir, 'dist', 'gitops'));
  writeFileSync(path.join(dir, 'dist', 'gitops', 'main.js'), "process.stdout.write(`summary of ${process.argv[3]}\\n`);\n");
  for (const f of ['summary.md', 'output.txt']) writeFileSync(path.join(dir, f), '');
  const env = { ...process.env, ...extraEnv, POLICY_DIR: 'policies', GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'), GITHUB_OUTPUT: path.join(dir, 'output.txt') };
  return new Promise((resolve) => {
    execFile('bash', ['-e', '-c', script], { cwd: dir, env }, (error) => {
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

  // apply.yml no longer plans (it applies the pull request's plan artifact); the scheduled plans:
  it('drift.yml: exit 0 and 2 pass and record the code for the issue job; exit 1 fails the run', async () => {
    const driftPlan = stepRun('drift.yml', 'plan', 'plan');
    for (const code of [0, 2]) {
      const r = await runStep(driftPlan, code);
      expect([r.exit, r.read('plan.code'), r.read('summary.md')]).toEqual([0, `${code}\n`, '### Plan: 1 to change\n']);
    }
    const failed = await runStep(driftPlan, 1);
    expect([failed.exit, failed.read('plan.code')]).toEqual([1, '1\n']);
  });

  it('waves.yml: the status exit code is the job\'s (0 green, 1 red), recorded for the issues job, the summary written either way', async () => {
    const status = stepRun('waves.yml', 'waves', 'wave status');
    for (const code of [0, 1]) {
      const r = await runStep(status, code, { RENDERED: '1' });
      expect([r.exit, r.read('waves-status.code'), r.read('summary.md')]).toEqual([code, `${code}\n`, 'summary of waves-status.json\n']);
    }
  });

  it('doctor.yml: a missing permission (doctor exits 1) fails the run, though its report is piped into the summary', async () => {
    for (const [job, step] of [['read-only', 'doctor (plan)'], ['write', 'doctor (apply and waves)']] as const) {
      const script = stepRun('doctor.yml', job, step);
      const ok = await runStep(script, 0);
      expect([ok.exit, ok.read('summary.md')], job).toEqual([0, job === 'write' ? '### Plan: 1 to change\n'.repeat(2) : '### Plan: 1 to change\n']);
      const missing = await runStep(script, 1, { RENDERED: '1' });
      expect([missing.exit, missing.read('summary.md').startsWith('### Plan: 1 to change\n')], job).toEqual([1, true]);
    }
  });
});
