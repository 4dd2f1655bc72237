// Issue 15.4/15.5 end to end through the built CLI against the emulator (seeds scenario): import-phones
// with the smsSignIn column (dry run, then --yes, then a no-op re-run) and its Voice/SMS cross-check,
// set-default-method on Graph beta signInPreferences, and issue-tap --start.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SEEDS_USERS } from '../../src/emulator/scenarios.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});
const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-methods-'));
const MOBILE = '3179e48a-750b-4051-897c-87b9720928f7';
const SMS = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms';
const q = encodeURIComponent;

describe('users import-phones with smsSignIn', () => {
  it('dry run writes nothing; --yes adds the number and enables SMS sign-in; a re-run changes nothing; Voice off is WR152', async () => {
    tenant = await startTestTenant({ scenario: 'seeds', throttle: false });
    const dir = tmp();
    const csv = path.join(dir, 'phones.csv');
    const user = SEEDS_USERS.nothing;
    writeFileSync(csv, ['UserPrincipalName,PhoneType,PhoneNumber,SmsSignIn', `${user},mobile,+1 4255550177,enable`, `${SEEDS_USERS.phoneOnly},office,+1 4255550178,`].join('\n') + '\n');

    // The seeds' SMS configuration allows no sign-in: the cross-check says so before anything is sent.
    const refusedByPolicy = await runCli(['users', 'import-phones', csv], { env: tenant.env });
    expect(refusedByPolicy.code, refusedByPolicy.stderr).toBe(0);
    expect(refusedByPolicy.stderr).toContain('warning WR153: 1 row enables SMS sign-in while no SMS include target allows sign-in');
    expect(refusedByPolicy.stderr).toContain('warning WR152: 1 office number imported while Voice is disabled');
    expect(await tenant.writes()).toEqual([]);

    await tenant.graph('PATCH', SMS, { '@odata.type': '#microsoft.graph.smsAuthenticationMethodConfiguration', includeTargets: [{ id: 'all_users', targetType: 'group', isRegistrationRequired: false, isUsableForSignIn: true }] });
    const before = (await tenant.writes()).length;
    const dry = await runCli(['users', 'import-phones', csv, '--format', 'json', '--report', path.join(dir, 'dry.json')], { env: tenant.env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).not.toContain('WR153');
    expect((await tenant.writes()).length).toBe(before);
    const dryRows = JSON.parse(readFileSync(path.join(dir, 'dry.json'), 'utf8')) as Array<{ user?: string; label?: string; detail: string }>;
    expect(JSON.stringify(dryRows)).toContain('would add mobile; would enable SMS sign-in');

    const real = await runCli(['users', 'import-phones', csv, '--yes', '--journal', path.join(dir, 'j1')], { env: tenant.env });
    expect(real.code, real.stderr).toBe(0);
    expect(real.stderr).not.toMatch(STACK_TRACE);
    const phone = await tenant.graph('GET', `/users/${q(user)}/authentication/phoneMethods/${MOBILE}`);
    expect(phone.body).toMatchObject({ phoneNumber: '+1 4255550177', smsSignInState: 'ready' });
    const writes = (await tenant.writes()).slice(before).map((w) => `${w.method} ${w.path}`);
    expect(writes.filter((w) => w.endsWith('/enableSmsSignIn'))).toHaveLength(1);

    const again = await runCli(['users', 'import-phones', csv, '--yes', '--journal', path.join(dir, 'j2'), '--format', 'json'], { env: tenant.env });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).totals).toMatchObject({ done: 0, skipped: 2, failed: 0 });
    // The upsert tries its create first (refused: the number is there); nothing else is sent, no SMS action.
    const rerun = (await tenant.writes()).slice(before + writes.length).filter((w) => w.path !== '/$batch');
    expect(rerun.map((w) => `${w.method} ${w.status}`)).toEqual(['POST 400', 'POST 400']);
    expect(rerun.every((w) => w.path.endsWith('/phoneMethods'))).toBe(true);
  });
});

describe('users set-default-method (Graph beta)', () => {
  it('dry run first, then --yes sets signInPreferences; a method the user lacks is refused by Graph and reported', async () => {
    tenant = await startTestTenant({ scenario: 'seeds', throttle: false });
    const dir = tmp();
    const user = SEEDS_USERS.completedAuthenticator;
    await tenant.graph('POST', `/users/${q(user)}/authentication/phoneMethods`, { phoneNumber: '+1 4255550190', phoneType: 'mobile' });
    const before = (await tenant.writes()).length;
    const dry = await runCli(['users', 'set-default-method', user, '--method', 'sms'], { env: tenant.env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('beta');
    expect(dry.stdout).toContain('dry run');
    expect((await tenant.writes()).length).toBe(before);

    const set = await runCli(['users', 'set-default-method', user, '--method', 'sms', '--yes', '--journal', path.join(dir, 'j')], { env: tenant.env });
    expect(set.code, set.stderr).toBe(0);
    const prefs = await fetch(`${tenant.emulator.url}/beta/users/${q(user)}/authentication/signInPreferences`, { headers: { Authorization: 'Bearer test-token' } });
    expect(await prefs.json()).toMatchObject({ userPreferredMethodForSecondaryAuthentication: 'sms' });

    const lacking = await runCli(['users', 'set-default-method', user, '--method', 'voiceOffice', '--yes', '--journal', path.join(dir, 'j2')], { env: tenant.env });
    expect(lacking.code).toBe(1);
    expect(lacking.stderr).toContain('Graph refused voiceOffice as the default method');
    // An emergency-access account is refused before anything is read or written, like every users write command.
    const writes = (await tenant.writes()).length;
    const guarded = await runCli(['users', 'set-default-method', 'breakglass1@contoso.onmicrosoft.com', '--method', 'sms', '--yes', '--journal', path.join(dir, 'j3')], { env: tenant.env });
    expect(guarded.code).toBe(1);
    expect(guarded.stderr).toMatch(/emergency-access/);
    expect((await tenant.writes()).length).toBe(writes);
    const bad = await runCli(['users', 'set-default-method', user, '--method', 'fido2'], { env: tenant.env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: --method "fido2" is not one Graph accepts/m);
  });
});

describe('users issue-tap --start', () => {
  it('the pass starts at --start (not usable before it); a malformed or past start is refused before anything is written', async () => {
    tenant = await startTestTenant({ scenario: 'seeds', throttle: false });
    const dir = tmp();
    const user = SEEDS_USERS.nothing;
    const out = path.join(dir, 'passes.csv');
    const r = await runCli(['users', 'issue-tap', '--user', user, '--out', out, '--start', '2026-11-22T08:00:00+01:00', '--journal', path.join(dir, 'j')], { env: tenant.env });
    expect(r.code, r.stderr).toBe(0);
    const line = readFileSync(out, 'utf8').trim().split('\n')[1]!.split(',');
    expect(line[2]).toBe('2026-11-22T07:00:00Z');
    const passes = await tenant.graph('GET', `/users/${q(user)}/authentication/temporaryAccessPassMethods`);
    expect((passes.body as { value: unknown[] }).value[0]).toMatchObject({ startDateTime: '2026-11-22T07:00:00Z', isUsable: false, methodUsabilityReason: 'NotYetValid' });

    const writes = (await tenant.writes()).length;
    for (const [start, message] of [
      ['2026-11-22', /--start takes an ISO 8601 date and time with its offset/],
      ['2026-11-01T08:00:00Z', /--start 2026-11-01T08:00:00Z is in the past/],
    ] as const) {
      const out2 = path.join(dir, `refused-${start.length}.csv`);
      const refused = await runCli(['users', 'issue-tap', '--user', user, '--out', out2, '--start', start], { env: tenant.env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(message);
      expect(existsSync(out2)).toBe(false);
    }
    expect((await tenant.writes()).length).toBe(writes);
  });
});
