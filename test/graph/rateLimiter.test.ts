import { describe, expect, it } from 'vitest';
import { RateLimiter, classifyPath } from '../../src/graph/rateLimiter.js';
import { fakeClock } from './helpers.js';

describe('classifyPath', () => {
  it('puts reports and audit logs together, CA apart, the rest in directory', () => {
    expect(classifyPath('/reports/authenticationMethods/userRegistrationDetails?$top=999')).toBe('reports');
    expect(classifyPath('/auditLogs/signIns')).toBe('reports');
    expect(classifyPath('/identity/conditionalAccess/policies/1')).toBe('conditionalAccess');
    expect(classifyPath('/groups?$filter=x')).toBe('directory');
    expect(classifyPath('/reportsX')).toBe('directory');
  });
});

describe('RateLimiter', () => {
  it('spaces the reports class to 5 starts per 10 s', async () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ clock });
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        const release = await limiter.acquire('reports');
        starts.push(clock.now());
        release();
      }),
    );
    expect(starts).toEqual([0, 0, 0, 0, 0, 10_000, 10_000, 10_000, 10_000, 10_000, 20_000, 20_000]);
  });

  it('spaces conditional access to 1 per second and honours timeScale', async () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ clock, timeScale: 0.1 });
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const release = await limiter.acquire('conditionalAccess');
      starts.push(clock.now());
      release();
    }
    expect(starts).toEqual([0, 100, 200, 300]);
  });

  it('pauses a whole class after a 429 and leaves other classes alone', async () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ clock });
    limiter.pause('directory', 3000);
    (await limiter.acquire('reports'))();
    expect(clock.now()).toBe(0);
    (await limiter.acquire('directory'))();
    expect(clock.now()).toBe(3000);
  });

  it('caps concurrency and charges costs', async () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ clock, limits: { directory: { limit: 100, intervalMs: 1000, concurrency: 2 } } });
    const r1 = await limiter.acquire('directory');
    const r2 = await limiter.acquire('directory');
    let third = false;
    const p = limiter.acquire('directory').then((r) => {
      third = true;
      return r;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBe(false);
    r1();
    (await p)();
    expect(third).toBe(true);
    r2();
    const clock2 = fakeClock(0);
    const costly = new RateLimiter({ clock: clock2 });
    (await costly.acquire('reports', 4))();
    (await costly.acquire('reports', 2))();
    expect(clock2.now()).toBe(10_000);
    const clock3 = fakeClock(0);
    const ca = new RateLimiter({ clock: clock3 });
    (await ca.acquire('conditionalAccess', 20))();
    (await ca.acquire('conditionalAccess'))();
    expect(clock3.now()).toBe(20_000);
  });
});
