import { describe, expect, it } from 'vitest';
import { decodeJwtClaims, grantedPermissions } from '../../src/graph/tokenClaims.js';
import { makeGateway } from './helpers.js';
import { staticTokenProvider } from '../../src/graph/credentials.js';

const jwt = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('access token claims', () => {
  it('reads the payload of a JWT and nothing of an opaque token', () => {
    expect(decodeJwtClaims(jwt({ tid: 't', roles: ['A'] }))).toEqual({ tid: 't', roles: ['A'] });
    expect(decodeJwtClaims('test-token')).toBeUndefined();
    expect(decodeJwtClaims('a.b.c')).toBeUndefined(); // "b" is not base64url JSON
    expect(decodeJwtClaims(`x.${Buffer.from('[1]').toString('base64url')}.y`)).toBeUndefined();
  });

  it('application tokens grant their roles; delegated tokens their scp scopes', () => {
    const app = grantedPermissions({ idtyp: 'app', roles: ['Policy.Read.All', 'Group.Read.All', 'Policy.Read.All'], tid: 'tenant', appid: 'client', exp: 0 });
    expect(app).toEqual({ kind: 'application', permissions: ['Group.Read.All', 'Policy.Read.All'], tenantId: 'tenant', appId: 'client', expiresAt: '1970-01-01T00:00:00.000Z' });
    const user = grantedPermissions({ scp: 'Policy.Read.All  User.Read', upn: 'admin@contoso.com', roles: ['ignored'] });
    expect(user).toMatchObject({ kind: 'delegated', permissions: ['Policy.Read.All', 'User.Read'], user: 'admin@contoso.com' });
  });

  it('the gateway reports grants from its token, or why it cannot', async () => {
    const withJwt = makeGateway({ tokenProvider: staticTokenProvider(jwt({ roles: ['AuditLog.Read.All'] })) }).gw;
    await expect(withJwt.tokenGrants()).resolves.toEqual({ grants: { kind: 'application', permissions: ['AuditLog.Read.All'] } });
    const opaque = makeGateway().gw;
    await expect(opaque.tokenGrants()).resolves.toMatchObject({ reason: expect.stringContaining('not a JWT') });
    const anonymous = makeGateway({ tokenProvider: undefined }).gw;
    await expect(anonymous.tokenGrants()).resolves.toMatchObject({ reason: expect.stringContaining('anonymous') });
  });
});
