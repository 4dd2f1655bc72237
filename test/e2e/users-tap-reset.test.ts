// users issue-tap, reset-methods and revoke-sessions through the built CLI on the seeds tenant.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WavesStatusReport } from '../../src/render/wavesStatus.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});
const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-users-'));
const PASSWORD_ID = '28c10230-6103-485e-b985-444c60001490';

type Methods = Record<string, Array<{ kind: string; id: string; createdMs?: number; props: Record<string, unknown> }>>;
async function userMethods(t: TestTenant): Promise<Methods> {
  return ((await t.state()).body as { userMethods: Methods }).userMethods;
}
/** Writes to the tenant ($batch envelopes themselves are POSTs that change nothing). */
async function tenantWrites(t: TestTenant, options: { tookEffect?: boolean } = {}) {
  return (await t.writes(options)).filter((w) => w.path !== '/$batch');
}
async function userId(t: TestTenant, upn: string): Promise<string> {
  return ((await t.graph('GET', `/users/${upn}?$select=id`)).body as { id: string }).id;
}
async function taps(t: TestTenant, upn: string): Promise<Array<{ createdDateTime: string }>> {
  return ((await t.graph('GET', `/users/${upn}/authentication/temporaryAccessPassMethods`)).body as { value: Array<{ createdDateTime: string }> }).value;
}

describe('users issue-tap', () => {
  it('--wave early --not-ready issues exactly one pass per not-ready user; the passes are only in the 0600 file', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const dir = tmp();
    const out = path.join(dir, 'passes.csv');
    const journal = path.join(dir, 'tap.journal');
    const status = JSON.parse((await runCli(['waves', 'status', '--format', 'json'], { env: tenant.env })).stdout) as WavesStatusReport;
    const early = status.rollouts[0]!.waves.find((w) => w.wave === 'early')!;
    expect(early.notReady.count).toBeGreaterThan(1);
    const expected = early.notReady.count - (early.notReady.byReason.disabled ?? 0);
    await tenant.control('POST', '/reset-log');

    const result = await runCli(['users', 'issue-tap', '--wave', 'early', '--not-ready', '--out', out, '--journal', journal, '--lifetime', '120', '--one-time'], { env: tenant.env });
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('upn,tap,start,expires');
    const passes = rows.slice(1).map((r) => r.split(','));
    expect(passes).toHaveLength(expected);
    expect(new Set(passes.map((p) => p[0])).size).toBe(expected);
    expect(passes.map((p) => p[0])).toContain('adele.vance@contoso.onmicrosoft.com'); // the abandoned Authenticator
    const journalText = readFileSync(journal, 'utf8');
    for (const [, pass] of passes) {
      expect(pass!.length).toBeGreaterThanOrEqual(8);
      expect(result.stdout).not.toContain(pass);
      expect(result.stderr).not.toContain(pass);
      expect(journalText).not.toContain(pass);
    }
    // Exactly one creation per user in the emulator's log, and each user now holds one pass.
    const log = (await tenant.control('GET', '/requests')) as { writes: Array<{ method: string; path: string; outcome: string }> };
    const posts = log.writes.filter((w) => w.method === 'POST' && w.path.endsWith('/temporaryAccessPassMethods') && w.outcome === 'applied');
    expect(posts).toHaveLength(expected);
    for (const [upn] of passes) expect(await taps(tenant, upn!)).toHaveLength(1);

    // The file is never overwritten.
    const again = await runCli(['users', 'issue-tap', '--user', 'lynne.robbins@contoso.onmicrosoft.com', '--out', out], { env: tenant.env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: .*passes\.csv already exists: refusing to overwrite/m);
  });

  it('refuses a lifetime outside the policy and users outside its targets', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const dir = tmp();
    const tooLong = await runCli(['users', 'issue-tap', '--user', 'lynne.robbins@contoso.onmicrosoft.com', '--out', path.join(dir, 'a.csv'), '--lifetime', '9999'], { env: tenant.env });
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toMatch(/^error: --lifetime 9999 is outside the TAP policy's 60\.\.480 minutes$/m);

    // Only the pilot group is targeted: lynne (early adopters) is refused.
    const pilot = ((await tenant.graph('GET', `/groups?$filter=displayName eq 'MFA Wave 0 - IT'&$select=id`)).body as { value: { id: string }[] }).value[0]!.id;
    const patched = await tenant.graph('PATCH', '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass', {
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
      includeTargets: [{ id: pilot, targetType: 'group', isRegistrationRequired: false }],
    });
    expect(patched.status).toBe(204);
    const outside = await runCli(['users', 'issue-tap', '--user', 'lynne.robbins@contoso.onmicrosoft.com', '--user', 'alex.wilber@contoso.onmicrosoft.com', '--out', path.join(dir, 'b.csv'), '--format', 'json', '--journal', path.join(dir, 'b.j')], { env: tenant.env });
    expect(outside.code).toBe(0);
    const summary = JSON.parse(outside.stdout) as { totals: { done: number; skipped: number }; skippedByReason: Record<string, number> };
    expect(summary.totals.done).toBe(1);
    expect(summary.skippedByReason['outside the TAP policy targets']).toBe(1);
    expect(await taps(tenant, 'lynne.robbins@contoso.onmicrosoft.com')).toHaveLength(0);
  });
});

describe('users reset-methods and revoke-sessions', () => {
  const users = ['alex.wilber@contoso.onmicrosoft.com', 'pradeep.gupta@contoso.onmicrosoft.com', 'isaiah.langer@contoso.onmicrosoft.com', 'megan.bowen@contoso.onmicrosoft.com'];
  const userArgs = users.flatMap((u) => ['--user', u]);

  it('dry run writes nothing; --yes removes the strong methods, keeps every password, skips per-user-MFA-enforced users', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const dir = tmp();
    const before = await tenant.state();
    await tenant.control('POST', '/reset-log');
    const dry = await runCli(['users', 'reset-methods', ...userArgs, '--methods', 'authenticator,phone,fido2'], { env: tenant.env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing was written');
    expect(await tenantWrites(tenant)).toEqual([]);
    expect((await tenant.state()).hash).toBe(before.hash);

    const applied = await runCli(['users', 'reset-methods', ...userArgs, '--methods', 'authenticator,phone,fido2', '--revoke-sessions', '--yes', '--journal', path.join(dir, 'r.j'), '--format', 'json'], { env: tenant.env });
    expect(applied.stderr).not.toMatch(STACK_TRACE);
    expect(applied.code).toBe(0);
    const summary = JSON.parse(applied.stdout) as { totals: { done: number; skipped: number }; skippedByReason: Record<string, number> };
    expect(summary.totals.done).toBe(3);
    expect(Object.keys(summary.skippedByReason)[0]).toMatch(/^per-user MFA enforced/);
    const methods = await userMethods(tenant);
    for (const u of users) {
      const id = await userId(tenant, u);
      const list = methods[id];
      if (u.startsWith('pradeep')) {
        // Untouched: the enforced user keeps Authenticator and phone.
        expect(list === undefined || list.some((m) => m.kind === 'microsoftAuthenticator')).toBe(true);
        continue;
      }
      expect(list!.map((m) => m.kind)).toEqual(['password']);
      expect(list![0]!.id).toBe(PASSWORD_ID);
    }
    const writes = await tenantWrites(tenant);
    expect(writes.some((w) => w.path.includes(PASSWORD_ID) || w.path.includes('passwordMethods'))).toBe(false);
    expect((await tenantWrites(tenant, { tookEffect: true })).filter((w) => w.path.endsWith('/revokeSignInSessions'))).toHaveLength(3);
    expect(writes.some((w) => w.path.includes('pradeep.gupta'))).toBe(false);
  });

  it('revoke-sessions is a dry run unless --yes', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    await tenant.control('POST', '/reset-log');
    const dry = await runCli(['users', 'revoke-sessions', '--user', users[0]!], { env: tenant.env });
    expect(dry.code).toBe(0);
    expect(await tenantWrites(tenant)).toEqual([]);
    const real = await runCli(['users', 'revoke-sessions', '--user', users[0]!, '--user', 'nobody@contoso.onmicrosoft.com', '--yes', '--journal', path.join(tmp(), 'j')], { env: tenant.env });
    expect(real.code).toBe(1);
    expect(real.stderr).toMatch(/^failed nobody@contoso\.onmicrosoft\.com: no such user/m);
    expect((await tenantWrites(tenant)).filter((w) => w.status === 200)).toHaveLength(1);
  });
});
