import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, groupId, start } from './helpers.js';

describe('emulator: what the users commands rely on', () => {
  let c: Client;
  beforeAll(async () => {
    c = await start({ scenario: 'seeds' });
  });
  afterAll(() => c.close());

  it('checkMemberGroups answers the groups the user is in, nesting followed, at most 20 ids', async () => {
    const [sales, early, pilot] = await Promise.all(['MFA Wave 1 - Sales', 'MFA Wave 1 - Early adopters', 'MFA Wave 0 - IT'].map((n) => groupId(c, n)));
    // grady.archie is only in Sales, which is nested inside the early adopters wave.
    const r = await c.graph('POST', '/users/grady.archie@contoso.onmicrosoft.com/checkMemberGroups', { groupIds: [sales, early, pilot] });
    expect(r.status).toBe(200);
    expect(r.json.value.sort()).toEqual([sales, early].sort());
    const tooMany = await c.graph('POST', '/users/grady.archie@contoso.onmicrosoft.com/checkMemberGroups', { groupIds: Array.from({ length: 21 }, () => sales) });
    expect(tooMany.status).toBe(400);
    expect((await c.graph('POST', '/users/nobody@contoso.onmicrosoft.com/checkMemberGroups', { groupIds: [sales] })).status).toBe(404);
  });

  it('counts HTTP requests apart from $batch items', async () => {
    await c.control('POST', '/reset-log');
    await c.graph('GET', '/users/lynne.robbins@contoso.onmicrosoft.com');
    await c.graph('POST', '/$batch', {
      requests: [
        { id: '1', method: 'GET', url: '/users/lynne.robbins@contoso.onmicrosoft.com' },
        { id: '2', method: 'GET', url: '/users/alex.wilber@contoso.onmicrosoft.com' },
      ],
    });
    const log = (await c.control('GET', '/requests')).json;
    expect(log.httpRequests).toBe(2);
    expect(log.total).toBe(4);
  });
});
