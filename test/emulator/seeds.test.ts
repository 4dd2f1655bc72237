import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDS_USERS } from '../../src/emulator/index.js';
import { type Client, start } from './helpers.js';

describe('emulator: seeds scenario', () => {
  let c: Client;
  beforeAll(async () => {
    c = await start({ scenario: 'seeds' });
  });
  afterAll(() => c.close());

  it('the abandoned Authenticator: listed as a method, not MFA capable, no "registered" audit', async () => {
    const u = await c.graph('GET', `/users/${SEEDS_USERS.unverifiedAuthenticator}?$select=id,userPrincipalName`);
    const id = u.json.id;
    const methods = await c.graph('GET', `/users/${id}/authentication/methods`);
    const types = methods.json.value.map((m: any) => m['@odata.type']);
    expect(types).toContain('#microsoft.graph.microsoftAuthenticatorAuthenticationMethod');
    const auth = await c.graph('GET', `/users/${id}/authentication/microsoftAuthenticatorMethods`);
    expect(auth.json.value).toHaveLength(1);
    const row = await c.graph('GET', `/reports/authenticationMethods/userRegistrationDetails/${id}`);
    expect(row.json.isMfaCapable).toBe(false);
    expect(row.json.isMfaRegistered).toBe(true);
    const audits = await c.all(`/auditLogs/directoryAudits?$filter=${encodeURIComponent(`targetResources/any(t: t/id eq '${id}')`)}`);
    const names = audits.map((a) => `${a.loggedByService}: ${a.activityDisplayName}`);
    expect(names).toEqual(['Authentication Methods: User started security info registration', 'Core Directory: Update user']);
    expect(audits[1].initiatedBy.app.displayName).toBe('Azure MFA StrongAuthenticationService');
    expect(audits[1].targetResources[0].modifiedProperties[0].newValue).toContain(auth.json.value[0].id);
    // The completed one has all four entries.
    const done = (await c.graph('GET', `/users/${SEEDS_USERS.completedAuthenticator}`)).json.id;
    const doneAudits = await c.all(`/auditLogs/directoryAudits?$filter=${encodeURIComponent(`targetResources/any(t: t/id eq '${done}')`)}`);
    expect(doneAudits.map((a) => a.activityDisplayName)).toEqual(['User registered security info', 'Update user', 'User started security info registration', 'Update user']);
  });

  it('phone only, nothing, disabled, per-user MFA', async () => {
    const row = async (upn: string) => c.graph('GET', `/reports/authenticationMethods/userRegistrationDetails/${upn}`);
    expect((await row(SEEDS_USERS.phoneOnly)).json.methodsRegistered).toEqual(['mobilePhone']);
    expect((await row(SEEDS_USERS.nothing)).json).toMatchObject({ methodsRegistered: [], isMfaRegistered: false, isMfaCapable: false });
    expect((await row(SEEDS_USERS.disabled)).status).toBe(404);
    expect((await c.graph('GET', `/users/${SEEDS_USERS.disabled}?$select=accountEnabled`)).json.accountEnabled).toBe(false);
    const all = await c.all('/reports/authenticationMethods/userRegistrationDetails');
    expect(all.map((r) => r.userPrincipalName)).not.toContain(SEEDS_USERS.disabled);
    const phones = await c.graph('GET', `/users/${SEEDS_USERS.phoneOnly}/authentication/phoneMethods`);
    expect(phones.json.value[0]).toMatchObject({ id: '3179e48a-750b-4051-897c-87b9720928f7', phoneType: 'mobile', phoneNumber: expect.stringMatching(/^\+1 \d{10}$/) });
  });

  it('duplicate display names, nested waves and a membership cycle', async () => {
    const fin = await c.graph('GET', "/groups?$filter=displayName eq 'Finance'&$select=id,displayName");
    expect(fin.json.value).toHaveLength(2);
    const w1 = (await c.graph('GET', "/groups?$filter=displayName eq 'MFA Wave 1 - Early adopters'")).json.value[0].id;
    const direct = await c.all(`/groups/${w1}/members`);
    const flat = await c.all(`/groups/${w1}/transitiveMembers/microsoft.graph.user`);
    expect(direct).toHaveLength(9);
    expect(flat).toHaveLength(14);
    expect(flat.map((u) => u.userPrincipalName)).toContain(SEEDS_USERS.nestedOnly);
    const cycle = (await c.graph('GET', "/groups?$filter=displayName eq 'Cycle A'")).json.value[0].id;
    const members = await c.all(`/groups/${cycle}/transitiveMembers`);
    expect(members).toHaveLength(2 + 1); // two users and Cycle B; never Cycle A itself
  });

  it('open extensions on groups', async () => {
    const g = (await c.graph('GET', "/groups?$filter=displayName eq 'CA010 - MFA enforced'")).json.value[0].id;
    const body = { '@odata.type': 'microsoft.graph.openTypeExtension', extensionName: 'com.entraRollout.state', wave: 'pilot' };
    expect((await c.graph('POST', `/groups/${g}/extensions`, body)).status).toBe(201);
    expect((await c.graph('POST', `/groups/${g}/extensions`, body)).status).toBe(409);
    expect((await c.graph('PATCH', `/groups/${g}/extensions/com.entraRollout.state`, { wave: 'early' })).status).toBe(204);
    expect((await c.graph('GET', `/groups/${g}/extensions/com.entraRollout.state`)).json.wave).toBe('early');
    expect((await c.graph('DELETE', `/groups/${g}/extensions/com.entraRollout.state`)).status).toBe(204);
    expect((await c.graph('GET', `/groups/${g}/extensions/com.entraRollout.state`)).status).toBe(404);
  });
});
