import { describe, expect, it } from 'vitest';
import { RateLimiter, classifyPath, requestCost } from '../../src/graph/rateLimiter.js';
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

// Learn "Microsoft Graph service-specific throttling limits": identity and access reports list the
// authenticationMethod resource (limit unsure: adaptive class); directory costs are resource units.
describe('throttle classes and resource-unit costs (Learn: service-specific throttling limits)', () => {
  it('puts per-user authentication-method calls in their own adaptive class', () => {
    expect(classifyPath('/users/u1/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7')).toBe('authMethods');
    expect(classifyPath('/users/a%40b.com/authentication/requirements')).toBe('authMethods');
    expect(classifyPath('/users/u1/revokeSignInSessions')).toBe('directory');
    expect(new RateLimiter().limits.authMethods.adaptive).toBe(true);
  });

  it('costs directory requests in resource units: GET users 2, members 3, transitiveMembers 5, checkMemberGroups 4; $select -1, $expand +1, $top<20 -1, at least 1', () => {
    expect(requestCost('GET', '/users')).toBe(2);
    expect(requestCost('GET', '/users?$select=id&$top=999')).toBe(1);
    expect(requestCost('GET', '/groups/g1/members')).toBe(3);
    expect(requestCost('GET', '/groups/g1/transitiveMembers/microsoft.graph.user?$select=id&$top=999')).toBe(4);
    expect(requestCost('GET', '/groups/g1/transitiveMembers?$expand=x')).toBe(6);
    expect(requestCost('GET', '/users?$select=id&$top=1')).toBe(1);
    expect(requestCost('POST', '/users/u1/checkMemberGroups')).toBe(4);
    expect(requestCost('PATCH', '/groups/g1')).toBe(1);
    expect(requestCost('GET', '/groups?$filter=x')).toBe(1);
    // Other classes count requests.
    expect(requestCost('GET', '/auditLogs/signIns?$top=1000')).toBe(1);
    expect(new RateLimiter().limits.directory).toMatchObject({ limit: 3500, intervalMs: 10_000 });
  });

  it('an adaptive class waits out the odd 429 without slowing down (fewer than half of its requests throttled)', async () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ clock, limits: { authMethods: { limit: 20, intervalMs: 1000 } } });
    for (let i = 0; i < 10; i++) (await limiter.acquire('authMethods'))();
    limiter.pause('authMethods', 50);
    clock.advance(100);
    limiter.pause('authMethods', 50);
    expect(limiter.currentPace('authMethods')).toEqual({ limit: 20, intervalMs: 1000 });
    clock.advance(100);
    for (let i = 0; i < 4; i++) {
      limiter.pause('authMethods', 50);
      clock.advance(100);
    }
    expect(limiter.currentPace('authMethods').limit).toBeLessThan(20);
  });

  it('an adaptive class slows on a 429 (once per burst): to one start per Retry-After, else halved, then a longer window; it recovers after clean windows', async () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter({ clock, limits: { authMethods: { limit: 4, intervalMs: 1000 } } });
    limiter.pause('authMethods', 100); // shorter than the pace's own spacing (250 ms): halve
    limiter.pause('authMethods', 100); // the same burst: no second slowdown
    expect(limiter.currentPace('authMethods')).toEqual({ limit: 2, intervalMs: 1000 });
    clock.advance(200);
    limiter.pause('authMethods', 100);
    expect(limiter.currentPace('authMethods')).toEqual({ limit: 1, intervalMs: 1000 });
    clock.advance(200);
    limiter.pause('authMethods', 100);
    expect(limiter.currentPace('authMethods')).toEqual({ limit: 1, intervalMs: 2000 });
    clock.advance(200);
    limiter.pause('authMethods', 5000); // Graph says one more unit in 5 s: that is the pace now
    expect(limiter.currentPace('authMethods')).toEqual({ limit: 1, intervalMs: 5000 });
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const release = await limiter.acquire('authMethods');
      starts.push(clock.now());
      release();
    }
    // One start per 5 s window; each clean window then halves the window back to 1 s, then the starts per window climb.
    expect(starts.slice(1).map((t, i) => t - starts[i]!)).toEqual([5000, 2500, 1250, 1000]);
    expect(limiter.currentPace('authMethods')).toEqual({ limit: 2, intervalMs: 1000 });
    // Classes that are not adaptive keep their pace.
    limiter.pause('reports', 100);
    expect(limiter.limits.reports.limit).toBe(5);
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
