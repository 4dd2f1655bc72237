// The package as consumers get it: what `npm pack` ships, the packed tarball installed into an
// empty folder offline (no registry: the dependencies come from npm's cache, warm after `npm ci`),
// and the composite action (action.yml) run step by step with bash, as a runner would.
// Needs `npm run build` first, like the e2e tests.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLI, REPO_ROOT, runCli } from '../helpers/cli.js';
import { startTestTenant } from '../helpers/emulator.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string> };
let work: string;
let tgz: string;
/** RUNNER_TEMP for the action; the action installs into RUNNER_TEMP/entra-rollout. */
let runnerTemp: string;
let home: string;
/** `npm pack --json`'s report of the tarball the tests install (its name and every file in it). */
let packed: string;

/**
 * npm's cache holds the dependency tarballs (by integrity) but not their registry metadata, so an
 * offline install needs a lockfile: the repository's own, restricted to the production dependencies,
 * with the tarball as the one direct dependency.
 */
function writeConsumerProject(dir: string, tarball: string): void {
  const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const root = lock.packages['']!;
  const spec = `file:${path.relative(dir, tarball)}`;
  const packages: Record<string, unknown> = {
    '': { dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: spec, license: 'MIT', dependencies: root.dependencies, bin: root.bin, engines: root.engines },
  };
  for (const [where, entry] of Object.entries(lock.packages)) if (where && !entry.dev && !entry.link) packages[where] = entry;
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, dependencies: { [pkg.name]: spec } }));
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }));
}

const offline = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first');
  work = mkdtempSync(path.join(tmpdir(), 'entra-pack-'));
  packed = execFileSync(NPM, ['pack', '--pack-destination', work, '--json'], { cwd: REPO_ROOT, encoding: 'utf8', env: offline });
  tgz = path.join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  runnerTemp = path.join(work, 'runner');
  home = path.join(runnerTemp, 'entra-rollout');
  mkdirSync(home, { recursive: true });
  writeConsumerProject(home, tgz);
}, 120_000);

describe('npm pack', () => {
  it('ships dist, schemas, README and LICENSE under the scoped name; no tests, fixtures, policies or sources', () => {
    const [info] = JSON.parse(packed) as [{ name: string; files: { path: string }[] }];
    expect(info.name).toBe('@entra-rollout/cli');
    expect(pkg.bin).toEqual({ 'entra-rollout': 'dist/cli.js' });
    const files = info.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/cli.js', 'dist/gitops/main.js', 'schemas/rollout.schema.json']));
    expect([...new Set(files.map((f) => f.split('/')[0]))].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'package.json', 'schemas']);
    expect(files.filter((f) => /(^|\/)(test|tests|fixtures|src|policies)\/|\.test\.[cm]?[jt]s$/.test(f))).toEqual([]);
    expect(readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });
});

describe('the packed tarball, installed into an empty folder offline', () => {
  it('installs without lifecycle scripts; `entra-rollout validate` works on the sample policies and `demo` runs', () => {
    const install = spawnSync(NPM, ['install', '--offline', '--ignore-scripts'], { cwd: home, encoding: 'utf8', env: offline });
    expect(install.status, install.stderr).toBe(0);
    const policies = path.join(work, 'policies');
    cpSync(path.join(REPO_ROOT, 'policies'), policies, { recursive: true });
    const run = spawnSync(path.join(home, 'node_modules', '.bin', 'entra-rollout'), ['validate', '-c', policies], { encoding: 'utf8', env: process.env });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('Valid: 6 document(s) in 4 file(s): 0 error(s), 0 warning(s)\n');
    expect(run.status).toBe(0);
    // Every other command runs from the CLI bundle and the packages it requires from node_modules:
    // the demo (emulator, plan, apply, waves status) from the installed copy, in an empty folder.
    const demo = spawnSync(path.join(home, 'node_modules', '.bin', 'entra-rollout'), ['demo'], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(demo.status, demo.stderr).toBe(0);
    expect(`${demo.stdout}${demo.stderr}`).toMatch(/^\d+ Graph request\(s\) to the emulator/m);
  }, 180_000);
});

interface ActionStep {
  name: string;
  id?: string;
  shell: string;
  env: Record<string, string>;
  run: string;
}
const action = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { required?: boolean; default?: string }>;
  runs: { using: string; steps: ActionStep[] };
};

/** `${{ inputs.x }}` and `${{ github.action_path }}`, the only expressions the action uses. */
function substitute(value: string, inputs: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, expr: string) => {
    if (expr === 'github.action_path') return REPO_ROOT;
    const name = expr.replace(/^inputs\./, '');
    if (!expr.startsWith('inputs.') || !(name in action.inputs)) throw new Error(`unexpected expression ${expr}`);
    return inputs[name] ?? action.inputs[name]!.default ?? '';
  });
}

/** Async: the emulator answers from this process, so its event loop must keep running. */
function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    // The runner starts a bash step as `bash --noprofile --norc -eo pipefail {0}`.
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: work, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout }));
  });
}

async function runAction(inputs: Record<string, string>, env: NodeJS.ProcessEnv): Promise<{ outputs: Record<string, string>; codes: number[]; stdout: string }> {
  const githubOutput = path.join(work, `output-${Date.now()}`);
  const githubEnv = path.join(work, 'env');
  const outputs: Record<string, string> = {};
  const codes: number[] = [];
  let stdout = '';
  for (const step of action.runs.steps) {
    expect(step.shell).toBe('bash');
    writeFileSync(githubOutput, '');
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(String(v), inputs)]));
    const r = await bash(step.run, { ...env, ...stepEnv, RUNNER_TEMP: runnerTemp, GITHUB_OUTPUT: githubOutput, GITHUB_ENV: githubEnv });
    codes.push(r.status);
    stdout += r.stdout;
    if (step.id) for (const line of readFileSync(githubOutput, 'utf8').split('\n').filter(Boolean)) outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    if (r.status !== 0) break;
  }
  return { outputs, codes, stdout };
}

describe('the composite action (action.yml)', () => {
  let tenant: Awaited<ReturnType<typeof startTestTenant>>;
  beforeAll(async () => {
    tenant = await startTestTenant();
  });
  afterAll(async () => tenant?.close());

  it('installs the pinned tarball and runs `plan --format markdown`: its output is the plan comment body', async () => {
    expect(action.runs.using).toBe('composite');
    const policies = path.join(work, 'action-policies');
    cpSync(path.join(REPO_ROOT, 'policies'), policies, { recursive: true });
    const planFile = path.join(work, 'plan.json');
    const result = await runAction({ command: `plan --out ${planFile} --detailed-exitcode`, 'policy-folder': policies, format: 'markdown', version: tgz }, { ...offline, ...tenant.env });
    // 2: changes to review, which with --detailed-exitcode does not fail the step.
    expect(result.codes).toEqual([0, 0]);
    expect(result.outputs['exit-code']).toBe('2');
    const body = readFileSync(result.outputs['output-file']!, 'utf8');
    expect(body).toMatch(/^<!-- entra-rollout-plan -->\n### /); // the markdown plan.yml puts into the comment
    expect(body).toContain('require-mfa');
    expect(readFileSync(path.join(work, 'env'), 'utf8')).toContain(`ENTRA_ROLLOUT_HOME=${home}/node_modules/@entra-rollout/cli`);
    // The same text `show --format markdown` renders from the plan file the step saved.
    const shown = await runCli(['show', planFile, '--format', 'markdown'], { env: { ENTRA_ROLLOUT_GRAPH_URL: 'http://127.0.0.1:9/v1.0', ENTRA_ROLLOUT_TOKEN: 'unused' } });
    expect(shown.code).toBe(0);
    expect(body).toBe(shown.stdout);
  }, 180_000);

  it('refuses a version range (it would install whatever is newest) and fails on a command error', async () => {
    const range = await runAction({ command: 'validate', version: '^0.1.0' }, offline);
    expect(range.codes).toEqual([1]);
    expect(range.stdout).toContain('::error::version must be an exact version');
    const bad = await runAction({ command: 'validate', 'policy-folder': path.join(work, 'missing'), version: tgz }, offline);
    expect(bad.codes[0]).toBe(0);
    expect(bad.codes[1]).not.toBe(0);
    expect(bad.outputs['exit-code']).not.toBe('0');
  }, 180_000);
});
