// Issue 14.10, the pure parts: a header recognised by its names in any column order, and a number
// whose domestic trunk 0 was kept after the country code rejected with the fix.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BulkTask } from '../../src/ops/engine.js';
import { parsePhoneRow, phoneHeader, phoneTasksFromCsv, trunkZeroFix } from '../../src/ops/phones.js';

async function tasks(csv: string): Promise<BulkTask[]> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'phones-')), 'p.csv');
  writeFileSync(file, csv);
  const out: BulkTask[] = [];
  for await (const t of phoneTasksFromCsv(file, true)) out.push(t);
  return out;
}

describe('import-phones input', () => {
  it('rejects a kept trunk 0 with the fix, but not where the 0 belongs to the number (Italy)', () => {
    expect(parsePhoneRow(['u@contoso.test', 'mobile', '+31 0612345657'])).toEqual({ invalid: 'phone number "+31 0612345657" keeps the domestic trunk 0 after the country code, so it would not ring; write "+31 612345657"' });
    expect(trunkZeroFix('+44 07700900123')).toBe('+44 7700900123');
    expect(trunkZeroFix('+39 0612345678')).toBeUndefined();
    expect(trunkZeroFix('+31 612345657')).toBeUndefined();
    expect(parsePhoneRow(['u@contoso.test', 'mobile', '+31 612345657'])).toMatchObject({ phoneNumber: '+31 612345657' });
  });

  it('recognises a header by its names in any column order', async () => {
    expect(phoneHeader(['UserPrincipalName', 'PhoneType', 'PhoneNumber'])).toEqual([0, 1, 2, -1, -1]);
    expect(phoneHeader(['PhoneNumber', 'Action', 'UserPrincipalName', 'Phone Type'])).toEqual([2, 3, 0, 1, -1]);
    expect(phoneHeader(['a@contoso.test', 'mobile', '+1 4255551234'])).toBeUndefined();
    const list = await tasks('PhoneNumber,UserPrincipalName,PhoneType\n+1 4255551234,a@contoso.test,mobile\n+31 0612345657,b@contoso.test,office\n');
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ label: 'a@contoso.test', line: 2, key: 'a@contoso.test|mobile' });
    expect(list[0]!.invalid).toBeUndefined();
    expect(list[1]).toMatchObject({ line: 3, invalid: expect.stringContaining('write "+31 612345657"') });
    // Without a header the first row is data, as before.
    const plain = await tasks('a@contoso.test,mobile,+1 4255551234\n');
    expect(plain[0]).toMatchObject({ label: 'a@contoso.test', line: 1 });
  });
});
