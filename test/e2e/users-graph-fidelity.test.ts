// Issue 13 (points 1 and 4) through the built CLI against the seeds tenant:
// - Learn (beta) "Get authentication method states": reading another user's per-user MFA state needs
//   Policy.Read.All (application; higher Policy.ReadWrite.AuthenticationMethod), which reset-methods does first.
// - Learn "Delete phoneAuthenticationMethod": the default MFA phone can't be deleted.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { leastPrivilegedSet, selectCommands } from '../../src/permissions.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});
const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-fidelity-'));
const MOBILE = '3179e48a-750b-4051-897c-87b9720928f7';

interface Summary {
  totals: { done: number; failed: number; skipped: number };
  failed: Array<{ user: string; error: string; status?: number }>;
}

async function withRoles(t: TestTenant, roles: string[]): Promise<NodeJS.ProcessEnv> {
  const r = (await t.control('POST', '/auth', { roles })) as { accessToken: string };
  return { ...t.env, ENTRA_ROLLOUT_TOKEN: r.accessToken };
}

/** A user with nothing but a password and then exactly these methods (no Authenticator: the mobile is the default). */
async function userWith(t: TestTenant, upn: string, methods: string[]): Promise<void> {
  const list = (await t.graph('GET', `/users/${upn}/authentication/methods`)).body as { value: Array<{ '@odata.type': string; id: string }> };
  for (const m of list.value) {
    const type = m['@odata.type'].replace('#microsoft.graph.', '').replace('AuthenticationMethod', '');
    if (type === 'password') continue;
    // The alternate mobile first: Graph refuses the mobile while it exists.
    const r = await t.graph('DELETE', `/users/${upn}/authentication/${type}Methods/${m.id}`);
    if (r.status !== 204) await t.graph('DELETE', `/users/${upn}/authentication/phoneMethods/b6332ec1-7057-4abe-9331-3d72feddfe41`).then(() => t.graph('DELETE', `/users/${upn}/authentication/${type}Methods/${m.id}`));
  }
  await t.control('POST', `/users/${upn}/register`, { methods });
}

const ALEX = 'alex.wilber@contoso.onmicrosoft.com';
const MEGAN = 'megan.bowen@contoso.onmicrosoft.com';

describe('users reset-methods and import-phones as Graph documents them', () => {
  it('reset-methods --revoke-sessions works with exactly the matrix set on an enforcing emulator, and fails per user without Policy.Read.All', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    const roles = leastPrivilegedSet(selectCommands('users reset-methods'), { includeOptional: true });
    expect(roles).toEqual(['GroupMember.Read.All', 'Policy.Read.All', 'User.Read.All', 'User.RevokeSessions.All', 'UserAuthenticationMethod.ReadWrite.All']);
    const dir = tmp();
    const args = ['users', 'reset-methods', '--user', ALEX, '--methods', 'authenticator,phone', '--revoke-sessions', '--yes', '--format', 'json'];
    const without = await runCli([...args, '--journal', path.join(dir, 'a.j')], { env: await withRoles(tenant, roles.filter((p) => p !== 'Policy.Read.All')) });
    expect(without.stderr).not.toMatch(STACK_TRACE);
    const refused = JSON.parse(without.stdout) as Summary;
    expect(refused.totals.failed).toBe(1);
    expect(refused.failed[0]!.error).toMatch(/per-user MFA state: .*(403|Insufficient privileges)/);
    const withAll = await runCli([...args, '--journal', path.join(dir, 'b.j')], { env: await withRoles(tenant, roles) });
    expect(withAll.stderr).not.toMatch(STACK_TRACE);
    expect(withAll.code).toBe(0);
    expect((JSON.parse(withAll.stdout) as Summary).totals.done).toBe(1);
  });

  it('reset-methods removes a default phone after the other methods; with only the phone asked for, it says to change the default first', async () => {
    tenant = await startTestTenant({ scenario: 'seeds' });
    await userWith(tenant, ALEX, ['mobilePhone', 'fido2']);
    await userWith(tenant, MEGAN, ['mobilePhone', 'fido2']);
    const dir = tmp();
    const both = await runCli(['users', 'reset-methods', '--user', ALEX, '--methods', 'phone,fido2', '--yes', '--journal', path.join(dir, 'a.j'), '--format', 'json'], { env: tenant.env });
    expect(both.stderr).not.toMatch(STACK_TRACE);
    expect(JSON.parse(both.stdout).totals).toMatchObject({ done: 1, failed: 0 });
    const left = (await tenant.graph('GET', `/users/${ALEX}/authentication/methods`)).body as { value: Array<{ '@odata.type': string }> };
    expect(left.value.map((m) => m['@odata.type'])).toEqual(['#microsoft.graph.passwordAuthenticationMethod']);

    const phoneOnly = await runCli(['users', 'reset-methods', '--user', MEGAN, '--methods', 'phone', '--yes', '--journal', path.join(dir, 'b.j'), '--format', 'json'], { env: tenant.env });
    expect(phoneOnly.stderr).not.toMatch(STACK_TRACE);
    expect(phoneOnly.code).toBe(1);
    const s = JSON.parse(phoneOnly.stdout) as Summary;
    expect(s.failed).toHaveLength(1);
    expect(s.failed[0]!.error).toMatch(/^Graph refuses to delete the mobile phone: it is the user's default MFA method; have the user choose another default method/);
    expect((await tenant.graph('GET', `/users/${MEGAN}/authentication/phoneMethods/${MOBILE}`)).status).toBe(200);

    const csv = path.join(dir, 'phones.csv');
    writeFileSync(csv, `${MEGAN},mobile,,delete\n`);
    const phones = await runCli(['users', 'import-phones', csv, '--yes', '--journal', path.join(dir, 'c.j'), '--format', 'json'], { env: tenant.env });
    expect(phones.stderr).not.toMatch(STACK_TRACE);
    const p = JSON.parse(phones.stdout) as Summary;
    expect(p.failed.map((f) => f.error)).toEqual([expect.stringMatching(/^Graph refuses to delete the mobile phone: it is the user's default MFA method/)]);
  });
});
