// Issue 14.10 through the built CLI on the emulator's `seeds` tenant: import-phones exits 1 when a row
// was invalid, its dry run checks that each user exists, a header is recognised by its names in any
// column order, and a number with a kept trunk 0 is refused with the fix.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDS_USERS } from '../../src/emulator/index.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await startTestTenant({ scenario: 'seeds' });
});
afterAll(async () => {
  await tenant?.close();
});
function csvFile(text: string): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-phones-op-'));
  const file = path.join(dir, 'phones.csv');
  writeFileSync(file, text);
  return { file, dir };
}
type Summary = { dryRun: boolean; totals: { done: number; failed: number; skipped: number }; invalid: Array<{ line: number; reason: string }>; failed: Array<{ user: string; error: string }> };

describe('users import-phones (operator points, issue 14.10)', { timeout: 120_000 }, () => {
  it('dry run: a header in another column order is read by name, an unknown user fails, a kept trunk 0 is invalid; exit 1', async () => {
    const { file } = csvFile(
      ['PhoneNumber,UserPrincipalName,PhoneType', `+1 4255550101,${SEEDS_USERS.nothing},mobile`, '+1 4255550102,nobody.here@contoso.onmicrosoft.com,mobile', `+31 0612345657,${SEEDS_USERS.completedAuthenticator},office`].join('\n'),
    );
    await tenant.control('POST', '/reset-log');
    const r = await runCli(['users', 'import-phones', file, '--format', 'json'], { env: tenant.env });
    expect(r.stderr).not.toMatch(STACK_TRACE);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.dryRun).toBe(true);
    expect(s.invalid).toEqual([{ line: 4, user: SEEDS_USERS.completedAuthenticator, reason: 'phone number "+31 0612345657" keeps the domestic trunk 0 after the country code, so it would not ring; write "+31 612345657"' }]);
    expect(s.failed).toEqual([expect.objectContaining({ user: 'nobody.here@contoso.onmicrosoft.com', error: 'no such user' })]);
    expect(s.totals.done).toBe(1); // Lynne's, by name despite the column order; no "header" row is reported
    expect(r.stderr).not.toMatch(/line 1/);
    expect(r.code).toBe(1);
    expect((await tenant.writes()).filter((w) => w.path !== '/$batch')).toEqual([]);
  });

  it('--yes with one invalid row writes the valid ones and still exits 1', async () => {
    const { file, dir } = csvFile(['UserPrincipalName,PhoneType,PhoneNumber', `${SEEDS_USERS.nothing},mobile,+1 4255550111`, `${SEEDS_USERS.nothing},office,4255550112`].join('\n'));
    const r = await runCli(['users', 'import-phones', file, '--yes', '--journal', path.join(dir, 'j'), '--format', 'json'], { env: tenant.env });
    expect(r.stderr).not.toMatch(STACK_TRACE);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.totals.done).toBe(1);
    expect(s.invalid.map((i) => i.line)).toEqual([3]);
    expect(r.code).toBe(1);
    const phones = (await tenant.graph('GET', `/users/${SEEDS_USERS.nothing}/authentication/phoneMethods`)).body as { value: Array<{ phoneNumber: string; phoneType: string }> };
    expect(phones.value.map((p) => `${p.phoneType} ${p.phoneNumber}`)).toContain('mobile +1 4255550111');

    const clean = csvFile(`UserPrincipalName,PhoneType,PhoneNumber\n${SEEDS_USERS.nothing},mobile,+1 4255550111\n`);
    const again = await runCli(['users', 'import-phones', clean.file, '--yes', '--journal', path.join(clean.dir, 'j')], { env: tenant.env });
    expect(again.code, again.stderr).toBe(0);
  });
});
