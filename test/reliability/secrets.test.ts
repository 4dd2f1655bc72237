// Security check: every command runs with a known bearer token, on success and on error paths,
// --debug included; no secret may appear in stdout, stderr or any file the command wrote (the plan
// file, exported YAML, journals, reports, anything under its working folder or HOME). The TAP codes
// the emulator handed out are secrets too: they may be only in the pass file the user named (0600).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { issuedPasses, spawnCli, startTenant, tmp, type Tenant } from './harness.js';

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
  /**
   * The one file (in the working folder) where the row's secrets belong: it must be 0600 and hold
   * every pass the users hold now; it is left out of the leak check.
   */
  passFile?: string;
}

const passCodes = async (c: Ctx) => (await issuedPasses(c.tenant)).map((p) => p.pass);
const TAP = ['users', 'issue-tap', '-c', POLICIES, '--wave', 'early', '--not-ready', '--out', 'passes.csv'];
/** Users of the `early` wave who are not ready, as the CLI lists them (the first column of its pass file). */
const firstUsers = (c: Ctx, n: number) =>
  readFileSync(path.join(c.dir, 'passes.csv'), 'utf8').trim().split('\n').slice(1, n + 1).map((l) => l.split(',')[0]!);

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
      // Waits for the line however long start-up takes here (or until the process ends without it).
      const url = (await emu.waitForStdout(/listening on (http:\/\/\S+)/))?.[1];
      expect(url, 'the emulator never said where it listens').toBeDefined();
      const res = await fetch(`${url}/v1.0/users?$top=1`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      await fetch(`${url}/v1.0/nowhere`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      emu.kill('SIGTERM');
      return [await emu.done];
    },
  },
  { name: 'waves status --format json', code: 0, run: async (c) => [await c.run(['waves', 'status', '-c', POLICIES, '--format', 'json'])] },
  {
    name: 'apply --only waves, then waves rollback --debug',
    code: 0,
    run: async (c) => [await c.run(['apply', '-c', POLICIES, '--only', 'waves', '--auto-approve']), await c.run(['waves', 'rollback', '-c', POLICIES, '--to', 'pilot', '--auto-approve', '--debug'])],
  },
  { name: 'doctor --debug (the token carries no roles: permissions missing)', code: 1, run: async (c) => [await c.run(['doctor', '-c', POLICIES, '--debug'])] },
  {
    name: 'users issue-tap --journal --report (passes only in the 0600 pass file)',
    code: 0,
    passFile: 'passes.csv',
    run: async (c) => [await c.run([...TAP, '--journal', 'tap.journal', '--report', 'report.csv'])],
    secrets: passCodes,
  },
  {
    name: 'users issue-tap --format json --debug, answers lost, then --resume',
    code: 0,
    passFile: 'passes.csv',
    run: async (c) => {
      await c.tenant.control('POST', '/faults', { spec: 'lost:0.3@POST' });
      const first = await c.run([...TAP, '--journal', 'tap.journal', '--format', 'json', '--debug', '--report', 'first.json']);
      expect(first.code, 'no answer was lost: raise the rate').toBe(1);
      await c.tenant.control('POST', '/faults', { spec: 'none' });
      return [first, await c.run([...TAP, '--resume', 'tap.journal', '--format', 'json', '--debug', '--report', 'resumed.json'])];
    },
    secrets: passCodes,
  },
  {
    name: 'users show, reset-methods, revoke-sessions and import-phones for users holding a pass',
    code: 0,
    passFile: 'passes.csv',
    run: async (c) => {
      const issued = await c.run([...TAP, '--journal', 'tap.journal']);
      const [a, b] = firstUsers(c, 2);
      writeFileSync(path.join(c.dir, 'phones.csv'), `user,phoneType,phoneNumber\n${a},mobile,+1 425 555 0100\n${b},mobile,+1 425 555 0101\n`);
      return [
        issued,
        await c.run(['users', 'show', a!, '-c', POLICIES, '--debug']),
        await c.run(['users', 'show', b!, '-c', POLICIES, '--format', 'json']),
        await c.run(['users', 'import-phones', 'phones.csv', '-c', POLICIES, '--yes', '--journal', 'phones.journal', '--report', 'phones.json']),
        await c.run(['users', 'revoke-sessions', '--user', a!, '-c', POLICIES, '--yes', '--journal', 'revoke.journal']),
        await c.run(['users', 'reset-methods', '--user', b!, '-c', POLICIES, '--yes', '--journal', 'reset.journal', '--report', 'reset.csv', '--debug']),
      ];
    },
    secrets: passCodes,
  },
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
    const ctx: Ctx = { tenant, dir, tokenFile, env, run: (args, extra = {}) => runCli(args, { cwd: dir, env: { ...env, ...extra } }) };
    const results = await row.run(ctx);
    expect(results.at(-1)!.code, results.at(-1)!.stderr).toBe(row.code);
    const extra = (await row.secrets?.(ctx)) ?? [];
    if (row.secrets) expect(extra.length, 'the row has no secrets to look for').toBeGreaterThan(0);
    const secrets = [TOKEN, TOKEN_PART, ...extra];
    const outputs: Array<[string, string]> = results.flatMap((r, i) => [[`step ${i + 1} stdout`, r.stdout], [`step ${i + 1} stderr`, r.stderr]] as Array<[string, string]>);
    let files = filesUnder(dir);
    if (row.passFile) {
      // The passes belong in this file, and all of those the users hold are there.
      const passFile = path.join(dir, row.passFile);
      expect(statSync(passFile).mode & 0o777).toBe(0o600);
      const text = readFileSync(passFile, 'utf8');
      const held = (await issuedPasses(ctx.tenant)).filter((p) => p.current);
      expect(held.length).toBeGreaterThan(0);
      expect(held.filter((p) => !text.includes(`${p.userPrincipalName},${p.pass},`)).map((p) => p.userPrincipalName)).toEqual([]);
      files = files.filter((f) => f !== passFile);
    }
    for (const f of files) outputs.push([path.relative(dir, f), readFileSync(f, 'latin1')]);
    const leaks = outputs.flatMap(([where, text]) => secrets.filter((s) => text.includes(s)).map((s) => `${where} contains ${s === TOKEN ? 'the token' : JSON.stringify(s)}`));
    expect(leaks).toEqual([]);
    // The check looked at something: every run printed, and file-writing rows wrote.
    expect(outputs.some(([, text]) => text.length > 0)).toBe(true);
  });
});
