// Which tenant the gateway reaches: the token's tid claim and GET /organization
// (https://learn.microsoft.com/graph/api/organization-list: a collection holding the one organization,
// whose id is the tenant id; Organization.Read.All or Directory.Read.All, else 403).
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { staticTokenProvider } from '../../src/graph/credentials.js';
import { readReachedTenant } from '../../src/graph/reachedTenant.js';
import { ORIGIN, graphError, makeGateway, setupNock, teardownNock } from './helpers.js';

beforeEach(setupNock);
afterEach(teardownNock);

const A = '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61';
const B = 'b0b0b0b0-1111-4222-8333-444455556666';
const jwt = (claims: Record<string, unknown>) => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
const withToken = (token: string) => makeGateway({ tokenProvider: staticTokenProvider(token), retry: { maxAttempts: 1 } }).gw;
const organization = () => nock(ORIGIN).get('/v1.0/organization').query({ $select: 'id' });

describe('readReachedTenant', () => {
  it('token and /organization agree (case aside): both are named as the source', async () => {
    organization().reply(200, { value: [{ id: A }] });
    await expect(readReachedTenant(withToken(jwt({ tid: A.toUpperCase() })))).resolves.toEqual({ tenantId: A, via: ['token', 'organization'] });
  });

  it('token for one tenant, Graph serving another: an error naming both', async () => {
    organization().reply(200, { value: [{ id: B }] });
    await expect(readReachedTenant(withToken(jwt({ tid: A })))).rejects.toThrow(`the token is for tenant ${A}, but http://127.0.0.1:8765/v1.0 serves tenant ${B}`);
  });

  it('without Organization.Read.All (403) the token tid is enough; with an opaque token it is not', async () => {
    organization().reply(403, graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'));
    await expect(readReachedTenant(withToken(jwt({ tid: A })))).resolves.toEqual({ tenantId: A, via: ['token'] });
    organization().reply(403, graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'));
    await expect(readReachedTenant(withToken('opaque'))).rejects.toThrow(/403/);
  });

  it('an opaque token: /organization alone decides', async () => {
    organization().reply(200, { value: [{ id: B }] });
    await expect(readReachedTenant(withToken('opaque'))).resolves.toEqual({ tenantId: B, via: ['organization'] });
  });

  it('ids that are not GUIDs are refused, shown quoted and without control characters', async () => {
    organization().reply(200, { value: [{ id: 'evil\u001b[31m\u009b2J' }] });
    const err = await readReachedTenant(withToken('opaque')).catch((e: Error) => e);
    expect((err as Error).message).toBe('GET /organization at http://127.0.0.1:8765/v1.0 names tenant "evil\\u001b[31m?2J", which is not a tenant id (a GUID)');
    // A bad tid claim stops before any request.
    await expect(readReachedTenant(withToken(jwt({ tid: 'contoso.com' })))).rejects.toThrow(/the token's tid claim names tenant "contoso.com"/);
  });

  it('no organization and no tid claim: cannot tell, says why', async () => {
    organization().reply(200, { value: [] });
    const err = await readReachedTenant(withToken('opaque')).catch((e: Error & { detail?: string }) => e);
    expect((err as Error).message).toBe('cannot tell which tenant Graph serves, so nothing was read');
    expect((err as { detail?: string }).detail).toContain('/organization: GET /organization returned 0 organizations');
  });
});
