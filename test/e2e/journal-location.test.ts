// Issue 18 point 7: a bulk run started from a policy folder (a git repository) leaves no file in it.
// Its journal goes to the per-user state directory, the printed --resume command continues it from
// there, and ENTRA_ROLLOUT_STATE_DIR moves it elsewhere.
import { cpSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});
const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-journal-e2e-'));
const ALEX = 'alex.wilber@contoso.onmicrosoft.com';

/** Every file under a folder, relative paths, sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

describe('bulk run journals default to the state directory', () => {
  it('users revoke-sessions --yes from a policy folder: no file appears in it; the journal is in $XDG_STATE_HOME/entra-rollout and --resume from the note works', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const policies = path.join(tmp(), 'policies');
    cpSync('policies', policies, { recursive: true });
    const before = tree(policies);
    const stateHome = tmp();
    const env = { ...tenant.env, XDG_STATE_HOME: stateHome, ENTRA_ROLLOUT_STATE_DIR: '' };

    const run = await runCli(['users', 'revoke-sessions', '--user', ALEX, '--yes', '-c', '.'], { cwd: policies, env });
    expect(run.stderr).not.toMatch(STACK_TRACE);
    expect(run.code).toBe(0);
    expect(tree(policies)).toEqual(before);

    const note = /^journal: (\S+) \(if the run stops, continue it with --resume (\S+)\)$/m.exec(run.stderr);
    expect(note, run.stderr).not.toBeNull();
    const journal = note![1]!;
    expect(note![2]).toBe(journal);
    expect(path.dirname(journal)).toBe(path.join(stateHome, 'entra-rollout'));
    expect(path.basename(journal)).toMatch(/^entra-rollout-revoke-sessions-\d{4}-\d{2}-\d{2}-\d{6}\.journal$/);
    expect(tree(path.join(stateHome, 'entra-rollout'))).toEqual([path.basename(journal)]);
    // Private: the journal names users.
    expect(statSync(path.join(stateHome, 'entra-rollout')).mode & 0o777).toBe(0o700);
    expect(statSync(journal).mode & 0o777).toBe(0o600);

    // The --resume the note prints continues that journal from the same folder: the settled user is not written again.
    await tenant.control('POST', '/reset-log');
    const resumed = await runCli(['users', 'revoke-sessions', '--user', ALEX, '--yes', '-c', '.', '--resume', journal], { cwd: policies, env });
    expect(resumed.stderr).not.toMatch(STACK_TRACE);
    expect(resumed.code).toBe(0);
    expect((await tenant.writes()).filter((w) => w.path !== '/$batch')).toEqual([]);
    expect(tree(policies)).toEqual(before);
  });

  it('ENTRA_ROLLOUT_STATE_DIR puts the journal there instead', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const policies = path.join(tmp(), 'policies');
    cpSync('policies', policies, { recursive: true });
    const stateDir = path.join(tmp(), 'custom', 'journals');
    const run = await runCli(['users', 'revoke-sessions', '--user', ALEX, '--yes', '-c', '.'], { cwd: policies, env: { ...tenant.env, XDG_STATE_HOME: tmp(), ENTRA_ROLLOUT_STATE_DIR: stateDir } });
    expect(run.code).toBe(0);
    expect(tree(stateDir)).toHaveLength(1);
    expect(run.stderr).toContain(`journal: ${stateDir}${path.sep}entra-rollout-revoke-sessions-`);
  });
});

describe('a state directory whose path holds a space', () => {
  it('the note quotes the --resume path for a shell', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const stateDir = path.join(tmp(), 'Ann Smith', 'state');
    const run = await runCli(['users', 'revoke-sessions', '--user', ALEX, '--yes'], { env: { ...tenant.env, ENTRA_ROLLOUT_STATE_DIR: stateDir } });
    expect(run.code).toBe(0);
    const journal = path.join(stateDir, tree(stateDir)[0]!);
    expect(run.stderr).toContain(`journal: ${journal} (if the run stops, continue it with --resume '${journal}')`);
  });
});
