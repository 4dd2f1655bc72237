import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, groupId, start } from './helpers.js';

describe('emulator: paging and membership', () => {
  let c: Client;
  beforeAll(async () => {
    c = await start({ scenario: 'demo' });
  });
  afterAll(() => c.close());

  it('follows absolute nextLinks to collect every transitive user member', async () => {
    const allStaff = await groupId(c, 'All Staff');
    const first = await c.graph('GET', `/groups/${allStaff}/transitiveMembers/microsoft.graph.user?$select=id`);
    expect(first.json.value).toHaveLength(100);
    expect(first.json['@odata.nextLink']).toMatch(new RegExp(`^${c.emu.graphBaseUrl.replace(/\./g, '\\.')}/groups/.+\\$skiptoken=`));
    const viaDefault = await c.all(`/groups/${allStaff}/transitiveMembers/microsoft.graph.user?$select=id`);
    const viaMax = await c.all(`/groups/${allStaff}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`);
    expect(viaDefault).toHaveLength(2000);
    expect(viaMax).toHaveLength(2000);
    expect(new Set(viaMax.map((u) => u.id)).size).toBe(2000);
    expect(Object.keys(viaMax[0]).sort()).toEqual(['@odata.type', 'id']);
    expect((await c.graph('GET', `/groups/${allStaff}/members?$top=1000`)).status).toBe(400);
  });

  it('flattens nested groups: the all-waves group has the wave users, not itself', async () => {
    const waves = await groupId(c, 'MFA Rollout - All Waves');
    const direct = await c.all(`/groups/${waves}/members`);
    expect(direct.every((m) => m['@odata.type'] === '#microsoft.graph.group')).toBe(true);
    expect(direct).toHaveLength(2);
    const users = await c.all(`/groups/${waves}/transitiveMembers/microsoft.graph.user?$top=999`);
    expect(users).toHaveLength(340);
    const everything = await c.all(`/groups/${waves}/transitiveMembers`);
    expect(everything).toHaveLength(342);
  });

  it('registration report pages and filters', async () => {
    const all = await c.all('/reports/authenticationMethods/userRegistrationDetails?$top=999&$select=id,isMfaCapable');
    // ~1% of staff are disabled and so not listed.
    expect(all.length).toBeGreaterThan(1950);
    expect(all.length).toBeLessThan(2022);
    const capable = await c.all('/reports/authenticationMethods/userRegistrationDetails?$top=999&$filter=isMfaCapable eq true and userType eq \'member\'');
    const share = capable.length / all.length;
    expect(share).toBeGreaterThan(0.5);
    expect(share).toBeLessThan(0.7);
    const withPush = await c.all("/reports/authenticationMethods/userRegistrationDetails?$top=999&$filter=methodsRegistered/any(m: m eq 'microsoftAuthenticatorPush')");
    expect(withPush.length).toBeGreaterThan(0);
    expect(withPush.every((r) => r.methodsRegistered.includes('microsoftAuthenticatorPush'))).toBe(true);
    const bg = await c.all("/reports/authenticationMethods/userRegistrationDetails?$filter=startsWith(userPrincipalName,'breakglass')");
    expect(bg.map((r) => r.userPrincipalName).sort()).toEqual(['breakglass1@contoso.onmicrosoft.com', 'breakglass2@contoso.onmicrosoft.com']);
  });

  it('wave 0 is fully MFA capable', async () => {
    const wave0 = await groupId(c, 'MFA Wave 0 - IT');
    const members = await c.all(`/groups/${wave0}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`);
    expect(members).toHaveLength(40);
    const ids = members.map((m) => `'${m.id}'`).join(',');
    const rows = await c.all(`/reports/authenticationMethods/userRegistrationDetails?$filter=id in (${ids})`);
    expect(rows).toHaveLength(40);
    expect(rows.every((r) => r.isMfaCapable)).toBe(true);
  });

  it('resolves groups and users by name, CA policies with $filter/$select/$top', async () => {
    const r = await c.graph('GET', "/users?$filter=userPrincipalName eq 'breakglass2@contoso.onmicrosoft.com'&$select=id,accountEnabled");
    expect(r.json.value).toHaveLength(1);
    expect(r.json.value[0].accountEnabled).toBe(true);
    const ca = await c.graph('GET', "/identity/conditionalAccess/policies?$filter=displayName eq 'CA010 - Require MFA for rollout waves'&$select=id,state");
    expect(ca.json.value).toEqual([{ id: expect.any(String), state: 'enabledForReportingButNotEnforced' }]);
    const top = await c.graph('GET', '/identity/conditionalAccess/policies?$top=2');
    expect(top.json.value).toHaveLength(2);
    expect(top.json['@odata.nextLink']).toBeDefined();
  });
});
