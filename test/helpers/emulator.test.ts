// The e2e tests' write counts rest on tenant.writes(): raw it is what was sent, with `tookEffect` a
// write the throttle refused (and the client sent again) must not count twice, while every other
// refusal still shows.
import { afterEach, describe, expect, it } from 'vitest';
import { refusedByThrottle, startTestTenant, type TestTenant } from './emulator.js';

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

describe('tenant.writes({ tookEffect: true })', () => {
  it('leaves out a write answered 429 and sent again; keeps a write that failed otherwise', async () => {
    // The first PATCH is answered 429 before it runs; the first DELETE 503 (not a throttle answer).
    tenant = await startTestTenant({ scenario: 'seeds', faults: '429:1@PATCH#1,503:1@DELETE#1' });
    const groups = (await tenant.graph('GET', '/groups?$top=1')).body as { value: Array<{ id: string }> };
    const id = groups.value[0]!.id;
    await tenant.control('POST', '/reset-log');

    // tenant.graph waits out the 429 and sends the PATCH again, like any Graph client.
    expect((await tenant.graph('PATCH', `/groups/${id}`, { description: 'written once' })).status).toBe(204);
    expect((await tenant.graph('DELETE', `/groups/${id}`)).status).toBe(503);

    const sent = (await tenant.writes()).map((w) => `${w.method} ${w.status} ${w.outcome}`);
    expect(sent).toEqual(['PATCH 429 fault', 'PATCH 204 applied', 'DELETE 503 fault']);
    const tookEffect = (await tenant.writes({ tookEffect: true })).map((w) => `${w.method} ${w.status} ${w.outcome}`);
    expect(tookEffect).toEqual(['PATCH 204 applied', 'DELETE 503 fault']);
  });

  it("Graph's own throttle answer (outcome throttled) is left out too; a 429 that ran is not a throttle refusal", () => {
    expect(refusedByThrottle({ status: 429, outcome: 'throttled' })).toBe(true);
    expect(refusedByThrottle({ status: 429, outcome: 'fault' })).toBe(true);
    expect(refusedByThrottle({ status: 503, outcome: 'fault' })).toBe(false);
    expect(refusedByThrottle({ status: 429, outcome: 'damaged' })).toBe(false);
    expect(refusedByThrottle({ status: 204, outcome: 'applied' })).toBe(false);
  });
});
