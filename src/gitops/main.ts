#!/usr/bin/env node
// The small steps the GitHub workflows run around the CLI (finding the reviewed plan, keeping the
// tracking issues). Not part of the `entra-rollout` command line: these only make sense inside a
// workflow run, read GitHub's environment variables and write GITHUB_OUTPUT / GITHUB_STEP_SUMMARY.
//
//   node dist/gitops/main.js reviewed-plan --policy-dir DIR           (GITHUB_SHA, GITHUB_TOKEN)
//   node dist/gitops/main.js merge-scope PLANFILE --policy-dir DIR
//   node dist/gitops/main.js waves-summary STATUS.json
//   node dist/gitops/main.js waves-issues STATUS.json --exit-code N --policy-dir DIR [--errors FILE]
//   node dist/gitops/main.js drift-issue PLAN.md --exit-code N [--plan PLAN.json]
import { appendFileSync, existsSync, readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { ExitError, UserError } from '../errors.js';
import { readPlanFile } from '../plan/planFile.js';
import { renderWavesStatusMarkdown, type WavesStatusReport } from '../render/wavesStatus.js';
import { apiFromEnv } from './github.js';
import { findReviewedPlan, mergeScope } from './reviewedPlan.js';
import { driftSubject, rolloutSubjects } from './subjects.js';
import { syncTrackingIssue, type TrackingIssueInput } from './trackingIssue.js';

type Env = NodeJS.ProcessEnv;

function output(env: Env, values: Record<string, string | number>): void {
  const lines = Object.entries(values).map(([k, v]) => `${k}=${v}\n`).join('');
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, lines);
  else process.stdout.write(lines);
}
const summary = (env: Env, text: string) => (env.GITHUB_STEP_SUMMARY ? appendFileSync(env.GITHUB_STEP_SUMMARY, text) : process.stdout.write(text));
const runUrl = (env: Env) => (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined);

function exitCodeOf(value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 0) throw new UserError(`--exit-code takes the command's exit code; got "${value ?? ''}"`);
  return n;
}

function readStatus(file: string): WavesStatusReport | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  if (!text.trim()) return undefined;
  try {
    const report = JSON.parse(text) as WavesStatusReport;
    return Array.isArray(report.rollouts) && Array.isArray(report.problems) ? report : undefined;
  } catch {
    return undefined;
  }
}

async function sync(inputs: TrackingIssueInput[], env: Env): Promise<void> {
  if (inputs.length === 0) return;
  const api = apiFromEnv(env);
  for (const input of inputs) {
    const outcome = await syncTrackingIssue(api, input);
    process.stdout.write(`${input.key}: ${outcome.action === 'none' ? 'no issue needed' : `${outcome.action} #${outcome.number}`}\n`);
  }
}

export async function main(argv: string[], env: Env = process.env): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { 'policy-dir': { type: 'string', default: env.POLICY_DIR ?? 'policies' }, 'exit-code': { type: 'string' }, errors: { type: 'string' }, plan: { type: 'string' }, workflow: { type: 'string' } },
  });
  const policyDir = values['policy-dir']!;
  switch (command) {
    case 'reviewed-plan': {
      if (!env.GITHUB_SHA) throw new UserError('GITHUB_SHA is not set (it is in every GitHub Actions job)');
      const found = await findReviewedPlan(apiFromEnv(env), { sha: env.GITHUB_SHA, policyDir, ...(values.workflow ? { workflow: values.workflow } : {}) });
      process.stderr.write(`reviewed plan: pull request #${found.pr}, head ${found.headSha.slice(0, 7)}, run ${found.runId}, artifact ${found.artifact}\n`);
      output(env, { 'run-id': found.runId, artifact: found.artifact, pr: found.pr, 'head-sha': found.headSha });
      return;
    }
    case 'merge-scope': {
      const plan = readPlanFile(positionals[0] ?? 'plan.json');
      const config = loadConfig(policyDir);
      const optedIn = new Set((config.state?.rollouts ?? []).filter((r) => r.spec.promoteOnMerge === true).map((r) => r.name));
      const scope = mergeScope(plan, optedIn);
      process.stderr.write(`${scope.note}\n`);
      summary(env, `**Apply scope:** ${scope.note}\n\n`);
      output(env, { only: scope.only ?? '' });
      return;
    }
    case 'waves-summary': {
      const report = readStatus(positionals[0] ?? 'waves-status.json');
      summary(env, report ? renderWavesStatusMarkdown(report) : '### Wave status\n\nThe wave status could not be read; see the log of the `waves status` step.\n');
      return;
    }
    case 'waves-issues': {
      const exitCode = exitCodeOf(values['exit-code']);
      const report = readStatus(positionals[0] ?? 'waves-status.json');
      const config = loadConfig(policyDir);
      const rollouts = (config.state?.rollouts ?? []).map((r) => r.name);
      const errors = values.errors && existsSync(values.errors) ? readFileSync(values.errors, 'utf8') : undefined;
      const url = runUrl(env);
      await sync(rolloutSubjects({ ...(report ? { report } : {}), exitCode, rollouts, ...(errors ? { errors } : {}), ...(url ? { runUrl: url } : {}) }), env);
      return;
    }
    case 'drift-issue': {
      const exitCode = exitCodeOf(values['exit-code']);
      const md = positionals[0] && existsSync(positionals[0]) ? readFileSync(positionals[0], 'utf8') : '';
      const plan = values.plan && existsSync(values.plan) ? readPlanFile(values.plan) : undefined;
      const url = runUrl(env);
      const subject = driftSubject({ planMarkdown: md, exitCode, ...(plan ? { plan } : {}), ...(url ? { runUrl: url } : {}) });
      if (!subject) process.stdout.write(`drift: plan exited ${exitCode} (an error); the drift issue is left as it is\n`);
      await sync(subject ? [subject] : [], env);
      return;
    }
    default:
      throw new UserError(`unknown command "${command ?? ''}": reviewed-plan, merge-scope, waves-summary, waves-issues or drift-issue`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof ExitError) process.exit(err.exitCode);
    if (err instanceof UserError) {
      // A workflow-command error annotation, so the refusal shows on the run's page.
      process.stderr.write(`::error::${err.message}\n${err.detail ? `${err.detail}\n` : ''}`);
      process.exit(err.exitCode);
    }
    throw err;
  });
}
