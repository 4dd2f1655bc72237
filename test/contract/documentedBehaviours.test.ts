// Contract checks of documented behaviours the emulator once got wrong (issue 13 points 1, 2, 4, 5, 6,
// 9): CA PATCH semantics and error 1108, the default phone's refusal, `Prefer:
// include-unknown-enum-members` on sign-ins, the reports' documented query options, and the documented
// least-privileged permissions. Fixtures: fixtures/behaviours/ (named for the branches that fixed them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDS_USERS } from '../../src/emulator/scenarios.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { errorEnvelopeMismatches, fixture, shapeMismatches } from './contract.js';
import { send } from './emulatorClient.js';

let tenant: TestTenant;
const ids: Record<string, string> = {};
const title = (name: string, extra = '') => `${name} (${fixture(name).page}, ${fixture(name).section})${extra}`;

beforeAll(async () => {
  tenant = await startTestTenant({ scenario: 'seeds', throttle: false });
  const info = (await tenant.control('GET', '/info')) as { groups: Array<{ id: string; transitiveUsers: number; directGroups: number }> };
  ids.group = info.groups.find((g) => g.transitiveUsers > 0 && g.directGroups === 0)!.id;
  for (const [key, upn] of Object.entries(SEEDS_USERS)) ids[key] = ((await send(tenant, 'GET', `/v1.0/users/${encodeURIComponent(upn)}?$select=id`)).body as { id: string }).id;
});
afterAll(async () => {
  await tenant?.close();
});

async function createMfaPolicy(): Promise<string> {
  const body = structuredClone(fixture('conditionalAccessPolicies.create').request.body) as { displayName: string; conditions: { users: { includeGroups: string[] } } };
  body.displayName = `contract ${Math.random()}`;
  body.conditions.users.includeGroups = [ids.group!];
  const created = await send(tenant, 'POST', '/v1.0/identity/conditionalAccess/policies', body);
  expect(created.status).toBe(201);
  return (created.body as { id: string }).id;
}

describe('documented: Conditional Access PATCH (issue 13 point 2)', () => {
  it(title('behaviour.conditionalAccessPolicy.update.keepsOmitted'), async () => {
    const id = await createMfaPolicy();
    const before = (await send(tenant, 'GET', `/v1.0/identity/conditionalAccess/policies/${id}`)).body as Record<string, Record<string, unknown>>;
    const f = fixture('behaviour.conditionalAccessPolicy.update.keepsOmitted');
    expect((await send(tenant, 'PATCH', `/v1.0/identity/conditionalAccess/policies/${id}`, f.request.body)).status).toBe(f.response.status);
    const after = (await send(tenant, 'GET', `/v1.0/identity/conditionalAccess/policies/${id}`)).body as Record<string, Record<string, unknown>>;
    expect(after.conditions!.signInRiskLevels).toEqual(['high', 'medium', 'low']);
    expect(after.conditions!.users).toEqual(before.conditions!.users);
    expect(after.conditions!.applications).toEqual(before.conditions!.applications);
    expect(after.grantControls).toEqual(before.grantControls);
  });

  it(title('behaviour.conditionalAccessPolicy.update.mfaWithStrength'), async () => {
    const id = await createMfaPolicy();
    const f = fixture('behaviour.conditionalAccessPolicy.update.mfaWithStrength');
    const refused = await send(tenant, 'PATCH', `/v1.0/identity/conditionalAccess/policies/${id}`, f.request.body);
    expect(refused.status).toBe(400);
    expect(errorEnvelopeMismatches(refused.body)).toEqual([]);
    expect((refused.body as { error: { message: string } }).error.message).toMatch(/1108/);
    const grant = (f.request.body as { grantControls: Record<string, unknown> }).grantControls;
    const accepted = await send(tenant, 'PATCH', `/v1.0/identity/conditionalAccess/policies/${id}`, { grantControls: { ...grant, builtInControls: [] } });
    expect(accepted.status).toBe(204);
  });
});

describe('documented: default phone (issue 13 point 4)', () => {
  it(title('behaviour.user.phoneMethod.delete.default'), async () => {
    // The page says the default phone "can't be deleted"; Graph's answer (quoted in
    // microsoft-graph-docs-contrib issue 2913) reads "Cannot delete default method with other methods
    // configured", so the emulator refuses while another method remains: give the user an office phone.
    const office = await send(tenant, 'POST', `/v1.0/users/${ids.phoneOnly}/authentication/phoneMethods`, { phoneNumber: '+1 5555550100', phoneType: 'office' });
    expect(office.status).toBe(201);
    const path = `/v1.0/users/${ids.phoneOnly}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7`;
    const refused = await send(tenant, 'DELETE', path);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(errorEnvelopeMismatches(refused.body)).toEqual([]);
    expect((await send(tenant, 'GET', path)).status).toBe(200);
  });
});

describe('documented: evolvable enum on sign-ins (issue 13 point 6)', () => {
  const results = (body: unknown) =>
    ((body as { value: Array<{ appliedConditionalAccessPolicies?: Array<{ result: string }> }> }).value ?? []).flatMap((s) => (s.appliedConditionalAccessPolicies ?? []).map((p) => p.result));

  it(title('behaviour.signIns.list.preferUnknownEnumMembers'), async () => {
    const f = fixture('behaviour.signIns.list.preferUnknownEnumMembers');
    const withHeader = await send(tenant, 'GET', '/v1.0/auditLogs/signIns?$top=1000', undefined, f.request.headers);
    expect(withHeader.status).toBe(200);
    expect(shapeMismatches(f.response.body, withHeader.body)).toEqual([]);
    expect(results(withHeader.body).some((r) => r.startsWith('reportOnly'))).toBe(true);
    const without = await send(tenant, 'GET', '/v1.0/auditLogs/signIns?$top=1000');
    const plain = results(without.body);
    expect(plain.some((r) => r.startsWith('reportOnly'))).toBe(false);
    expect(plain).toContain('unknownFutureValue');
  });
});

describe('documented: documented query options (issue 13 point 5)', () => {
  it(title('behaviour.userRegistrationDetails.list.queryOptions'), async () => {
    const f = fixture('behaviour.userRegistrationDetails.list.queryOptions');
    const documented = await send(tenant, 'GET', `/v1.0/reports/authenticationMethods/userRegistrationDetails?$filter=${encodeURIComponent('isMfaCapable eq false')}&$orderby=userPrincipalName`);
    expect(documented.status).toBe(f.response.status);
    expect(shapeMismatches(f.response.body, documented.body)).toEqual([]);
    for (const extra of ['$select=id,isMfaCapable', '$top=999']) {
      const a = await send(tenant, 'GET', `/v1.0/reports/authenticationMethods/userRegistrationDetails?${extra}`);
      // Honoured, ignored or refused: a refusal is Graph's 400 envelope.
      if (a.status !== 200) {
        expect(a.status, extra).toBe(400);
        expect(errorEnvelopeMismatches(a.body), extra).toEqual([]);
      }
    }
  });

  it(title('behaviour.signIns.list.queryOptions'), async () => {
    const f = fixture('behaviour.signIns.list.queryOptions');
    const a = await send(tenant, 'GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent('status/errorCode eq 0')}&$top=10`);
    expect(a.status).toBe(f.response.status);
    expect(shapeMismatches(f.response.body, a.body)).toEqual([]);
    const selected = await send(tenant, 'GET', '/v1.0/auditLogs/signIns?$select=id&$top=1');
    if (selected.status !== 200) {
      expect(selected.status).toBe(400);
      expect(errorEnvelopeMismatches(selected.body)).toEqual([]);
    }
  });
});

describe('documented: documented permissions (issue 13 points 1 and 9)', () => {
  const withRoles = async <T>(roles: string[], fn: () => Promise<T>): Promise<T> => {
    await tenant.control('POST', '/auth', { roles });
    try {
      return await fn();
    } finally {
      await tenant.control('POST', '/auth', { roles: null });
    }
  };

  it(title('behaviour.permissions.requirements'), async () => {
    const a = await withRoles(['Policy.Read.All'], () => send(tenant, 'GET', `/beta/users/${ids.perUserMfaEnforced}/authentication/requirements`));
    expect(a.status).toBe(200);
    expect(shapeMismatches(fixture('behaviour.permissions.requirements').response.body, a.body)).toEqual([]);
  });

  it(title('behaviour.permissions.revokeSignInSessions'), async () => {
    const a = await withRoles(['User.ReadWrite.All'], () => send(tenant, 'POST', `/v1.0/users/${ids.completedAuthenticator}/revokeSignInSessions`));
    expect(a.status).toBe(200);
  });

  it(title('behaviour.permissions.membersBind'), async () => {
    const a = await withRoles(['GroupMember.ReadWrite.All', 'User.ReadWrite.All'], () =>
      send(tenant, 'PATCH', `/v1.0/groups/${ids.group}`, { 'members@odata.bind': [`https://graph.microsoft.com/v1.0/directoryObjects/${ids.nothing}`] }),
    );
    expect(a.status).toBe(204);
  });
});
