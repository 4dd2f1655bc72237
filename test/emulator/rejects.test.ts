// The emulator rejects what Graph rejects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, groupId, start } from './helpers.js';

describe('emulator: Graph rejections', () => {
  let c: Client;
  let wave0: string;
  let allStaff: string;
  beforeAll(async () => {
    c = await start({ scenario: 'seeds' });
    wave0 = await groupId(c, 'MFA Wave 0 - IT');
    allStaff = await groupId(c, 'All Staff');
  });
  afterAll(() => c.close());

  it('401 InvalidAuthenticationToken without a bearer token, with request ids', async () => {
    const res = await fetch(`${c.emu.graphBaseUrl}/users`, { headers: { 'client-request-id': 'abc-123' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('client-request-id')).toBe('abc-123');
    const body = (await res.json()) as any;
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.innerError['request-id']).toBe(res.headers.get('request-id'));
    expect(body.error.innerError['client-request-id']).toBe('abc-123');
    expect(body.error.innerError.date).toMatch(/Z$/);
  });

  it('accepted tokens and token expiry are switchable', async () => {
    await c.control('POST', '/auth', { acceptedTokens: ['good'] });
    expect((await c.graph('GET', '/users?$top=1')).status).toBe(401);
    expect((await c.graph('GET', '/users?$top=1', undefined, { Authorization: 'Bearer good' })).status).toBe(200);
    await c.control('POST', '/auth', { acceptedTokens: null, tokenExpired: true });
    const r = await c.graph('GET', '/users?$top=1');
    expect(r.status).toBe(401);
    expect(r.json.error.message).toMatch(/expired/);
    await c.control('POST', '/auth', { tokenExpired: false });
    expect((await c.graph('GET', '/users?$top=1')).status).toBe(200);
  });

  it('404 Request_ResourceNotFound for unknown objects', async () => {
    for (const p of ['/groups/00000000-1111-4222-8333-444444444444', '/users/nobody@contoso.onmicrosoft.com', '/identity/conditionalAccess/policies/00000000-1111-4222-8333-444444444444']) {
      const r = await c.graph('GET', p);
      expect(r.status).toBe(404);
      expect(r.json.error.code).toBe('Request_ResourceNotFound');
    }
  });

  it('405 for an unsupported verb', async () => {
    const r = await c.graph('PUT', '/groups');
    expect(r.status).toBe(405);
  });

  it('$batch with 21 requests → 400 for the whole batch', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/users?$top=1' }));
    const r = await c.graph('POST', '/$batch', { requests });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('BadRequest');
    expect(r.json.error.message).toMatch(/maximum of 20/);
    const ok = await c.graph('POST', '/$batch', { requests: requests.slice(0, 20) });
    expect(ok.status).toBe(200);
    expect(ok.json.responses).toHaveLength(20);
  });

  it('$batch item with a body but no Content-Type → 400 for the whole batch, nothing applied', async () => {
    const user = (await c.graph('GET', '/users/lynne.robbins@contoso.onmicrosoft.com')).json.id;
    const before = (await c.control('GET', '/state')).headers.get('x-emulator-state-hash');
    const r = await c.graph('POST', '/$batch', {
      requests: [
        { id: '1', method: 'POST', url: `/groups/${wave0}/members/$ref`, headers: { 'Content-Type': 'application/json' }, body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user}` } },
        { id: '2', method: 'PATCH', url: `/users/${user}`, body: { department: 'X' } },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toBe("Write request with id '2' does not contain a Content-Type header.");
    expect((await c.control('GET', '/state')).headers.get('x-emulator-state-hash')).toBe(before);
  });

  it('$batch ids must be unique and urls relative', async () => {
    const dup = await c.graph('POST', '/$batch', { requests: [{ id: '1', method: 'GET', url: '/users' }, { id: '1', method: 'GET', url: '/groups' }] });
    expect(dup.status).toBe(400);
    const abs = await c.graph('POST', '/$batch', { requests: [{ id: '1', method: 'GET', url: 'https://graph.microsoft.com/v1.0/users' }] });
    expect(abs.status).toBe(400);
  });

  it('PATCH /groups/{id} with 21 members@odata.bind → 400, 20 → 204', async () => {
    const users = (await c.graph('GET', '/users?$select=id&$top=30')).json.value.map((u: any) => u.id);
    const group = (await c.graph('POST', '/groups', { displayName: 'Bind test', mailEnabled: false, securityEnabled: true })).json.id;
    const binds = (n: number) => users.slice(0, n).map((id: string) => `https://graph.microsoft.com/v1.0/directoryObjects/${id}`);
    const r = await c.graph('PATCH', `/groups/${group}`, { 'members@odata.bind': binds(21) });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('Request_BadRequest');
    expect((await c.all(`/groups/${group}/members`)).length).toBe(0);
    expect((await c.graph('PATCH', `/groups/${group}`, { 'members@odata.bind': binds(20) })).status).toBe(204);
    expect((await c.all(`/groups/${group}/members`)).length).toBe(20);
  });

  it('adding an existing member → 400 Request_BadRequest "already exist"', async () => {
    const member = (await c.graph('GET', `/groups/${wave0}/members?$select=id&$top=1`)).json.value[0].id;
    const r = await c.graph('POST', `/groups/${wave0}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${member}` });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('Request_BadRequest');
    expect(r.json.error.message).toBe("One or more added object references already exist for the following modified properties: 'members'.");
  });

  it('unsupported $filter clauses → 400 naming the clause', async () => {
    const r1 = await c.graph('GET', `/groups?$filter=${encodeURIComponent("endsWith(displayName,'IT')")}`);
    expect(r1.status).toBe(400);
    expect(r1.json.error.code).toBe('Request_UnsupportedQuery');
    const r2 = await c.graph('GET', `/reports/authenticationMethods/userRegistrationDetails?$filter=${encodeURIComponent("userDisplayName eq 'Adele Vance'")}`);
    expect(r2.status).toBe(400);
    expect(r2.json.error.code).toBe('BadRequest');
    expect(r2.json.error.message).toContain("userDisplayName eq 'Adele Vance'");
    const r3 = await c.graph('GET', `/auditLogs/signIns?$filter=${encodeURIComponent("createdDateTime eq 2026-01-01T00:00:00Z or userId eq 'x'")}`);
    expect(r3.status).toBe(400);
    const r4 = await c.graph('GET', `/auditLogs/directoryAudits?$filter=${encodeURIComponent('activityDateTime ge')}`);
    expect(r4.status).toBe(400);
    expect(r4.json.error.message).toMatch(/Invalid filter clause/);
  });

  it('method configuration PATCH needs @odata.type and returns 204; policy PATCH returns 200', async () => {
    const path = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass';
    const bad = await c.graph('PATCH', path, { isUsableOnce: true });
    expect(bad.status).toBe(400);
    const good = await c.graph('PATCH', path, { '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration', isUsableOnce: true });
    expect(good.status).toBe(204);
    expect((await c.graph('GET', path.toLowerCase())).json.isUsableOnce).toBe(true);
    const pol = await c.graph('PATCH', '/policies/authenticationMethodsPolicy', { registrationEnforcement: { authenticationMethodsRegistrationCampaign: { state: 'enabled' } } });
    expect(pol.status).toBe(200);
    expect(pol.json.registrationEnforcement.authenticationMethodsRegistrationCampaign.state).toBe('enabled');
    expect(pol.json.registrationEnforcement.authenticationMethodsRegistrationCampaign.snoozeDurationInDays).toBe(1);
  });

  it('phone methods: format, one per type, alternateMobile needs mobile; password not deletable', async () => {
    const u = 'lynne.robbins@contoso.onmicrosoft.com';
    expect((await c.graph('POST', `/users/${u}/authentication/phoneMethods`, { phoneNumber: '5555551234', phoneType: 'mobile' })).status).toBe(400);
    expect((await c.graph('POST', `/users/${u}/authentication/phoneMethods`, { phoneNumber: '+1 5555551234', phoneType: 'alternateMobile' })).status).toBe(400);
    const ok = await c.graph('POST', `/users/${u}/authentication/phoneMethods`, { phoneNumber: '+1 5555551234', phoneType: 'mobile' });
    expect(ok.status).toBe(201);
    expect(ok.json.id).toBe('3179e48a-750b-4051-897c-87b9720928f7');
    expect((await c.graph('POST', `/users/${u}/authentication/phoneMethods`, { phoneNumber: '+1 5555550000', phoneType: 'mobile' })).status).toBe(400);
    const del = await c.graph('DELETE', `/users/${u}/authentication/passwordMethods/28c10230-6103-485e-b985-444c60001490`);
    expect(del.status).toBe(400);
    const methods = await c.graph('GET', `/users/${u}/authentication/methods`);
    expect(methods.json.value.map((m: any) => m.id)).toContain('28c10230-6103-485e-b985-444c60001490');
  });

  it('TAP: 201 with the clear-text pass once; a new one replaces the old', async () => {
    const u = 'megan.bowen@contoso.onmicrosoft.com';
    const a = await c.graph('POST', `/users/${u}/authentication/temporaryAccessPassMethods`, { lifetimeInMinutes: 60 });
    expect(a.status).toBe(201);
    expect(typeof a.json.temporaryAccessPass).toBe('string');
    const b = await c.graph('POST', `/users/${u}/authentication/temporaryAccessPassMethods`, {});
    expect(b.status).toBe(201);
    const list = await c.graph('GET', `/users/${u}/authentication/temporaryAccessPassMethods`);
    expect(list.json.value).toHaveLength(1);
    expect(list.json.value[0].id).toBe(b.json.id);
    expect(list.json.value[0].temporaryAccessPass).toBeNull();
    expect((await c.graph('POST', `/users/${u}/authentication/temporaryAccessPassMethods`, { lifetimeInMinutes: 5 })).status).toBe(400);
  });

  it('per-user MFA requirements are beta only', async () => {
    const u = 'pradeep.gupta@contoso.onmicrosoft.com';
    const beta = await c.graph('GET', `${c.emu.url}/beta/users/${u}/authentication/requirements`);
    expect(beta.json.perUserMfaState).toBe('enforced');
    expect((await c.graph('GET', `/users/${u}/authentication/requirements`)).status).toBe(400);
    expect((await c.graph('PATCH', `${c.emu.url}/beta/users/${u}/authentication/requirements`, { perUserMfaState: 'disabled' })).status).toBe(204);
    expect((await c.graph('GET', `${c.emu.url}/beta/users/${u}/authentication/requirements`)).json.perUserMfaState).toBe('disabled');
  });
});
