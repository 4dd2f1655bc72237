// The emulator's CA policies behave like Graph's: a PATCH keeps what it leaves out at every depth
// ("Existing properties that are not included in the request body will maintain their previous
// values": api-reference/v1.0/api/conditionalaccesspolicy-update.md), mfa and an authentication
// strength together are refused (error 1108), and a strength is referred to by id and read back
// expanded (built-in ids from api-reference/v1.0/api/authenticationstrengthroot-list-policies.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, start } from './helpers.js';

const POLICIES = '/identity/conditionalAccess/policies';
const MFA_STRENGTH = '00000000-0000-0000-0000-000000000002';

describe('emulator: conditionalAccessPolicy PATCH and grant controls', () => {
  let c: Client;
  beforeAll(async () => {
    c = await start({ scenario: 'seeds' });
  });
  afterAll(() => c.close());

  const create = async (extra: Record<string, unknown> = {}) => {
    const r = await c.graph('POST', POLICIES, {
      displayName: `CA test ${Math.random()}`,
      state: 'disabled',
      conditions: {
        users: { includeUsers: ['All'], excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'internalGuest,serviceProvider', externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'all' } } },
        applications: { includeApplications: ['All'], excludeApplications: ['00000002-0000-0ff1-ce00-000000000000'] },
        platforms: { includePlatforms: ['all'], excludePlatforms: ['iOS'] },
        clientAppTypes: ['all'],
      },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
      sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 4 }, persistentBrowser: { isEnabled: true, mode: 'never' } },
      ...extra,
    });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    return String(r.json.id);
  };
  const get = async (id: string) => (await c.graph('GET', `${POLICIES}/${id}`)).json;

  it('PATCH merges at every depth: omitted nested properties keep their values, [] and null clear', async () => {
    const id = await create();
    expect((await c.graph('PATCH', `${POLICIES}/${id}`, { conditions: { applications: { excludeApplications: [] } }, sessionControls: { signInFrequency: null } })).status).toBe(204);
    const p = await get(id);
    expect(p.conditions.applications.includeApplications).toEqual(['All']);
    expect(p.conditions.applications.excludeApplications).toEqual([]);
    expect(p.conditions.platforms).toEqual({ includePlatforms: ['all'], excludePlatforms: ['iOS'] });
    expect(p.conditions.users.includeUsers).toEqual(['All']);
    expect(p.conditions.users.excludeGuestsOrExternalUsers.guestOrExternalUserTypes).toBe('internalGuest,serviceProvider');
    expect(p.grantControls.builtInControls).toEqual(['mfa']);
    expect(p.sessionControls.signInFrequency).toBeNull();
    expect(p.sessionControls.persistentBrowser).toEqual({ isEnabled: true, mode: 'never' });
  });

  it('fills the sign-in frequency defaults Graph reads back (signInFrequencySessionControl)', async () => {
    const p = await get(await create());
    expect(p.sessionControls.signInFrequency).toEqual({ isEnabled: true, type: 'hours', value: 4, frequencyInterval: 'timeBased', authenticationType: 'primaryAndSecondaryAuthentication' });
  });

  it('refuses mfa plus an authentication strength with 1108, on a PATCH that leaves builtInControls out and on a create', async () => {
    const id = await create();
    const before = await get(id);
    const refused = await c.graph('PATCH', `${POLICIES}/${id}`, { grantControls: { operator: 'OR', authenticationStrength: { id: MFA_STRENGTH } } });
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('BadRequest');
    expect(refused.json.error.message).toMatch(/^1108: /);
    expect(await get(id)).toEqual(before); // nothing written
    const both = await c.graph('POST', POLICIES, { displayName: 'CA both', state: 'disabled', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] } }, grantControls: { operator: 'OR', builtInControls: ['mfa'], authenticationStrength: { id: MFA_STRENGTH } } });
    expect(both.status).toBe(400);
    expect(both.json.error.message).toMatch(/^1108: /);
  });

  it('moving from mfa to a strength works when builtInControls is sent empty; the strength reads back expanded, and back to mfa with null', async () => {
    const id = await create();
    expect((await c.graph('PATCH', `${POLICIES}/${id}`, { grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: MFA_STRENGTH } } })).status).toBe(204);
    const p = await get(id);
    expect(p.grantControls.builtInControls).toEqual([]);
    expect(p.grantControls.authenticationStrength).toMatchObject({ id: MFA_STRENGTH, displayName: 'Multifactor authentication', policyType: 'builtIn', requirementsSatisfied: 'mfa' });
    expect((await c.graph('PATCH', `${POLICIES}/${id}`, { grantControls: { builtInControls: ['mfa'], authenticationStrength: null } })).status).toBe(204);
    expect((await get(id)).grantControls).toMatchObject({ operator: 'OR', builtInControls: ['mfa'], authenticationStrength: null });
  });

  it('refuses an unknown strength id', async () => {
    const id = await create();
    const r = await c.graph('PATCH', `${POLICIES}/${id}`, { grantControls: { builtInControls: [], authenticationStrength: { id: '00000000-0000-0000-0000-0000000000ff' } } });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain('authenticationStrength');
  });

  it('external tenants need the derived @odata.type (the base type is abstract) and guest types; another derived type replaces, not merges', async () => {
    const untyped = await c.graph('POST', POLICIES, {
      displayName: 'CA untyped tenants',
      state: 'disabled',
      conditions: { users: { includeUsers: ['All'], excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'internalGuest', externalTenants: { membershipKind: 'all' } } }, applications: { includeApplications: ['All'] } },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    expect(untyped.status).toBe(400);
    expect(untyped.json.error.message).toContain('@odata.type');
    const id = await create();
    const noTypes = await c.graph('PATCH', `${POLICIES}/${id}`, { conditions: { users: { excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: '', externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'all' } } } } });
    expect(noTypes.status).toBe(400);
    const enumerated = { '@odata.type': '#microsoft.graph.conditionalAccessEnumeratedExternalTenants', membershipKind: 'enumerated', members: ['bd005e2a-876d-4bf0-92a1-ae9ff4276d54'] };
    expect((await c.graph('PATCH', `${POLICIES}/${id}`, { conditions: { users: { excludeGuestsOrExternalUsers: { externalTenants: enumerated } } } })).status).toBe(204);
    expect((await get(id)).conditions.users.excludeGuestsOrExternalUsers).toEqual({ guestOrExternalUserTypes: 'internalGuest,serviceProvider', externalTenants: enumerated });
    const all = { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'all' };
    expect((await c.graph('PATCH', `${POLICIES}/${id}`, { conditions: { users: { excludeGuestsOrExternalUsers: { externalTenants: all } } } })).status).toBe(204);
    expect((await get(id)).conditions.users.excludeGuestsOrExternalUsers.externalTenants).toEqual(all);
  });
});
