// Behaviour of the scale scenario at a size a test can afford; how fast the emulator builds and
// serves 300,000 users is measured by `npm run bench` (emulator-scale), not asserted here.
import { describe, expect, it } from 'vitest';
import { SCALE_WAVES } from '../../src/emulator/index.js';
import { start } from './helpers.js';

const USERS = 30_000;

describe('emulator: scale scenario', () => {
  it('generates N users in four contiguous waves and serves them', async () => {
    const c = await start({ scenario: 'scale', users: USERS });
    try {
      const info = (await c.control('GET', '/info')).json;
      expect(info.users).toBe(USERS);
      const size = (name: string) => info.groups.find((g: any) => g.displayName === name).transitiveUsers;
      const staff = USERS - 2; // two break-glass accounts are in no wave
      expect(size('All Staff')).toBe(staff);
      expect(SCALE_WAVES.map((w) => size(w.name)).reduce((a, b) => a + b, 0)).toBe(staff);
      expect(size('Scale Wave 1')).toBe(Math.round(staff * SCALE_WAVES[0].share));
      expect(size('MFA Wave 0 - IT')).toBe(size('Scale Wave 1'));
      expect(size('MFA Rollout - All Waves')).toBe(staff);

      const wave2 = info.groups.find((g: any) => g.displayName === 'Scale Wave 2').id;
      const members = await c.all(`/groups/${wave2}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`);
      expect(members).toHaveLength(size('Scale Wave 2'));
      expect(new Set(members.map((m) => m.id)).size).toBe(members.length);

      const last = members[members.length - 1].id;
      const row = await c.graph('GET', `/reports/authenticationMethods/userRegistrationDetails/${last}`);
      expect([200, 404]).toContain(row.status);
      const byUpn = await c.graph('GET', `/users/${(await c.graph('GET', `/users/${last}`)).json.userPrincipalName}?$select=id`);
      expect(byUpn.json.id).toBe(last);

      const page = await c.graph('GET', "/reports/authenticationMethods/userRegistrationDetails?$top=999&$filter=isMfaCapable eq false and methodsRegistered/any(m: m eq 'microsoftAuthenticatorPush')");
      expect(page.json.value.length).toBeGreaterThan(0);
      expect(page.json.value.every((r: any) => !r.isMfaCapable && r.methodsRegistered.includes('microsoftAuthenticatorPush'))).toBe(true);
    } finally {
      await c.close();
    }
  });
});
