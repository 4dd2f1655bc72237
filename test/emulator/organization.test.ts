import { describe, expect, it } from 'vitest';
import { validateEmulatorOptions } from '../../src/emulator/index.js';
import { decodeJwtClaims } from '../../src/graph/tokenClaims.js';
import { start } from './helpers.js';

const OTHER = 'b0b0b0b0-1111-4222-8333-444455556666';
/** An unsigned JWT with these claims (the emulator, like doctor, only reads the payload). */
const jwt = (claims: Record<string, unknown>) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

describe('emulator: organization', () => {
  it('serves the tenant from /organization, $select honoured', async () => {
    const c = await start();
    try {
      const r = await c.graph('GET', '/organization?$select=id');
      expect(r.status).toBe(200);
      expect(r.json.value).toEqual([{ id: '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61' }]);
      expect((await c.graph('GET', '/organization')).json.value[0].verifiedDomains[0]).toMatchObject({ name: 'contoso.onmicrosoft.com', isDefault: true });
    } finally {
      await c.close();
    }
  });

  it('a tenantId option changes the tenant everywhere it shows (/organization, issued tokens, /info), not the objects', async () => {
    const [a, b] = await Promise.all([start(), start({ tenantId: OTHER })]);
    try {
      expect((await b.graph('GET', '/organization?$select=id')).json.value).toEqual([{ id: OTHER }]);
      expect((await b.control('GET', '/info')).json.tenantId).toBe(OTHER);
      // Same seed, same users and groups: only the tenant differs.
      expect(await b.all('/groups?$select=id,displayName')).toEqual(await a.all('/groups?$select=id,displayName'));
      const token = (await b.control('POST', '/auth', { roles: ['Policy.Read.All'] })).json.accessToken as string;
      expect(decodeJwtClaims(token)).toMatchObject({ tid: OTHER, iss: `https://sts.windows.net/${OTHER}/` });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('answers 401 to a JWT issued for another tenant, and accepts its own tenant and opaque tokens', async () => {
    const c = await start();
    try {
      const own = await c.graph('GET', '/organization', undefined, { Authorization: `Bearer ${jwt({ tid: '3F6C2A51-8D0E-4C7B-9A14-5E2B7D9C0A61' })}` });
      expect(own.status).toBe(200);
      const foreign = await c.graph('GET', '/organization', undefined, { Authorization: `Bearer ${jwt({ tid: OTHER })}` });
      expect(foreign.status).toBe(401);
      expect(foreign.json.error.code).toBe('InvalidAuthenticationToken');
      expect((await c.graph('GET', '/organization', undefined, { Authorization: 'Bearer opaque-token' })).status).toBe(200);
    } finally {
      await c.close();
    }
  });

  it('refuses a tenantId that is not a GUID', () => {
    expect(() => validateEmulatorOptions({ scenario: 'demo', tenantId: 'contoso.onmicrosoft.com' })).toThrow(/tenantId must be a lower-case GUID/);
  });
});
