/**
 * Graph fidelity (issue 13, points 5 and 6), held against Microsoft Learn:
 * - "List userRegistrationDetails", Optional query parameters: "supports only the $filter and $orderBy".
 * - "List signIns": "$top, $skiptoken, and $filter"; "The maximum and default page size is 1,000".
 * - "List directoryAudits": "$filter …, $top, $orderby, and skiptoken".
 * - appliedConditionalAccessPolicy resource: reportOnly* results only with `Prefer: include-unknown-enum-members`.
 * The emulator can ignore (default), reject or honour undocumented options; the client must read the
 * same in every mode.
 */
import { describe, expect, it } from 'vitest';
import { listDirectoryAudits, listSignIns } from '../../src/graph/auditLogs.js';
import { connectGraph } from '../../src/graph/index.js';
import { listUserRegistrationDetails } from '../../src/graph/reports.js';
import { start } from './helpers.js';

const REPORT = '/reports/authenticationMethods/userRegistrationDetails';

describe('emulator: undocumented query options and evolvable enums', () => {
  it('ignores undocumented options by default, rejects or honours them on request; documented ones always work', async () => {
    const c = await start();
    try {
      const ignored = await c.graph('GET', `${REPORT}?$select=id&$top=2`);
      expect(ignored.status).toBe(200);
      expect(ignored.json.value.length).toBeGreaterThan(2); // $top ignored
      expect(Object.keys(ignored.json.value[0])).toContain('isMfaCapable'); // $select ignored
      expect((await c.control('POST', '/query-options', { undocumented: 'sometimes' })).status).toBe(400);
      expect((await c.control('POST', '/query-options', { undocumented: 'reject' })).json).toEqual({ undocumented: 'reject' });
      for (const path of [`${REPORT}?$select=id`, `${REPORT}?$top=2`, '/auditLogs/signIns?$select=id', '/auditLogs/directoryAudits?$select=id']) {
        const r = await c.graph('GET', path);
        expect(r.status, path).toBe(400);
        expect(r.json.error.code).toBe('Request_UnsupportedQuery');
      }
      expect((await c.graph('GET', `${REPORT}?$filter=${encodeURIComponent('isMfaCapable eq false')}`)).status).toBe(200);
      expect((await c.graph('GET', '/auditLogs/signIns?$top=5')).status).toBe(200);
      expect((await c.graph('GET', '/auditLogs/directoryAudits?$top=5')).status).toBe(200);
      await c.control('POST', '/query-options', { undocumented: 'honour' });
      const honoured = await c.graph('GET', `${REPORT}?$select=id&$top=2`);
      expect(honoured.json.value).toHaveLength(2);
      expect(Object.keys(honoured.json.value[0])).toEqual(['id']);
    } finally {
      await c.close();
    }
  });

  it('answers unknownFutureValue for report-only CA results unless the request says Prefer: include-unknown-enum-members', async () => {
    const c = await start();
    try {
      const upn = (await c.graph('GET', '/users?$top=1&$select=userPrincipalName')).json.value[0].userPrincipalName;
      await c.control('POST', '/signins', { upn, errorCode: 0, appliedPolicyId: 'p-report-only', result: 'reportOnlyFailure' });
      const results = (r: { json: { value: Array<{ appliedConditionalAccessPolicies: Array<{ result: string }> }> } }) =>
        r.json.value.flatMap((e) => e.appliedConditionalAccessPolicies.map((p) => p.result));
      const mine = `/auditLogs/signIns?$filter=${encodeURIComponent("appliedConditionalAccessPolicies/any(p: p/id eq 'p-report-only')")}`;
      expect(results(await c.graph('GET', mine))).toEqual(['unknownFutureValue']);
      expect(results(await c.graph('GET', mine, undefined, { Prefer: 'include-unknown-enum-members' }))).toEqual(['reportOnlyFailure']);
    } finally {
      await c.close();
    }
  });

  for (const mode of ['ignore', 'reject', 'honour'] as const) {
    it(`the client reads the report, sign-ins (report-only results included) and audits alike when Graph would ${mode} undocumented options`, async () => {
      const c = await start();
      try {
        await c.control('POST', '/query-options', { undocumented: mode });
        const upn = (await c.graph('GET', '/users?$top=1&$select=userPrincipalName')).json.value[0].userPrincipalName;
        await c.control('POST', '/signins', { upn, errorCode: 53003, appliedPolicyId: 'p-report-only', result: 'reportOnlyInterrupted' });
        const gw = await connectGraph({ graphUrl: c.emu.graphBaseUrl, token: 'test-token' });
        const rows = await listUserRegistrationDetails(gw, { select: ['id', 'isMfaCapable'] });
        const all = await c.all(REPORT);
        expect(rows).toHaveLength(all.length);
        expect(Object.keys(rows[0]!).sort()).toEqual(['id', 'isMfaCapable']);
        const signIns = await listSignIns(gw, { filter: "appliedConditionalAccessPolicies/any(p: p/id eq 'p-report-only')", select: ['id', 'appliedConditionalAccessPolicies'] });
        expect(signIns.flatMap((s) => s.appliedConditionalAccessPolicies!.map((p) => p.result))).toEqual(['reportOnlyInterrupted']);
        const audits = await listDirectoryAudits(gw, { select: ['id', 'activityDisplayName'] });
        expect(audits.length).toBeGreaterThan(0);
        expect(Object.keys(audits[0]!).sort()).toEqual(['activityDisplayName', 'id']);
        // The whole report in one request per default page (Learn documents no page-size option for it).
        expect(gw.stats().requests.reports).toBe(Math.max(1, Math.ceil(all.length / 1000)) + 2);
      } finally {
        await c.close();
      }
    });
  }
});
