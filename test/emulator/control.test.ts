import { describe, expect, it } from 'vitest';
import { CLOCK, start } from './helpers.js';

describe('emulator: control API', () => {
  it('advances the clock; new data is dated from it', async () => {
    const c = await start({ scenario: 'seeds' });
    try {
      const before = await c.control('GET', '/clock');
      expect(before.json.start).toBe(CLOCK.toISOString());
      const adv = await c.control('POST', '/clock/advance', { hours: 72, minutes: 30 });
      expect(Date.parse(adv.json.now) - CLOCK.getTime()).toBeGreaterThanOrEqual((72 * 60 + 30) * 60_000);
      expect(Date.parse(adv.json.now) - CLOCK.getTime()).toBeLessThan((72 * 60 + 31) * 60_000);
      const u = 'lynne.robbins@contoso.onmicrosoft.com';
      const row = await c.control('POST', `/users/${u}/register`, { methods: ['microsoftAuthenticator', 'mobilePhone'] });
      expect(row.json).toMatchObject({ isMfaCapable: true, isMfaRegistered: true, methodsRegistered: ['microsoftAuthenticatorPush', 'mobilePhone'] });
      expect(row.json.lastUpdatedDateTime.slice(0, 13)).toBe('2026-11-23T09');
      const report = await c.graph('GET', `/reports/authenticationMethods/userRegistrationDetails/${row.json.id}`);
      expect(report.json.isMfaCapable).toBe(true);
      const audits = await c.all(`/auditLogs/directoryAudits?$filter=${encodeURIComponent(`targetResources/any(t: t/id eq '${row.json.id}')`)}`);
      expect(audits.map((a) => a.activityDisplayName)).toContain('User registered security info');
      expect((await c.control('POST', '/audits/remove', { activityDisplayName: 'User registered security info', targetId: row.json.id })).json.removed).toBe(2);
      expect((await c.control('POST', '/clock/advance', { hours: -1 })).status).toBe(400);
    } finally {
      await c.close();
    }
  });

  it('adds sign-ins, newest first and filterable', async () => {
    const c = await start({ scenario: 'seeds' });
    try {
      const ca010 = (await c.control('GET', '/info')).json.caPolicies.find((p: any) => p.displayName.startsWith('CA010')).id;
      const added = await c.control('POST', '/signins', { upn: 'megan.bowen@contoso.onmicrosoft.com', errorCode: 50074, appliedPolicyId: ca010, count: 3 });
      expect(added.json.added).toBe(3);
      // reportOnly* results come back only with this header (Learn: appliedConditionalAccessPolicy resource).
      const r = await c.graph('GET', `/auditLogs/signIns?$filter=${encodeURIComponent('status/errorCode eq 50074 and createdDateTime ge 2026-11-20T08:00:00Z')}`, undefined, { Prefer: 'include-unknown-enum-members' });
      expect(r.json.value.length).toBeGreaterThanOrEqual(3);
      const times = r.json.value.map((s: any) => s.createdDateTime);
      expect([...times].sort().reverse()).toEqual(times);
      expect(r.json.value[0].appliedConditionalAccessPolicies[0].result).toBe('reportOnlyInterrupted');
    } finally {
      await c.close();
    }
  });

  it('two emulators with the same scenario, seed and clock serve identical data and state', async () => {
    const a = await start({ scenario: 'demo', seed: 11 });
    const b = await start({ scenario: 'demo', seed: 11 });
    try {
      for (const p of ['/reports/authenticationMethods/userRegistrationDetails?$top=500', '/auditLogs/directoryAudits?$top=200', '/identity/conditionalAccess/policies', '/auditLogs/signIns']) {
        const [x, y] = [await a.graph('GET', p), await b.graph('GET', p)];
        expect(JSON.stringify(x.json).replaceAll(a.emu.url, '')).toBe(JSON.stringify(y.json).replaceAll(b.emu.url, ''));
      }
      const write = async (c: typeof a) => {
        const g = (await c.graph('GET', "/groups?$filter=displayName eq 'CA010 - MFA enforced'")).json.value[0].id;
        const w = (await c.graph('GET', "/groups?$filter=displayName eq 'MFA Wave 0 - IT'")).json.value[0].id;
        await c.graph('PATCH', `/groups/${g}`, { 'members@odata.bind': [`https://graph.microsoft.com/v1.0/groups/${w}`] });
      };
      await write(a);
      expect((await a.control('GET', '/state')).headers.get('x-emulator-state-hash')).not.toBe((await b.control('GET', '/state')).headers.get('x-emulator-state-hash'));
      await write(b);
      const [sa, sb] = [await a.control('GET', '/state'), await b.control('GET', '/state')];
      expect(sa.headers.get('x-emulator-state-hash')).toBe(sb.headers.get('x-emulator-state-hash'));
      expect(sa.json).toEqual(sb.json);
      const log = await a.control('GET', '/requests');
      expect(log.json.writes).toEqual([expect.objectContaining({ method: 'PATCH', status: 204, outcome: 'applied' })]);
      // The counters alone (what the crash test polls) agree with the full log.
      expect((await a.control('GET', '/requests/counts')).json).toEqual({ total: log.json.total, writes: 1, inFlight: 0, held: 0 });
      // `?since=` the counters last seen: answered only once they change, here when the next request
      // arrives (in flight) or is logged (a long poll, no busy loop).
      let answered = false;
      const next = a.control('GET', `/requests/counts?since=${log.json.total},0`).then((r) => ((answered = true), r.json));
      await a.control('GET', '/requests/counts');
      expect(answered).toBe(false);
      await a.graph('GET', '/users?$top=1');
      const changed = (await next) as { total: number; inFlight: number };
      expect([changed.total, changed.inFlight]).not.toEqual([log.json.total, 0]);
      await a.control('POST', '/reset-log');
      expect((await a.control('GET', '/requests')).json.total).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('the request log tells reads apart: pages and items per distinct query, $batch items counted apart', async () => {
    const c = await start({ scenario: 'demo' });
    try {
      const staff = await c.all("/groups?$filter=displayName eq 'All Staff'&$select=id");
      await c.control('POST', '/reset-log');
      const members = await c.all(`/groups/${staff[0].id}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`);
      const r = await c.graph('POST', '/$batch', { requests: [{ id: '1', method: 'GET', url: '/policies/authenticationMethodsPolicy' }] });
      expect(r.json.responses[0].status).toBe(200);
      const log = (await c.control('GET', '/requests')).json;
      expect(log.reads[`/groups/${staff[0].id}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`]).toEqual({ cls: 'directory', pages: 3, items: members.length, inBatch: 0 });
      expect(log.reads['/policies/authenticationMethodsPolicy']).toEqual({ cls: 'directory', pages: 1, items: 1, inBatch: 1 });
      expect(log.counts).toEqual({ 'GET directory': 4, 'POST batch': 1 });
      expect(log.batchItems).toEqual({ 'GET directory': 1 });
      expect(log.writes).toEqual([]); // a $batch of reads writes nothing
    } finally {
      await c.close();
    }
  });

  it('a paused registration report keeps showing the old row while methods and audits move on, and catches up when live again', async () => {
    const c = await start({ scenario: 'seeds' });
    try {
      const u = 'lynne.robbins@contoso.onmicrosoft.com'; // no method at all
      const before = await c.graph('GET', `/reports/authenticationMethods/userRegistrationDetails/${u}`);
      expect(before.json.isMfaCapable).toBe(false);
      expect((await c.control('POST', '/report', { refresh: 'paused' })).json).toEqual({ refresh: 'paused' });
      await c.control('POST', '/clock/advance', { hours: 2 });
      await c.control('POST', `/users/${u}/register`, { methods: ['microsoftAuthenticator'] });
      const methods = await c.graph('GET', `/users/${u}/authentication/methods`);
      expect(methods.json.value.map((m: any) => m['@odata.type'])).toContain('#microsoft.graph.microsoftAuthenticatorAuthenticationMethod');
      const audits = await c.all(`/auditLogs/directoryAudits?$filter=${encodeURIComponent(`targetResources/any(t: t/id eq '${before.json.id}')`)}`);
      expect(audits.map((a) => a.activityDisplayName)).toContain('User registered security info');
      const stale = await c.graph('GET', `/reports/authenticationMethods/userRegistrationDetails/${u}`);
      expect(stale.json).toEqual(before.json);
      const listed = await c.all(`/reports/authenticationMethods/userRegistrationDetails?$filter=${encodeURIComponent(`userPrincipalName eq '${u}'`)}`);
      expect(listed).toEqual([expect.objectContaining({ isMfaCapable: false, lastUpdatedDateTime: before.json.lastUpdatedDateTime })]);
      expect((await c.control('POST', '/report', { refresh: 'live' })).json).toEqual({ refresh: 'live' });
      const fresh = await c.graph('GET', `/reports/authenticationMethods/userRegistrationDetails/${u}`);
      expect(fresh.json).toMatchObject({ isMfaCapable: true, methodsRegistered: ['microsoftAuthenticatorPush'] });
      expect(Date.parse(fresh.json.lastUpdatedDateTime)).toBeGreaterThan(Date.parse(before.json.lastUpdatedDateTime));
      expect((await c.control('POST', '/report', { refresh: 'later' })).status).toBe(400);
    } finally {
      await c.close();
    }
  });
  it('a frozen clock serves its start until advanced, and the Date header follows it', async () => {
    const c = await start({ scenario: 'seeds', frozenClock: true });
    try {
      expect((await c.control('GET', '/clock')).json.now).toBe('2026-11-20T09:00:00Z');
      expect(new Date((await c.graph('GET', '/groups?$top=1')).headers.get('date')!).toISOString()).toBe(CLOCK.toISOString());
      expect((await c.control('POST', '/clock/advance', { hours: 1 })).json.now).toBe('2026-11-20T10:00:00Z');
    } finally {
      await c.close();
    }
  });
});

describe('emulator: a crash test hold point (POST /_emulator/hold)', () => {
  it('runs the first writes and the allowed further requests, holds every later one unrun until release, then runs it', async () => {
    const c = await start({ scenario: 'seeds', throttle: false });
    try {
      const u = 'lynne.robbins@contoso.onmicrosoft.com';
      expect((await c.control('POST', '/hold', { afterWrites: 1, moreRequests: 1 })).status).toBe(204);
      // Before the first write, reads pass; the write runs; one more request passes.
      expect((await c.graph('GET', `/users/${u}`)).status).toBe(200);
      expect((await c.graph('POST', `/users/${u}/authentication/emailMethods`, { emailAddress: 'lynne@example.com' })).status).toBe(201);
      const email = (await c.graph('GET', `/users/${u}/authentication/emailMethods`)).json.value[0].id as string;
      // The next write arrives and is held: not run, not answered.
      let answered = false;
      const heldWrite = c.graph('DELETE', `/users/${u}/authentication/emailMethods/${email}`).then((r) => ((answered = true), r));
      let counts = (await c.control('GET', '/requests/counts')).json;
      // Until the emulator reports the hold, or the write was answered after all (then the checks below fail).
      while (counts.held === 0 && !answered) {
        const since = `/requests/counts?since=${counts.total},${counts.inFlight}`;
        counts = (await Promise.race([c.control('GET', since), heldWrite.then(() => ({ json: counts }))])).json;
      }
      expect(counts).toMatchObject({ held: 1, inFlight: 1, writes: 1 });
      expect(answered).toBe(false);
      expect(JSON.stringify((await c.control('GET', '/state')).json)).toContain('lynne@example.com');
      expect((await c.control('POST', '/release')).status).toBe(204);
      expect((await heldWrite).status).toBe(204);
      expect(JSON.stringify((await c.control('GET', '/state')).json)).not.toContain('lynne@example.com');
      expect((await c.control('GET', '/requests/counts')).json).toMatchObject({ held: 1, inFlight: 0, writes: 2 });
      // After release nothing is held.
      expect((await c.graph('GET', `/users/${u}`)).status).toBe(200);
    } finally {
      await c.close();
    }
  });

  it('holds the write items of a $batch that come after the point, the envelope unanswered until release', async () => {
    const c = await start({ scenario: 'seeds', throttle: false });
    try {
      const upns = ['lynne.robbins@contoso.onmicrosoft.com', 'megan.bowen@contoso.onmicrosoft.com', 'alex.wilber@contoso.onmicrosoft.com'];
      const requests = upns.map((u, i) => ({ id: String(i + 1), method: 'POST', url: `/users/${u}/authentication/emailMethods`, headers: { 'content-type': 'application/json' }, body: { emailAddress: `held${i}@example.com` } }));
      expect((await c.control('POST', '/hold', { afterWrites: 1, moreRequests: 0 })).status).toBe(204);
      let answered = false;
      const batch = c.graph('POST', '/$batch', { requests }).then((r) => ((answered = true), r));
      let counts = (await c.control('GET', '/requests/counts')).json;
      while (counts.held === 0 && !answered) {
        const since = `/requests/counts?since=${counts.total},${counts.inFlight},${counts.held}`;
        counts = (await Promise.race([c.control('GET', since), batch.then(() => ({ json: counts }))])).json;
      }
      // The first item ran, the second waits (held), the third has not started.
      expect(counts).toMatchObject({ held: 1, writes: 1, inFlight: 1 });
      expect(answered).toBe(false);
      expect((await c.control('POST', '/release')).status).toBe(204);
      const r = await batch;
      expect(r.status).toBe(200);
      expect(r.json.responses.map((x: { status: number }) => x.status)).toEqual([201, 201, 201]);
      expect((await c.control('GET', '/requests/counts')).json).toMatchObject({ held: 1, inFlight: 0 });
    } finally {
      await c.close();
    }
  });

  it('refuses a hold point that is not whole numbers of 0 or more', async () => {
    const c = await start({ scenario: 'seeds' });
    try {
      expect((await c.control('POST', '/hold', { afterWrites: -1 })).status).toBe(400);
      expect((await c.control('POST', '/hold', { afterWrites: 1, moreRequests: 'two' })).status).toBe(400);
    } finally {
      await c.close();
    }
  });
});
