// Issue 17.4: the emulator judges a simulated sign-in ({evaluate: true}) under every enabled and
// report-only policy, so a report-only twin gets the results Learn documents for report-only mode:
// a user with no usable MFA method → reportOnlyInterrupted ("user action required"), a capable user
// → reportOnlySuccess, an excluded user → reportOnlyNotApplied; a block grant → reportOnlyFailure.
import { describe, expect, it } from 'vitest';
import { SEEDS_USERS } from '../../src/emulator/index.js';
import { start } from './helpers.js';

const PREFER = { Prefer: 'include-unknown-enum-members' };

describe('emulator: CA results of simulated sign-ins', () => {
  it('gives a report-only policy reportOnlyInterrupted / Success / NotApplied / Failure by user and grant', async () => {
    const c = await start({ scenario: 'seeds' });
    try {
      const id = async (upn: string) => String((await c.graph('GET', `/users/${upn}`)).json.id);
      const [nothing, capable, excluded] = [await id(SEEDS_USERS.nothing), await id(SEEDS_USERS.completedAuthenticator), await id(SEEDS_USERS.phoneOnly)];
      const policy = (displayName: string, builtInControls: string[]) => ({
        displayName,
        state: 'enabledForReportingButNotEnforced',
        conditions: { users: { includeUsers: [nothing, capable, excluded], excludeUsers: [excluded] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] },
        grantControls: { operator: 'OR', builtInControls },
      });
      const mfa = (await c.graph('POST', '/identity/conditionalAccess/policies', policy('T1 report-only MFA', ['mfa']))).json.id as string;
      const block = (await c.graph('POST', '/identity/conditionalAccess/policies', policy('T2 report-only block', ['block']))).json.id as string;
      for (const userId of [nothing, capable, excluded]) expect((await c.control('POST', '/signins', { userId, evaluate: true })).json.added).toBe(1);

      const results = async (userId: string, headers?: Record<string, string>) => {
        const r = await c.graph('GET', `/auditLogs/signIns?$filter=${encodeURIComponent(`userId eq '${userId}'`)}`, undefined, headers);
        const applied = r.json.value[0].appliedConditionalAccessPolicies as Array<{ id: string; result: string; enforcedGrantControls: string[] }>;
        return { mfa: applied.find((p) => p.id === mfa), block: applied.find((p) => p.id === block) };
      };
      expect((await results(nothing, PREFER)).mfa).toMatchObject({ result: 'reportOnlyInterrupted', enforcedGrantControls: ['Mfa'] });
      expect((await results(capable, PREFER)).mfa).toMatchObject({ result: 'reportOnlySuccess', enforcedGrantControls: ['Mfa'] });
      expect((await results(excluded, PREFER)).mfa).toMatchObject({ result: 'reportOnlyNotApplied', enforcedGrantControls: [] });
      expect((await results(capable, PREFER)).block).toMatchObject({ result: 'reportOnlyFailure', enforcedGrantControls: ['Block'] });
      // Without the header Graph sends the evolvable enum's sentinel instead.
      expect((await results(nothing)).mfa?.result).toBe('unknownFutureValue');
    } finally {
      await c.close();
    }
  });

  it('{group}: every transitive user member of the group signs in', async () => {
    const c = await start({ scenario: 'seeds' });
    try {
      const g = (await c.all(`/groups?$filter=${encodeURIComponent("displayName eq 'MFA Wave 0 - IT'")}`))[0];
      const members = await c.all(`/groups/${g.id}/transitiveMembers/microsoft.graph.user?$select=id`);
      expect((await c.control('POST', '/signins', { group: 'MFA Wave 0 - IT', evaluate: true })).json.added).toBe(members.length);
      expect((await c.control('POST', '/signins', { group: 'No such group' })).status).toBe(404);
    } finally {
      await c.close();
    }
  });
});
