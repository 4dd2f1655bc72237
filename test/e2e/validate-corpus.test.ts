// Every broken policy set must fail `validate` with exit 1, name the right file and line, and
// show no stack trace. A case is a folder layered over a copy of policies/: its YAML files replace
// or join the sample's, and the line to blame carries a `# expect: CODE` comment (or expect.json says).
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { REPO_ROOT, runCli, STACK_TRACE } from '../helpers/cli.js';

const corpus = path.join(REPO_ROOT, 'test/fixtures/broken');
const work = mkdtempSync(path.join(tmpdir(), 'entra-rollout-corpus-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Expectation {
  code: string;
  file: string;
  line: number;
  remove?: string[];
}

function prepare(caseName: string): { dir: string; expected: Expectation } {
  const source = path.join(corpus, caseName);
  const dir = path.join(work, caseName);
  cpSync(path.join(REPO_ROOT, 'policies'), path.join(dir, 'policies'), { recursive: true });
  const explicit = existsSync(path.join(source, 'expect.json'))
    ? (JSON.parse(readFileSync(path.join(source, 'expect.json'), 'utf8')) as Partial<Expectation>)
    : {};
  for (const file of explicit.remove ?? []) rmSync(path.join(dir, 'policies', file));
  let marked: Expectation | undefined;
  for (const file of readdirSync(source).filter((f) => f !== 'expect.json')) {
    const text = readFileSync(path.join(source, file), 'utf8');
    writeFileSync(path.join(dir, 'policies', file), text);
    text.split('\n').forEach((line, i) => {
      const m = /# expect: (\w+)/.exec(line);
      if (m) marked = { code: m[1]!, file: `policies/${file}`, line: i + 1 };
    });
  }
  const expected = { ...marked, ...explicit } as Expectation;
  if (!expected.code || !expected.file || !expected.line) throw new Error(`corpus case ${caseName} has no expectation`);
  return { dir, expected };
}

const cases = readdirSync(corpus).sort();

/** dist/'s config loader and its validators: the code the built CLI runs. */
interface BuiltConfig {
  loadConfig: typeof loadConfig;
  validatorSource(): string | undefined;
}
let built: Promise<BuiltConfig> | undefined;
function builtConfig(): Promise<BuiltConfig> {
  built ??= (async () => {
    const config = (await import(pathToFileURL(path.join(REPO_ROOT, 'dist/config/index.js')).href)) as Pick<BuiltConfig, 'loadConfig'>;
    const schemas = (await import(pathToFileURL(path.join(REPO_ROOT, 'dist/config/schemas.js')).href)) as Pick<BuiltConfig, 'validatorSource'>;
    return { loadConfig: config.loadConfig, validatorSource: schemas.validatorSource };
  })();
  return built;
}

describe('validate rejects every broken policy set', () => {
  it('has a corpus of at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.concurrent.each(cases)('%s', async (caseName) => {
    const { dir, expected } = prepare(caseName);
    const result = await runCli(['validate', '-c', 'policies'], { cwd: dir });
    expect(result.code).toBe(1);
    const output = `${result.stdout}\n${result.stderr}`;
    expect(output).not.toMatch(STACK_TRACE);
    const reported = result.stdout
      .split('\n')
      .map((line) => /^(.+?):(\d+):(\d+): error (ER\d{3}): /.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ file: m[1], line: Number(m[2]), code: m[4] }));
    expect(reported, output).toContainEqual({ file: expected.file, line: expected.line, code: expected.code });

    // The built code validates with what ajv generated at build time; run from source (here) the
    // schemas are compiled at run time. Both must find exactly the same things. (The built loader is
    // called in this process: a second CLI run per case would only add its start-up; the JSON output
    // of a failing validate is checked below.)
    const built = await builtConfig();
    const where = path.join(dir, 'policies');
    expect(built.loadConfig(where).diagnostics).toEqual(loadConfig(where).diagnostics);
    expect(built.validatorSource()).toBe('ahead-of-time');
  });
});

describe('validate on good input', () => {
  it('accepts the sample policies with exit 0 and no diagnostics', async () => {
    const result = await runCli(['validate', '-c', 'policies']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Valid: 6 document\(s\) in 4 file\(s\): 0 error\(s\), 0 warning\(s\)$/m);
    expect(result.code).toBe(0);
  });

  it('reports errors from several files in one run, as JSON', async () => {
    const { dir } = prepare('16-wrong-enum-ca-state');
    writeFileSync(path.join(dir, 'policies/tenant.yaml'), readFileSync(path.join(corpus, '19-tenant-id-not-a-uuid/tenant.yaml')));
    const result = await runCli(['validate', '-c', 'policies', '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as { valid: boolean; diagnostics: Array<{ code: string; file: string }> };
    expect(parsed.valid).toBe(false);
    expect(parsed.diagnostics.map((d) => `${d.file} ${d.code}`).sort()).toEqual([
      'policies/conditional-access.yaml ER009',
      'policies/tenant.yaml ER009',
    ]);
  });

  it('writes GitHub annotations with --format github, one per finding, with exit 1', async () => {
    const { dir, expected } = prepare('16-wrong-enum-ca-state');
    const result = await runCli(['validate', '-c', 'policies', '--format', 'github'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`::error file=${expected.file},line=${expected.line},`);
    expect(result.stdout).toMatch(new RegExp(`title=entra-rollout ${expected.code}::`));
    expect(result.stdout).toMatch(/^Invalid: \d+ document\(s\) in \d+ file\(s\): 1 error\(s\), 0 warning\(s\)$/m);
  });

  it('names a missing policy folder without a stack trace', async () => {
    const result = await runCli(['validate', '-c', 'does-not-exist'], { cwd: work });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('error ER023: policy folder does-not-exist does not exist');
    expect(`${result.stdout}${result.stderr}`).not.toMatch(STACK_TRACE);
  });

  it('rejects an unknown --format with a clear error', async () => {
    const result = await runCli(['validate', '--format', 'yaml']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: --format must be one of text, json, github; got "yaml"\n');
  });
});
