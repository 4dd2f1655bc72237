import { describe, expect, it } from 'vitest';
import { Throttler } from '../../src/emulator/throttle.js';
import { start } from './helpers.js';

describe('emulator: throttling', () => {
  it('reports class: 5 requests per 10 s, then 429 with Retry-After', async () => {
    const c = await start({ throttle: true });
    try {
      const answers: Array<Awaited<ReturnType<typeof c.graph>>> = [];
      for (let i = 0; i < 7; i++) answers.push(await c.graph('GET', '/auditLogs/signIns?$top=1'));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
      for (const r of answers.slice(5)) {
        expect(r.json.error.code).toBe('TooManyRequests');
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // Other classes are unaffected.
      expect((await c.graph('GET', '/users?$top=1')).status).toBe(200);
      const log = await c.control('GET', '/requests');
      expect(log.json.counts['GET reports']).toBe(7);
      expect(log.json.throttled).toBe(2);
    } finally {
      await c.close();
    }
  });

  it('conditional access: about 1 request/s and 429s without Retry-After', async () => {
    const c = await start({ throttle: true });
    try {
      const a = await c.graph('GET', '/identity/conditionalAccess/policies');
      const b = await c.graph('GET', '/identity/conditionalAccess/policies');
      expect(a.status).toBe(200);
      expect(b.status).toBe(429);
      expect(b.headers.get('retry-after')).toBeNull();
    } finally {
      await c.close();
    }
  });

  it('timeScale speeds refill up; throttling can be switched off', async () => {
    // The refill on a clock the test moves (the Throttler takes `now`), not on the machine's speed:
    // reports hold 5 and refill 0.5 per second, 1000 times faster here (one request per 2 ms).
    const at = (timeScale: number) => {
      const t = new Throttler(true, timeScale);
      for (let i = 0; i < 5; i++) expect(t.check('reports', 'GET', 0)).toBeUndefined();
      return t;
    };
    const fast = at(1000);
    expect(Number(fast.check('reports', 'GET', 0)?.retryAfterSeconds)).toBeCloseTo(0.002, 5);
    expect(fast.check('reports', 'GET', 2)).toBeUndefined();
    const real = at(1);
    expect(Number(real.check('reports', 'GET', 0)?.retryAfterSeconds)).toBe(2);
    expect(real.check('reports', 'GET', 2)).toBeDefined();
    expect(real.check('reports', 'GET', 2000)).toBeUndefined();

    // The emulator hands its timeScale to the throttle: slowed 100 times, the sixth report read
    // waits 200 s (2 s at scale 1), which no machine's slowness can refill in between.
    const c = await start({ throttle: true, timeScale: 0.01 });
    try {
      for (let i = 0; i < 5; i++) expect((await c.graph('GET', '/auditLogs/signIns?$top=1')).status).toBe(200);
      const r = await c.graph('GET', '/auditLogs/signIns?$top=1');
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(100);
      await c.control('POST', '/throttle', { enabled: false });
      for (let i = 0; i < 20; i++) expect((await c.graph('GET', '/auditLogs/signIns?$top=1')).status).toBe(200);
    } finally {
      await c.close();
    }
  });

  it('batch items are throttled individually, each 429 with its own Retry-After', async () => {
    const c = await start({ throttle: true });
    try {
      const requests = Array.from({ length: 8 }, (_, i) => ({ id: `r${i}`, method: 'GET', url: '/reports/authenticationMethods/userRegistrationDetails?$top=1' }));
      const r = await c.graph('POST', '/$batch', { requests });
      expect(r.status).toBe(200);
      const byStatus = (s: number) => r.json.responses.filter((x: any) => x.status === s);
      expect(byStatus(200)).toHaveLength(5);
      expect(byStatus(429)).toHaveLength(3);
      for (const item of byStatus(429)) expect(Number(item.headers['Retry-After'])).toBeGreaterThan(0);
    } finally {
      await c.close();
    }
  });
});

// Learn "Microsoft Graph service-specific throttling limits", identity and access service limits.
describe('emulator: directory resource units and the authentication-method class', () => {
  it('costs requests per the base-cost table and its modifiers', async () => {
    const { resourceUnitCost } = await import('../../src/emulator/throttle.js');
    const q = (s: string) => new Map(new URLSearchParams(s));
    expect(resourceUnitCost('GET', '/users', q(''))).toBe(2);
    expect(resourceUnitCost('GET', '/users', q('$select=id'))).toBe(1);
    expect(resourceUnitCost('GET', '/groups/g/members', q(''))).toBe(3);
    expect(resourceUnitCost('GET', '/groups/g/transitiveMembers/microsoft.graph.user', q('$select=id&$top=999'))).toBe(4);
    expect(resourceUnitCost('GET', '/groups/g/transitiveMembers', q('$top=5'))).toBe(4);
    expect(resourceUnitCost('POST', '/users/u/checkMemberGroups', q(''))).toBe(4);
    expect(resourceUnitCost('PATCH', '/groups/g', q(''))).toBe(1);
  });

  it('sizes the unit bucket by tenant (3,500 / 5,000 / 8,000 per 10 s) and keeps the write quota (3,000 per 150 s) apart', async () => {
    const { Throttler } = await import('../../src/emulator/throttle.js');
    const allowed = (userCount: number, units: number) => {
      const t = new Throttler(true, 1, userCount);
      let n = 0;
      while (t.check('directory', 'GET', 0, units) === undefined) n++;
      return n;
    };
    expect(allowed(10, 5)).toBe(700);
    expect(allowed(100, 5)).toBe(1000);
    expect(allowed(1000, 5)).toBe(1600);
    const t = new Throttler(true, 1, 1000);
    let writes = 0;
    while (t.check('directory', 'DELETE', 0, 1) === undefined) writes++;
    expect(writes).toBe(3000);
    expect(t.check('directory', 'GET', 0, 1)).toBeUndefined(); // reads still have units left
    const verdict = t.check('directory', 'POST', 0, 1)!;
    expect(Number(verdict.retryAfterSeconds)).toBeGreaterThan(0);
  });

  for (const authMethods of ['directory', 'reports'] as const) {
    it(`per-user method reads under the ${authMethods} limit: the client finishes them all, throttled only under the reports reading`, async () => {
      const c = await start({ throttle: true, timeScale: 20 });
      try {
        expect((await c.control('POST', '/throttle', { authMethods })).json).toEqual({ enabled: true, authMethods });
        const { connectGraph } = await import('../../src/graph/index.js');
        const gw = await connectGraph({ graphUrl: c.emu.graphBaseUrl, token: 'test-token', timeScale: 20 });
        const users = (await c.graph('GET', '/users?$top=12&$select=id')).json.value.map((u: { id: string }) => u.id);
        const results = await gw.batch(users.map((id: string) => ({ method: 'GET' as const, url: `/users/${id}/authentication/methods` })));
        expect(results.every((r) => r.ok)).toBe(true);
        const log = (await c.control('GET', '/requests')).json;
        if (authMethods === 'reports') {
          expect(log.throttled).toBeGreaterThan(0);
          expect(gw.stats().throttledByClass.authMethods).toBeGreaterThan(0);
        } else expect(log.throttled).toBe(0);
      } finally {
        await c.close();
      }
    });
  }
});
