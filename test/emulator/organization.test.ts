import { describe, expect, it } from 'vitest';
import { start } from './helpers.js';

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
});
