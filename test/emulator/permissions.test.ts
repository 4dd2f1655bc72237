import { describe, expect, it } from 'vitest';
import { decodeJwtClaims } from '../../src/graph/tokenClaims.js';
import { requiredPermissions } from '../../src/emulator/permissions.js';
import { addMembersBulk } from '../../src/graph/groups.js';
import { connectGraph } from '../../src/graph/index.js';
import { groupId, start } from './helpers.js';

describe('emulator: app roles and licence', () => {
  it('enforces nothing until roles are configured (the default every other test relies on)', async () => {
    const c = await start();
    try {
      expect((await c.graph('GET', '/identity/conditionalAccess/policies')).status).toBe(200);
      expect((await c.control('POST', '/auth', {})).json.roles).toBeNull();
    } finally {
      await c.close();
    }
  });

  it('answers 403 Authorization_RequestDenied for a request the configured roles do not cover, per endpoint and method', async () => {
    const c = await start();
    try {
      const set = await c.control('POST', '/auth', { roles: ['Policy.Read.All', 'GroupMember.Read.All'] });
      expect(set.json.roles).toEqual(['Policy.Read.All', 'GroupMember.Read.All']);
      expect((await c.graph('GET', '/identity/conditionalAccess/policies')).status).toBe(200);
      expect((await c.graph('GET', '/policies/authenticationMethodsPolicy')).status).toBe(200); // Policy.Read.All is a higher read
      const gid = await groupId(c, 'All Staff');
      expect((await c.graph('GET', `/groups/${gid}/transitiveMembers/microsoft.graph.user?$select=id`)).status).toBe(200);
      const users = await c.graph('GET', '/users?$top=1');
      expect(users.status).toBe(403);
      expect(users.json.error).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
      const write = await c.graph('PATCH', '/policies/authenticationMethodsPolicy', { registrationEnforcement: {} });
      expect(write.status).toBe(403);
      expect((await c.graph('GET', '/auditLogs/signIns?$top=1')).status).toBe(403);
      // Directory audits need AuditLog.Read.All and Directory.Read.All (Learn): one alone is not enough.
      await c.control('POST', '/auth', { roles: ['AuditLog.Read.All'] });
      expect((await c.graph('GET', '/auditLogs/directoryAudits?$top=1')).status).toBe(403);
      expect((await c.graph('GET', '/auditLogs/signIns?$top=1')).status).toBe(200);
      await c.control('POST', '/auth', { roles: ['AuditLog.Read.All', 'Directory.Read.All'] });
      expect((await c.graph('GET', '/auditLogs/directoryAudits?$top=1')).status).toBe(200);
      await c.control('POST', '/auth', { roles: null });
      expect((await c.graph('GET', '/users?$top=1')).status).toBe(200);
    } finally {
      await c.close();
    }
  });

  it('denies $batch items one by one', async () => {
    const c = await start();
    try {
      await c.control('POST', '/auth', { roles: ['Policy.Read.All'] });
      const r = await c.graph('POST', '/$batch', { requests: [{ id: '1', method: 'GET', url: '/identity/conditionalAccess/policies' }, { id: '2', method: 'GET', url: '/users?$top=1' }] });
      expect(r.status).toBe(200);
      const byId = Object.fromEntries(r.json.responses.map((x: { id: string; status: number }) => [x.id, x.status]));
      expect(byId).toEqual({ '1': 200, '2': 403 });
    } finally {
      await c.close();
    }
  });

  it('issues an access token carrying the configured roles, tenant and app', async () => {
    const c = await start();
    try {
      const info = (await c.control('GET', '/info')).json;
      const r = await c.control('POST', '/auth', { roles: ['Policy.Read.All'], appId: 'app-123' });
      const claims = decodeJwtClaims(r.json.accessToken);
      expect(claims).toMatchObject({ roles: ['Policy.Read.All'], tid: info.tenantId, appid: 'app-123', idtyp: 'app', aud: 'https://graph.microsoft.com' });
      expect((await c.graph('GET', '/identity/conditionalAccess/policies', undefined, { Authorization: `Bearer ${r.json.accessToken}` })).status).toBe(200);
    } finally {
      await c.close();
    }
  });

  it('a tenant without Entra ID P1/P2 gets the non-premium 403 from the registration report and sign-in logs only', async () => {
    const c = await start();
    try {
      expect((await c.control('POST', '/licence', { premium: 'no' })).status).toBe(400);
      expect((await c.control('POST', '/licence', { premium: false })).json).toEqual({ premium: false });
      for (const path of ['/reports/authenticationMethods/userRegistrationDetails?$top=1', '/auditLogs/signIns?$top=1']) {
        const r = await c.graph('GET', path);
        expect(r.status).toBe(403);
        expect(r.json.error.code).toBe('Authentication_RequestFromNonPremiumTenantOrB2CTenant');
      }
      expect((await c.graph('GET', '/auditLogs/directoryAudits?$top=1')).status).toBe(200);
      await c.control('POST', '/licence', { premium: true });
      expect((await c.graph('GET', '/auditLogs/signIns?$top=1')).status).toBe(200);
    } finally {
      await c.close();
    }
  });

  // Learn "Add members", example 2 (PATCH members@odata.bind, up to 20): GroupMember.ReadWrite.All is enough.
  it('with only GroupMember.ReadWrite.All the client adds members through the bulk members@odata.bind PATCH, not one $ref per member', async () => {
    const c = await start();
    try {
      const gid = await groupId(c, 'All Staff');
      const users = (await c.graph('GET', '/users?$top=30&$select=id')).json.value.map((u: { id: string }) => u.id);
      const members = new Set((await c.all(`/groups/${gid}/members?$select=id`)).map((m: { id: string }) => m.id));
      const outsiders = users.filter((u: string) => !members.has(u)).slice(0, 5);
      expect(outsiders.length).toBeGreaterThan(1);
      await c.control('POST', '/auth', { roles: ['GroupMember.ReadWrite.All'] });
      // Another group property still needs Group.ReadWrite.All (Learn "Update group").
      expect((await c.graph('PATCH', `/groups/${gid}`, { description: 'x' })).status).toBe(403);
      await c.control('POST', '/reset-log');
      const gw = await connectGraph({ graphUrl: c.emu.graphBaseUrl, token: 'test-token' });
      const result = await addMembersBulk(gw, gid, outsiders);
      expect(result.failed).toEqual([]);
      expect(result.added.sort()).toEqual([...outsiders].sort());
      const writes = ((await c.control('GET', '/requests')).json.writes as Array<{ method: string; path: string; status: number }>).filter((w) => w.path !== '/$batch');
      expect(writes).toEqual([{ ...writes[0], method: 'PATCH', path: `/groups/${gid}`, status: 204 }]);
    } finally {
      await c.close();
    }
  });

  it('knows the permissions of every endpoint the tool calls', () => {
    expect(requiredPermissions('POST', '/groups/abc/members/$ref')).toEqual([['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All']]);
    expect(requiredPermissions('POST', '/users/abc/authentication/temporaryAccessPassMethods')?.[0]).toContain('UserAuthMethod-TAP.ReadWrite.All');
    expect(requiredPermissions('POST', '/users/abc/authentication/phoneMethods')).toEqual([['UserAuthenticationMethod.ReadWrite.All']]);
    // Learn "user: revokeSignInSessions": least privileged User.RevokeSessions.All; higher ones accepted too.
    expect(requiredPermissions('POST', '/users/abc/revokeSignInSessions')).toEqual([['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All']]);
    // Learn (beta) "Get authentication method states", per-user MFA acting on others: Policy.Read.All (not a user-methods permission).
    expect(requiredPermissions('GET', '/users/abc/authentication/requirements')).toEqual([['Policy.Read.All', 'Policy.ReadWrite.AuthenticationMethod']]);
    // Learn "Add members" example 2 (members@odata.bind): GroupMember.ReadWrite.All, unlike other group updates.
    expect(requiredPermissions('PATCH', '/groups/abc', { 'members@odata.bind': ['x'] })).toEqual([['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All']]);
    expect(requiredPermissions('PATCH', '/groups/abc', { displayName: 'x', 'members@odata.bind': ['x'] })).toEqual([['Group.ReadWrite.All', 'Directory.ReadWrite.All']]);
    expect(requiredPermissions('PATCH', '/identity/conditionalAccess/policies/abc')).toHaveLength(3);
    expect(requiredPermissions('GET', '/organization')?.[0]).toContain('Organization.Read.All');
  });
});
