// Learn "Delete phoneAuthenticationMethod": "If the phone number is the user's default Azure
// multi-factor authentication (MFA) authentication method, it can't be deleted."
import { describe, expect, it } from 'vitest';
import { start } from './helpers.js';

const MOBILE = '3179e48a-750b-4051-897c-87b9720928f7';

describe('emulator: the default MFA phone', () => {
  it('refuses to delete the default phone while other MFA methods remain (Graph badRequest), allows it once it is the last one', async () => {
    const c = await start();
    try {
      const upn = (await c.graph('GET', '/users?$top=1&$select=userPrincipalName')).json.value[0].userPrincipalName;
      // No Authenticator: the mobile phone is the default (report: userPreferredMethodForSecondaryAuthentication sms).
      const methods = await c.all(`/users/${upn}/authentication/methods`);
      for (const m of methods.filter((x) => !String(x['@odata.type']).endsWith('passwordAuthenticationMethod'))) {
        const collection = String(m['@odata.type']).replace('#microsoft.graph.', '').replace('AuthenticationMethod', 'Methods');
        expect((await c.graph('DELETE', `/users/${upn}/authentication/${collection}/${m.id}`)).status).toBe(204);
      }
      await c.control('POST', `/users/${upn}/register`, { methods: ['mobilePhone', 'fido2'] });
      const refused = await c.graph('DELETE', `/users/${upn}/authentication/phoneMethods/${MOBILE}`);
      expect(refused.status).toBe(400);
      expect(refused.json.error).toMatchObject({ code: 'badRequest', message: expect.stringMatching(/default method/) });
      const fido = (await c.all(`/users/${upn}/authentication/fido2Methods`))[0];
      expect((await c.graph('DELETE', `/users/${upn}/authentication/fido2Methods/${fido.id}`)).status).toBe(204);
      expect((await c.graph('DELETE', `/users/${upn}/authentication/phoneMethods/${MOBILE}`)).status).toBe(204);
      // With a verified Authenticator (push is the default) the mobile phone is not the default: deletable.
      await c.control('POST', `/users/${upn}/register`, { methods: ['mobilePhone', 'microsoftAuthenticator'] });
      expect((await c.graph('DELETE', `/users/${upn}/authentication/phoneMethods/${MOBILE}`)).status).toBe(204);
    } finally {
      await c.close();
    }
  });
});
