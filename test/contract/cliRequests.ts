/**
 * Runs a compact set of the built CLI's commands against the emulator and returns every Graph
 * request the emulator logged (top-level requests and `$batch` items alike), as `METHOD /path`.
 * The set is chosen to touch every endpoint the CLI calls; the coverage test maps each request to a
 * contract template and fails when one has no fixture.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { groupId, registerAuthenticator, transitiveUserIds } from '../helpers/waves.js';

export interface LoggedRequest {
  method: string;
  /** Below the version segment, without the query. */
  path: string;
  status: number;
}

export interface CliRun {
  command: string;
  result: CliResult;
  ms: number;
}

interface RequestsSummary {
  writes: Array<{ method: string; path: string; status: number }>;
  gets: Array<{ path: string; status: number }>;
}

async function drain(t: TestTenant, into: LoggedRequest[]): Promise<void> {
  const log = (await t.control('GET', '/requests')) as RequestsSummary;
  for (const g of log.gets) into.push({ method: 'GET', path: g.path, status: g.status });
  for (const w of log.writes) into.push({ method: w.method, path: w.path, status: w.status });
  await t.control('POST', '/reset-log');
}

const SEEDS_USER = 'lynne.robbins@contoso.onmicrosoft.com';
const SEEDS_USERS = ['alex.wilber@contoso.onmicrosoft.com', 'isaiah.langer@contoso.onmicrosoft.com'];
/** Has a mobile phone in the seeds scenario. */
const PHONE_USER = 'megan.bowen@contoso.onmicrosoft.com';

/**
 * Every request the listed commands made, plus each command's result (for a readable failure). The
 * three tenants are independent, so their command sequences run side by side (each in order); the
 * results are listed tenant by tenant as before.
 */
export async function runCompactCliSet(): Promise<{ requests: LoggedRequest[]; runs: CliRun[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-contract-'));
  const policies = path.join(dir, 'policies');
  cpSync(path.join(REPO_ROOT, 'policies'), policies, { recursive: true });
  // The `members` strategy widens the target group with `members@odata.bind` PATCHes.
  const membersPolicies = path.join(dir, 'policies-members');
  cpSync(policies, membersPolicies, { recursive: true });
  const rollout = path.join(membersPolicies, 'rollout.yaml');
  writeFileSync(rollout, readFileSync(rollout, 'utf8').replace('strategy: nestedGroups', 'strategy: members'));

  /** One tenant's commands, in order, on its own emulator; what they requested and how each ran. */
  const onTenant = async (scenario: 'demo' | 'seeds', commands: (t: TestTenant, run: (args: string[]) => Promise<void>) => Promise<void>) => {
    const requests: LoggedRequest[] = [];
    const runs: CliRun[] = [];
    // No throttling: the set measures which endpoints are called, not pacing (and stays fast).
    const t = await startTestTenant({ scenario, throttle: false, timeScale: 1000 });
    try {
      await commands(t, async (args) => {
        const t0 = performance.now();
        const result = await runCli(args, { env: t.env, cwd: dir });
        runs.push({ command: args.join(' '), result, ms: Math.round(performance.now() - t0) });
      });
      await drain(t, requests);
    } finally {
      await t.close();
    }
    return { requests, runs };
  };

  const results = await Promise.all([
    onTenant('demo', async (demo, run) => {
      await run(['doctor', '-c', policies]);
      await run(['plan', '-c', policies, '--out', path.join(dir, 'plan.json')]);
      await run(['apply', path.join(dir, 'plan.json'), '-c', policies]);
      await run(['waves', 'status', '-c', policies, '--format', 'json']);
      // Early adopters register and the soak passes: early is promoted, so the rollback has a wave to take out.
      await registerAuthenticator(demo, await transitiveUserIds(demo, await groupId(demo, 'MFA Wave 1 - Early adopters')));
      await demo.control('POST', '/clock/advance', { hours: 73 });
      await run(['apply', '-c', policies, '--only', 'waves', '--auto-approve']);
      await run(['waves', 'rollback', '--to', 'pilot', '-c', policies, '--auto-approve']);
      await run(['export', '--out', path.join(dir, 'export')]);
    }),
    onTenant('demo', async (_members, run) => {
      await run(['apply', '-c', membersPolicies, '--auto-approve']);
    }),
    onTenant('seeds', async (seeds, run) => {
      const userArgs = SEEDS_USERS.flatMap((u) => ['--user', u]);
      await run(['users', 'show', SEEDS_USER, '-c', policies]);
      await run(['users', 'issue-tap', '--user', SEEDS_USER, '--out', path.join(dir, 'passes.csv'), '--journal', path.join(dir, 'tap.j'), '-c', policies]);
      // add (POST) and update (GET + PATCH) in one run; delete (GET + DELETE) of the added phone in a second.
      const csv = path.join(dir, 'phones.csv');
      // The mobile row also enables SMS sign-in (GET of its state, POST enableSmsSignIn).
      writeFileSync(csv, ['user,phoneType,phoneNumber,action,smsSignIn', `${SEEDS_USER},office,+1 4255550100,add,`, `${PHONE_USER},mobile,+1 4255550111,update,enable`].join('\n') + '\n');
      await run(['users', 'import-phones', csv, '--yes', '--journal', path.join(dir, 'phones.j'), '-c', policies]);
      const csv2 = path.join(dir, 'phones-delete.csv');
      writeFileSync(csv2, ['user,phoneType,phoneNumber,action', `${SEEDS_USER},office,,delete`].join('\n') + '\n');
      await run(['users', 'import-phones', csv2, '--yes', '--journal', path.join(dir, 'phones-delete.j'), '-c', policies]);
      // Every resettable kind on the first user, so reset-methods meets each collection's DELETE.
      await seeds.control('POST', `/users/${SEEDS_USERS[0]}/register`, { methods: ['softwareOath', 'email', 'windowsHelloForBusiness', 'temporaryAccessPass', 'fido2', 'mobilePhone'] });
      await run(['users', 'reset-methods', ...userArgs, '--methods', 'authenticator,phone,fido2,softwareOath,email,windowsHelloForBusiness,temporaryAccessPass', '--revoke-sessions', '--yes', '--journal', path.join(dir, 'reset.j'), '-c', policies]);
      await run(['users', 'set-default-method', PHONE_USER, '--method', 'sms', '--yes', '--journal', path.join(dir, 'default.j'), '-c', policies]);
      await run(['users', 'revoke-sessions', '--user', SEEDS_USER, '--yes', '--journal', path.join(dir, 'revoke.j'), '-c', policies]);
    }),
  ]);
  return { requests: results.flatMap((r) => r.requests), runs: results.flatMap((r) => r.runs) };
}
