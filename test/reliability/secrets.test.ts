// Security check: every command runs with a known bearer token (and, later, known TAP codes), on
// success and on error paths, --debug included; no secret may appear in stdout, stderr or any file
// the command wrote (the plan file, exported YAML, anything under its working folder or HOME).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { spawnCli, startTenant, tmp, type Tenant } from './harness.js';

/** JWT-shaped, so code that decodes claims handles it like a real one. */
const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJzZWNyZXQiOiJyZWwta25vd24tdG9rZW4ifQ.SECRET-rel-known-token-8f3a';
/** A distinctive part, in case only a fragment leaks. */
const TOKEN_PART = 'SECRET-rel-known-token';
const POLICIES = path.join(REPO_ROOT, 'policies');

interface Ctx {
  tenant: Tenant;
  /** The command's working folder (and HOME/TMPDIR live inside it): every file here is checked. */
  dir: string;
  tokenFile: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
}

interface SecretRow {
  name: string;
  /** Steps to run (each is checked); the last one's exit code must be `code`. */
  run(ctx: Ctx): Promise<CliResult[]>;
  code: number;
  /** Secrets besides the token (TAP codes the emulator handed out, …). */
  secrets?(ctx: Ctx): Promise<string[]>;
}

const rejectToken = (ctx: Ctx) => ctx.tenant.control('POST', '/auth', { acceptedTokens: ['some-other-token'] });

const ROWS: SecretRow[] = [
  { name: 'validate', code: 0, run: async (c) => [await c.run(['validate', '-c', POLICIES])] },
  { name: 'validate --format json', code: 0, run: async (c) => [await c.run(['validate', '-c', POLICIES, '--format', 'json'])] },
  { name: 'plan', code: 0, run: async (c) => [await c.run(['plan', '-c', POLICIES])] },
  { name: 'plan --out --format json', code: 0, run: async (c) => [await c.run(['plan', '-c', POLICIES, '--out', 'plan.json', '--format', 'json'])] },
  { name: 'plan --format markdown --detailed-exitcode', code: 2, run: async (c) => [await c.run(['plan', '-c', POLICIES, '--format', 'markdown', '--detailed-exitcode'])] },
  {
    name: 'plan --debug, token rejected (401 error path with a stack)',
    code: 1,
    run: async (c) => {
      await rejectToken(c);
      return [await c.run(['plan', '-c', POLICIES, '--debug'])];
    },
  },
  {
    name: 'plan with ENTRA_ROLLOUT_TOKEN_FILE, token rejected after a refresh',
    code: 1,
    run: async (c) => {
      await rejectToken(c);
      return [await c.run(['plan', '-c', POLICIES, '--debug'], { ENTRA_ROLLOUT_TOKEN: '', ENTRA_ROLLOUT_TOKEN_FILE: c.tokenFile })];
    },
  },
  { name: 'plan --out, then apply PLANFILE', code: 0, run: async (c) => [await c.run(['plan', '-c', POLICIES, '--out', 'plan.json']), await c.run(['apply', 'plan.json', '-c', POLICIES])] },
  { name: 'apply --auto-approve', code: 0, run: async (c) => [await c.run(['apply', '-c', POLICIES, '--auto-approve'])] },
  {
    name: 'apply --debug failing part-way (503 on the create, outcome unknown)',
    code: 1,
    run: async (c) => {
      await c.tenant.control('POST', '/faults', { spec: '503:1@POST' });
      return [await c.run(['apply', '-c', POLICIES, '--auto-approve', '--debug'])];
    },
  },
  { name: 'export --out', code: 0, run: async (c) => [await c.run(['export', '--out', 'exported'])] },
  { name: 'export, token rejected', code: 1, run: async (c) => (await rejectToken(c), [await c.run(['export', '--out', 'exported', '--debug'])]) },
  { name: 'demo', code: 0, run: async (c) => [await c.run(['demo', '-c', POLICIES])] },
  {
    name: 'emulator (a client sends it the token)',
    code: 0,
    run: async (c) => {
      const emu = spawnCli(['emulator', '--port', '0', '--scenario', 'seeds'], c.env, c.dir);
      let url: string | undefined;
      for (let i = 0; i < 500 && !url; i++) {
        url = /listening on (http:\/\/\S+)/.exec(emu.stdout())?.[1];
        if (!url) await sleep(10);
      }
      expect(url, 'the emulator never said where it listens').toBeDefined();
      const res = await fetch(`${url}/v1.0/users?$top=1`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      await fetch(`${url}/v1.0/nowhere`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      emu.kill('SIGTERM');
      return [await emu.done];
    },
  },
  // users issue-tap: secrets() returns the TAP codes the emulator issued, once that command exists.
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
}

let tenant: Tenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

describe('security: no secret in any output', () => {
  it.each(ROWS)('$name', async (row) => {
    tenant = await startTenant({ throttle: false });
    const dir = tmp('entra-rollout-secrets-');
    const home = path.join(dir, 'home');
    mkdirSync(path.join(home, 'tmp'), { recursive: true });
    const secretsDir = tmp('entra-rollout-token-');
    const tokenFile = path.join(secretsDir, 'token');
    writeFileSync(tokenFile, TOKEN);
    const env = { ...tenant.env, ENTRA_ROLLOUT_TOKEN: TOKEN, HOME: home, TMPDIR: path.join(home, 'tmp') };
    const ctx: Ctx = { tenant, dir, tokenFile, env, run: (args, extra = {}) => runCli(args, { cwd: dir, env: { ...env, ...extra }, timeoutMs: 120_000 }) };
    const results = await row.run(ctx);
    expect(results.at(-1)!.code, results.at(-1)!.stderr).toBe(row.code);
    const secrets = [TOKEN, TOKEN_PART, ...((await row.secrets?.(ctx)) ?? [])];
    const outputs: Array<[string, string]> = results.flatMap((r, i) => [[`step ${i + 1} stdout`, r.stdout], [`step ${i + 1} stderr`, r.stderr]] as Array<[string, string]>);
    const files = filesUnder(dir);
    for (const f of files) outputs.push([path.relative(dir, f), readFileSync(f, 'latin1')]);
    const leaks = outputs.flatMap(([where, text]) => secrets.filter((s) => text.includes(s)).map((s) => `${where} contains ${s === TOKEN ? 'the token' : JSON.stringify(s)}`));
    expect(leaks).toEqual([]);
    // The check looked at something: every run printed, and file-writing rows wrote.
    expect(outputs.some(([, text]) => text.length > 0)).toBe(true);
  }, 120_000);
});
