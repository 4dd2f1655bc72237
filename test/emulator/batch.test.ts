import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, groupId, start } from './helpers.js';

describe('emulator: $batch', () => {
  let c: Client;
  beforeAll(async () => {
    c = await start({ scenario: 'seeds' });
  });
  afterAll(() => c.close());

  it('runs items with their own status, headers and body; honours dependsOn', async () => {
    const g = await groupId(c, 'CA010 - MFA enforced');
    const lynne = (await c.graph('GET', '/users/lynne.robbins@contoso.onmicrosoft.com')).json.id;
    const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${lynne}` };
    const json = { 'Content-Type': 'application/json' };
    const r = await c.graph('POST', '/$batch', {
      requests: [
        { id: 'add', method: 'POST', url: `/groups/${g}/members/$ref`, headers: json, body: ref },
        { id: 'again', method: 'POST', url: `groups/${g}/members/$ref`, headers: json, body: ref, dependsOn: ['add'] },
        { id: 'after-failure', method: 'GET', url: `/groups/${g}/members`, dependsOn: ['again'] },
        { id: 'missing', method: 'GET', url: '/groups/00000000-1111-4222-8333-444444444444' },
        { id: 'list', method: 'GET', url: `/groups/${g}/members?$select=id` },
      ],
    });
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(r.json.responses.map((x: any) => [x.id, x]));
    expect(byId.add.status).toBe(204);
    expect(byId.again.status).toBe(400);
    expect(byId.again.body.error.code).toBe('Request_BadRequest');
    expect(byId['after-failure'].status).toBe(424);
    expect(byId.missing.status).toBe(404);
    expect(byId.list.status).toBe(200);
    expect(byId.list.headers['Content-Type']).toBe('application/json');
    expect(byId.list.body.value).toEqual([{ '@odata.type': '#microsoft.graph.user', id: lynne }]);
    const log = await c.control('GET', '/requests');
    const writes = log.json.writes.filter((w: any) => w.inBatch);
    expect(writes.map((w: any) => w.status)).toEqual([204, 400]);
  });

  it('returns responses in an order that is not always the request order', async () => {
    const requests = Array.from({ length: 20 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/users?$top=1&$select=id' }));
    const r = await c.graph('POST', '/$batch', { requests });
    const ids = r.json.responses.map((x: any) => x.id);
    expect([...ids].sort((a: string, b: string) => Number(a) - Number(b))).toEqual(requests.map((q) => q.id));
    expect(ids).not.toEqual(requests.map((q) => q.id));
  });
});
