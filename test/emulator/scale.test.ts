import { describe, expect, it } from 'vitest';
import { SCALE_WAVES } from '../../src/emulator/index.js';
import { start } from './helpers.js';

describe('emulator: scale scenario', () => {
  it('generates 300,000 users quickly and serves them', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const c = await start({ scenario: 'scale', users: 300_000 });
    const startMs = performance.now() - t0;
    const mem = process.memoryUsage();
    console.log(
      `scale 300k: generation ${Math.round(c.emu.generationMs)} ms, start ${Math.round(startMs)} ms, heap +${Math.round((mem.heapUsed - heapBefore) / 1e6)} MB, rss ${Math.round(mem.rss / 1e6)} MB`,
    );
    try {
      const info = (await c.control('GET', '/info')).json;
      expect(info.users).toBe(300_000);
      const size = (name: string) => info.groups.find((g: any) => g.displayName === name).transitiveUsers;
      expect(size('All Staff')).toBe(299_998);
      expect(SCALE_WAVES.map((w) => size(w.name)).reduce((a, b) => a + b, 0)).toBe(299_998);
      expect(size('Scale Wave 1')).toBe(3000);
      expect(size('MFA Wave 0 - IT')).toBe(3000);
      expect(size('MFA Rollout - All Waves')).toBe(299_998);

      const wave2 = info.groups.find((g: any) => g.displayName === 'Scale Wave 2').id;
      const t1 = performance.now();
      const members = await c.all(`/groups/${wave2}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`);
      console.log(`paged ${members.length} members in ${Math.round(performance.now() - t1)} ms`);
      expect(members).toHaveLength(size('Scale Wave 2'));

      const last = members[members.length - 1].id;
      const row = await c.graph('GET', `/reports/authenticationMethods/userRegistrationDetails/${last}`);
      expect(row.status === 200 || row.status === 404).toBe(true);
      const byUpn = await c.graph('GET', `/users/${(await c.graph('GET', `/users/${last}`)).json.userPrincipalName}?$select=id`);
      expect(byUpn.json.id).toBe(last);

      const t2 = performance.now();
      const page = await c.graph('GET', "/reports/authenticationMethods/userRegistrationDetails?$top=999&$filter=isMfaCapable eq false and methodsRegistered/any(m: m eq 'microsoftAuthenticatorPush')");
      console.log(`filtered report page in ${Math.round(performance.now() - t2)} ms`);
      expect(page.json.value).toHaveLength(999);
      expect(page.json.value.every((r: any) => !r.isMfaCapable && r.methodsRegistered.includes('microsoftAuthenticatorPush'))).toBe(true);
    } finally {
      await c.close();
    }
  }, 120_000);
});
