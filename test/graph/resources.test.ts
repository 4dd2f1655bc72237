import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDirectoryAudits, listSignIns } from '../../src/graph/auditLogs.js';
import { methodConfigurationODataType, patchAuthenticationMethodsPolicy, patchMethodConfiguration } from '../../src/graph/authMethods.js';
import { createPolicy, getPolicy, updatePolicy } from '../../src/graph/conditionalAccess.js';
import {
  addMember,
  addMembersBulk,
  findGroupsByDisplayName,
  listTransitiveUserMemberIds,
  removeMember,
  setGroupExtension,
} from '../../src/graph/groups.js';
import { listUserRegistrationDetails } from '../../src/graph/reports.js';
import { createPhoneMethod, getPerUserMfaState, revokeSignInSessions, setPerUserMfaState } from '../../src/graph/userMethods.js';
import { getUser } from '../../src/graph/users.js';
import { BASE, ORIGIN, graphError, makeGateway, netError, setupNock, teardownNock } from './helpers.js';

beforeEach(setupNock);
afterEach(teardownNock);

describe('groups', () => {
  it('finds groups by display name with quotes doubled and special characters encoded, returning every hit', async () => {
    nock(ORIGIN)
      .get('/v1.0/groups')
      .query({ $filter: "displayName eq 'O''Brien & Co #1'", $select: 'id,displayName,mailNickname,securityEnabled,mailEnabled,groupTypes' })
      .reply(200, { value: [{ id: 'g1' }, { id: 'g2' }] });
    const { gw } = makeGateway();
    expect(await findGroupsByDisplayName(gw, "O'Brien & Co #1")).toEqual([{ id: 'g1' }, { id: 'g2' }]);
  });

  it('lists transitive user member ids with $top=999', async () => {
    nock(ORIGIN)
      .get('/v1.0/groups/g1/transitiveMembers/microsoft.graph.user')
      .query({ $select: 'id', $top: '999' })
      .reply(200, { value: [{ id: 'u1' }, { id: 'u2' }], '@odata.nextLink': `${BASE}/groups/g1/transitiveMembers/microsoft.graph.user?$skiptoken=n` });
    nock(ORIGIN).get('/v1.0/groups/g1/transitiveMembers/microsoft.graph.user').query({ $skiptoken: 'n' }).reply(200, { value: [{ id: 'u3' }] });
    const { gw } = makeGateway();
    expect(await listTransitiveUserMemberIds(gw, 'g1')).toEqual(['u1', 'u2', 'u3']);
  });

  it('treats "already exist" as success for a $ref add, and 404 on remove as not a member', async () => {
    nock(ORIGIN)
      .post('/v1.0/groups/g1/members/$ref', { '@odata.id': `${BASE}/directoryObjects/u1` })
      .reply(400, graphError('Request_BadRequest', 'One or more added object references already exist for the following modified properties: \'members\'.'));
    nock(ORIGIN).post('/v1.0/groups/g1/members/$ref').reply(204);
    nock(ORIGIN).delete('/v1.0/groups/g1/members/u1/$ref').reply(404, graphError('Request_ResourceNotFound', 'not found'));
    const { gw } = makeGateway();
    expect(await addMember(gw, 'g1', 'u1')).toBe('alreadyMember');
    expect(await addMember(gw, 'g1', 'u2')).toBe('added');
    expect(await removeMember(gw, 'g1', 'u1')).toBe('notMember');
  });

  it('adds members in PATCHes of 20 inside one $batch, redoing a chunk one by one when some already exist', async () => {
    const ids = Array.from({ length: 45 }, (_, i) => `u${i}`);
    const envelopes: Array<Array<{ id: string; method: string; url: string; body: Record<string, unknown> }>> = [];
    nock(ORIGIN)
      .post('/v1.0/$batch')
      .times(2)
      .reply(200, (_uri, body) => {
        const requests = (body as { requests: Array<{ id: string; method: string; url: string; body: Record<string, unknown> }> }).requests;
        envelopes.push(requests);
        return {
          responses: requests.map((r) => {
            if (r.method === 'PATCH') {
              const refs = r.body['members@odata.bind'] as string[];
              return refs.includes(`${BASE}/directoryObjects/u25`)
                ? { id: r.id, status: 400, body: graphError('Request_BadRequest', 'One or more added object references already exist') }
                : { id: r.id, status: 204 };
            }
            return (r.body['@odata.id'] as string).endsWith('/u25')
              ? { id: r.id, status: 400, body: graphError('Request_BadRequest', 'One or more added object references already exist') }
              : { id: r.id, status: 204 };
          }),
        };
      });
    const { gw } = makeGateway();
    const result = await addMembersBulk(gw, 'g1', ids);
    expect(envelopes[0]!.map((r) => [r.method, r.url, (r.body['members@odata.bind'] as string[]).length])).toEqual([
      ['PATCH', '/groups/g1', 20],
      ['PATCH', '/groups/g1', 20],
      ['PATCH', '/groups/g1', 5],
    ]);
    expect(envelopes[1]).toHaveLength(20);
    expect(result.alreadyMembers).toEqual(['u25']);
    expect(result.added).toHaveLength(44);
    expect(result.failed).toEqual([]);
  });

  it('creates an open extension when there is none yet', async () => {
    nock(ORIGIN).patch('/v1.0/groups/g1/extensions/com.contoso.rollout').reply(404, graphError('ResourceNotFound', 'no'));
    nock(ORIGIN)
      .post('/v1.0/groups/g1/extensions', {
        '@odata.type': 'microsoft.graph.openTypeExtension',
        extensionName: 'com.contoso.rollout',
        wave: 'pilot',
      })
      .reply(201, {});
    const { gw } = makeGateway();
    await setGroupExtension(gw, 'g1', 'com.contoso.rollout', { wave: 'pilot' });
  });
});

describe('conditional access', () => {
  it('strips read-only fields and recovers an unknown-outcome create by displayName', async () => {
    nock(ORIGIN)
      .post('/v1.0/identity/conditionalAccess/policies', (body) => !('id' in body) && !('createdDateTime' in body) && body.displayName === 'CA010')
      .reply(504, graphError('GatewayTimeout', 'timeout'));
    nock(ORIGIN)
      .get('/v1.0/identity/conditionalAccess/policies')
      .query({ $filter: "displayName eq 'CA010'" })
      .reply(200, { value: [{ id: 'new-id', displayName: 'CA010' }] });
    const { gw } = makeGateway();
    const created = await createPolicy(gw, { id: 'old', createdDateTime: 'x', displayName: 'CA010', state: 'enabledForReportingButNotEnforced' });
    expect(created.id).toBe('new-id');
    expect(gw.stats().requests.conditionalAccess).toBe(2);
  });

  it('rethrows when the lookup finds nothing; PATCH and 404 get work', async () => {
    nock(ORIGIN).post('/v1.0/identity/conditionalAccess/policies').reply(503, '');
    nock(ORIGIN).get('/v1.0/identity/conditionalAccess/policies').query(true).reply(200, { value: [] });
    nock(ORIGIN).patch('/v1.0/identity/conditionalAccess/policies/p1', { state: 'enabled' }).reply(204);
    nock(ORIGIN).get('/v1.0/identity/conditionalAccess/policies/nope').reply(404, graphError('ResourceNotFound', 'no'));
    const { gw } = makeGateway();
    await expect(createPolicy(gw, { displayName: 'X' })).rejects.toMatchObject({ outcomeUnknown: true, status: 503 });
    await updatePolicy(gw, 'p1', { id: 'p1', modifiedDateTime: 'y', state: 'enabled' });
    expect(await getPolicy(gw, 'nope')).toBeUndefined();
  });
});

describe('authentication methods policy', () => {
  it('patches a method configuration with its @odata.type', async () => {
    nock(ORIGIN)
      .patch('/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/MicrosoftAuthenticator', {
        '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration',
        state: 'enabled',
      })
      .reply(204);
    nock(ORIGIN).patch('/v1.0/policies/authenticationMethodsPolicy').reply(200, { id: 'authenticationMethodsPolicy', policyVersion: '1.5' });
    const { gw } = makeGateway();
    await patchMethodConfiguration(gw, 'MicrosoftAuthenticator', 'microsoftAuthenticator', { state: 'enabled', '@odata.type': 'junk' });
    expect(await patchAuthenticationMethodsPolicy(gw, { registrationEnforcement: {} })).toMatchObject({ policyVersion: '1.5' });
    expect(methodConfigurationODataType('TemporaryAccessPass')).toBe('#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration');
    expect(methodConfigurationODataType('#microsoft.graph.fido2AuthenticationMethodConfiguration')).toBe(
      '#microsoft.graph.fido2AuthenticationMethodConfiguration',
    );
  });
});

describe('users, reports, logs, user methods', () => {
  it('gets a user by UPN (encoded) and returns undefined for a missing one', async () => {
    nock(ORIGIN).get('/v1.0/users/guest_x.com%23EXT%23%40contoso.onmicrosoft.com').query(true).reply(200, { id: 'u9' });
    nock(ORIGIN).get('/v1.0/users/nobody').query(true).reply(404, graphError('Request_ResourceNotFound', 'no'));
    const { gw } = makeGateway();
    expect(await getUser(gw, 'guest_x.com#EXT#@contoso.onmicrosoft.com')).toEqual({ id: 'u9' });
    expect(await getUser(gw, 'nobody')).toBeUndefined();
  });

  // Learn "List userRegistrationDetails", Optional query parameters: "supports only the $filter and $orderBy".
  it('reads the registration report with $filter only (no undocumented $select/$top) and keeps the asked properties itself', async () => {
    nock(ORIGIN)
      .get('/v1.0/reports/authenticationMethods/userRegistrationDetails')
      .query((q) => JSON.stringify(q) === JSON.stringify({ $filter: 'isMfaCapable eq false' }))
      .reply(200, { value: [{ id: 'u1', isMfaCapable: false, userDisplayName: 'U One' }], '@odata.nextLink': `${BASE}/reports/authenticationMethods/userRegistrationDetails?$filter=isMfaCapable%20eq%20false&$skiptoken=n` });
    nock(ORIGIN)
      .get('/v1.0/reports/authenticationMethods/userRegistrationDetails')
      .query({ $filter: 'isMfaCapable eq false', $skiptoken: 'n' })
      .reply(200, { value: [{ id: 'u2', isMfaCapable: false, userDisplayName: 'U Two' }] });
    const { gw } = makeGateway();
    expect(await listUserRegistrationDetails(gw, { filter: 'isMfaCapable eq false', select: ['id', 'isMfaCapable'] })).toEqual([
      { id: 'u1', isMfaCapable: false },
      { id: 'u2', isMfaCapable: false },
    ]);
    expect(gw.stats().requests.reports).toBe(2);
  });

  // Learn "List signIns": $top, $skiptoken, $filter; appliedConditionalAccessPolicy: reportOnly* only with Prefer: include-unknown-enum-members.
  it('lists sign-ins (documented $filter/$top, Prefer: include-unknown-enum-members, no $select) and audits in the reports class', async () => {
    nock(ORIGIN, { reqheaders: { prefer: 'include-unknown-enum-members' } })
      .get('/v1.0/auditLogs/signIns')
      .query((q) => JSON.stringify(q) === JSON.stringify({ $filter: "userId eq 'u1'", $top: '1000' }))
      .reply(200, { value: [{ id: 's1', userId: 'u1', appDisplayName: 'x' }] });
    nock(ORIGIN, { badheaders: ['prefer'] }).get('/v1.0/auditLogs/directoryAudits').query((q) => JSON.stringify(q) === JSON.stringify({ $top: '999' })).reply(200, { value: [] });
    const { gw } = makeGateway();
    expect(await listSignIns(gw, { filter: "userId eq 'u1'", select: ['id', 'userId'] })).toEqual([{ id: 's1', userId: 'u1' }]);
    expect(await listDirectoryAudits(gw, { select: ['id'] })).toEqual([]);
    expect(gw.stats().requests.reports).toBe(2);
  });

  it('settles an unknown-outcome phone creation by reading the fixed method id', async () => {
    nock(ORIGIN).post('/v1.0/users/u1/authentication/phoneMethods').replyWithError(netError('ECONNRESET', 'socket hang up'));
    nock(ORIGIN)
      .get('/v1.0/users/u1/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7')
      .reply(200, { id: '3179e48a-750b-4051-897c-87b9720928f7', phoneNumber: '+1 5555551234', phoneType: 'mobile' });
    const { gw } = makeGateway();
    const m = await createPhoneMethod(gw, 'u1', { phoneNumber: '+15555551234', phoneType: 'mobile' });
    expect(m.id).toBe('3179e48a-750b-4051-897c-87b9720928f7');
    expect(gw.stats().totalRequests).toBe(2);
  });

  it('revokes sessions and reads/writes the beta per-user MFA state', async () => {
    nock(ORIGIN).post('/v1.0/users/u1/revokeSignInSessions').reply(200, { value: true });
    nock(ORIGIN).get('/beta/users/u1/authentication/requirements').reply(200, { perUserMfaState: 'enabled' });
    nock(ORIGIN).patch('/beta/users/u1/authentication/requirements', { perUserMfaState: 'disabled' }).reply(204);
    const { gw } = makeGateway();
    expect(await revokeSignInSessions(gw, 'u1')).toBe(true);
    expect(await getPerUserMfaState(gw, 'u1')).toBe('enabled');
    await setPerUserMfaState(gw, 'u1', 'disabled');
  });
});

describe('checkMemberGroups', () => {
  it('asks at most 20 group ids per call and returns the lower-cased hits', async () => {
    const { checkMemberGroups } = await import('../../src/graph/users.js');
    const ids = Array.from({ length: 25 }, (_, i) => `G${i}`);
    const bodies: unknown[] = [];
    nock(ORIGIN)
      .post('/v1.0/users/u1/checkMemberGroups', (b: { groupIds: string[] }) => (bodies.push(b), b.groupIds.length === 20))
      .reply(200, { value: ['G3'] })
      .post('/v1.0/users/u1/checkMemberGroups', (b: { groupIds: string[] }) => (bodies.push(b), b.groupIds.length === 5))
      .reply(200, { value: ['G24'] });
    const { gw } = makeGateway();
    expect([...(await checkMemberGroups(gw, 'u1', ids))]).toEqual(['g3', 'g24']);
    expect(bodies).toHaveLength(2);
  });
});
