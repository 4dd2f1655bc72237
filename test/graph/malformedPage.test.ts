import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORIGIN, makeGateway, setupNock, teardownNock } from './helpers.js';

beforeEach(setupNock);
afterEach(teardownNock);

describe('a malformed collection page', () => {
  it('names the request and its request-id, on one line', async () => {
    nock(ORIGIN).get('/v1.0/groups').query(true).reply(200, { '@odata.context': 'x' }, { 'request-id': 'rid-42' });
    const { gw } = makeGateway();
    const err = await gw.listAll("/groups?$filter=displayName eq 'A'").catch((e: Error) => e);
    expect((err as Error).message).toBe(`Graph GET /groups?$filter=displayName eq 'A' failed: 200: malformed response: a collection without a "value" array (request-id rid-42)`);
  });
});
