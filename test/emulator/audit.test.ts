import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, groupId, start } from './helpers.js';

describe('emulator: writes leave audit entries', () => {
  let c: Client;
  beforeAll(async () => {
    c = await start({ scenario: 'seeds' });
  });
  afterAll(() => c.close());

  it('member add and remove', async () => {
    const enforced = await groupId(c, 'CA010 - MFA enforced');
    const wave0 = await groupId(c, 'MFA Wave 0 - IT');
    const add = await c.graph('POST', `/groups/${enforced}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${wave0}` });
    expect(add.status).toBe(204);
    const q = `/auditLogs/directoryAudits?$filter=${encodeURIComponent(`targetResources/any(t: t/id eq '${enforced}') and activityDisplayName eq 'Add member to group'`)}`;
    const r = await c.graph('GET', q);
    expect(r.status).toBe(200);
    expect(r.json.value).toHaveLength(1);
    const e = r.json.value[0];
    expect(e).toMatchObject({ category: 'GroupManagement', loggedByService: 'Core Directory', result: 'success', activityDateTime: expect.stringMatching(/^2026-11-20T09:00:0\dZ$/) });
    expect(e.initiatedBy.app.displayName).toBe('entra-rollout');
    const ids = e.targetResources.map((t: any) => t.id);
    expect(ids).toEqual([wave0, enforced]);
    const props = e.targetResources[0].modifiedProperties.map((p: any) => p.displayName);
    expect(props).toEqual(['Group.ObjectID', 'Group.DisplayName']);
    expect(e.targetResources[0].modifiedProperties[1].newValue).toBe('"CA010 - MFA enforced"');
    // Transitive members now include wave 0's users.
    const users = await c.all(`/groups/${enforced}/transitiveMembers/microsoft.graph.user`);
    expect(users).toHaveLength(3);
    expect((await c.graph('DELETE', `/groups/${enforced}/members/${wave0}/$ref`)).status).toBe(204);
    expect((await c.graph('DELETE', `/groups/${enforced}/members/${wave0}/$ref`)).status).toBe(404);
    const removed = await c.graph('GET', `/auditLogs/directoryAudits?$filter=activityDisplayName eq 'Remove member from group'`);
    expect(removed.json.value).toHaveLength(1);
  });

  it('CA policy create, update, delete with old/new JSON', async () => {
    const enforced = await groupId(c, 'CA010 - MFA enforced');
    const body = {
      displayName: 'CA020 - Block legacy authentication',
      state: 'enabledForReportingButNotEnforced',
      conditions: { users: { includeGroups: [enforced] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['exchangeActiveSync', 'other'] },
      grantControls: { operator: 'OR', builtInControls: ['block'] },
    };
    const created = await c.graph('POST', '/identity/conditionalAccess/policies', body);
    expect(created.status).toBe(201);
    expect(created.json.conditions.users.excludeUsers).toEqual([]);
    const id = created.json.id;
    expect((await c.graph('PATCH', `/identity/conditionalAccess/policies/${id}`, { state: 'enabled' })).status).toBe(204);
    const got = await c.graph('GET', `/identity/conditionalAccess/policies/${id}`);
    expect(got.json.state).toBe('enabled');
    expect(got.json.conditions.clientAppTypes).toEqual(['exchangeActiveSync', 'other']);
    expect((await c.graph('DELETE', `/identity/conditionalAccess/policies/${id}`)).status).toBe(204);
    const audits = await c.all("/auditLogs/directoryAudits?$filter=loggedByService eq 'Conditional Access'");
    expect(audits.map((a) => a.activityDisplayName)).toEqual(['Delete conditional access policy', 'Update conditional access policy', 'Add conditional access policy']);
    const update = audits[1];
    expect(update.category).toBe('Policy');
    const mp = update.targetResources[0].modifiedProperties[0];
    expect(JSON.parse(mp.oldValue).state).toBe('enabledForReportingButNotEnforced');
    expect(JSON.parse(mp.newValue).state).toBe('enabled');
    const deleted = await c.graph('GET', '/identity/conditionalAccess/deletedItems/policies');
    expect(deleted.json.value.map((p: any) => p.id)).toContain(id);
  });

  it('admin method writes and methods-policy writes', async () => {
    const u = 'lynne.robbins@contoso.onmicrosoft.com';
    await c.graph('POST', `/users/${u}/authentication/emailMethods`, { emailAddress: 'lynne@example.com' });
    const m = await c.graph('GET', `/users/${u}/authentication/emailMethods`);
    await c.graph('DELETE', `/users/${u}/authentication/emailMethods/${m.json.value[0].id}`);
    const names = (await c.all("/auditLogs/directoryAudits?$filter=loggedByService eq 'Authentication Methods' and activityDateTime ge 2026-11-20T08:59:00Z")).map((a) => a.activityDisplayName);
    expect(names).toEqual(['Admin deleted security info', 'Admin registered security info']);
    await c.graph('PATCH', '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/MicrosoftAuthenticator', {
      '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration',
      featureSettings: { displayLocationInformationRequiredState: { state: 'enabled' } },
    });
    const p = await c.graph('GET', "/auditLogs/directoryAudits?$filter=activityDisplayName eq 'Authentication Methods Policy Update'");
    expect(p.json.value).toHaveLength(1);
    const cfg = await c.graph('GET', '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/MicrosoftAuthenticator');
    expect(cfg.json.featureSettings.displayLocationInformationRequiredState.state).toBe('enabled');
    expect(cfg.json.featureSettings.displayLocationInformationRequiredState.includeTarget.id).toBe('all_users');
  });
});
