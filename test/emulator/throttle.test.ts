import { describe, expect, it } from 'vitest';
import { start } from './helpers.js';

describe('emulator: throttling', () => {
  it('reports class: 5 requests per 10 s, then 429 with Retry-After', async () => {
    const c = await start({ throttle: true });
    try {
      const codes: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 7; i++) {
        const r = await c.graph('GET', '/auditLogs/signIns?$top=1');
        codes.push(r.status);
        if (r.status === 429) {
          retryAfter = r.headers.get('retry-after');
          expect(r.json.error.code).toBe('TooManyRequests');
        }
      }
      expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(codes[5]).toBe(429);
      expect(Number(retryAfter)).toBeGreaterThan(0);
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
    const c = await start({ throttle: true, timeScale: 1000 });
    try {
      for (let i = 0; i < 5; i++) await c.graph('GET', '/auditLogs/signIns?$top=1');
      const r = await c.graph('GET', '/auditLogs/signIns?$top=1');
      if (r.status === 429) expect(Number(r.headers.get('retry-after'))).toBeLessThan(0.1);
      await new Promise((res) => setTimeout(res, 20));
      expect((await c.graph('GET', '/auditLogs/signIns?$top=1')).status).toBe(200);
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
