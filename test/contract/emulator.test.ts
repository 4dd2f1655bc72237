// Contract (b): each documented request sent to the emulator (seeds scenario, throttling off), its
// answer held to the documented one: status code, field names, JSON types, enum values and Graph's
// error envelope. Ids, names and times differ by design; the shape may not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDS_USERS } from '../../src/emulator/scenarios.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { type Answer, send } from './emulatorClient.js';
import { errorEnvelopeMismatches, type Fixture, fixture, FIXTURES, type ShapeOptions, shapeMismatches } from './contract.js';

let tenant: TestTenant;

const ids: Record<string, string> = {};
const q = encodeURIComponent;

beforeAll(async () => {
  tenant = await startTestTenant({ scenario: 'seeds', throttle: false });
  const info = (await tenant.control('GET', '/info')) as { groups: Array<{ id: string; displayName: string; directGroups: number; transitiveUsers: number }>; caPolicies: Array<{ id: string }> };
  ids.nestingGroup = info.groups.find((g) => g.directGroups > 0)!.id;
  const plain = info.groups.find((g) => g.transitiveUsers > 0 && g.directGroups === 0)!;
  ids.group = plain.id;
  ids.groupName = plain.displayName;
  ids.caPolicy = info.caPolicies[0]!.id;
  for (const [key, upn] of Object.entries(SEEDS_USERS)) ids[key] = ((await send(tenant, 'GET', `/v1.0/users/${q(upn)}?$select=id`)).body as { id: string }).id;
});
afterAll(async () => {
  await tenant?.close();
});

/** The fixture's documented answer against the emulator's. */
function expectDocumentedAnswer(f: Fixture, a: Answer, options: ShapeOptions & { docBody?: unknown } = {}): void {
  expect(a.status, `${f.name}: status (body ${JSON.stringify(a.body)?.slice(0, 300)})`).toBe(f.response.status);
  const doc = options.docBody ?? f.response.body;
  if (doc === undefined) {
    expect(a.body, `${f.name}: the documentation answers no body`).toBeUndefined();
    return;
  }
  expect(shapeMismatches(doc, a.body, options), `${f.name}: shape against ${f.page}`).toEqual([]);
}

/** The method configurations beyond the Authenticator and TAP (src/plan/methodConfigs.ts), each with a documented GET and PATCH. */
const OTHER_METHOD_CONFIGURATIONS = ['sms', 'voice', 'fido2', 'softwareOath', 'email', 'x509Certificate'];

const title = (name: string, extra = '') => `${name} (${fixture(name).page}, ${fixture(name).section})${extra}`;
const docReq = (name: string) => fixture(name).request.body as Record<string, unknown>;

describe('contract vs emulator: authentication methods policy', () => {
  it(title('authenticationMethodsPolicy.get'), async () => {
    expectDocumentedAnswer(fixture('authenticationMethodsPolicy.get'), await send(tenant, 'GET', '/v1.0/policies/authenticationMethodsPolicy'));
  });
  it(title('authenticationMethodsPolicy.update'), async () => {
    const body = structuredClone(docReq('authenticationMethodsPolicy.update'));
    (body as { registrationEnforcement: { authenticationMethodsRegistrationCampaign: { includeTargets: Array<{ id: string }> } } }).registrationEnforcement.authenticationMethodsRegistrationCampaign.includeTargets[0]!.id = ids.group!;
    expectDocumentedAnswer(fixture('authenticationMethodsPolicy.update'), await send(tenant, 'PATCH', '/v1.0/policies/authenticationMethodsPolicy', body));
  });
  for (const name of ['microsoftAuthenticatorConfiguration.get', 'temporaryAccessPassConfiguration.get', ...OTHER_METHOD_CONFIGURATIONS.map((m) => `${m}Configuration.get`)]) {
    it(title(name), async () => {
      expectDocumentedAnswer(fixture(name), await send(tenant, 'GET', new URL(fixture(name).request.url).pathname));
    });
  }
  for (const name of ['microsoftAuthenticatorConfiguration.update', 'temporaryAccessPassConfiguration.update', ...OTHER_METHOD_CONFIGURATIONS.map((m) => `${m}Configuration.update`)]) {
    it(title(name), async () => {
      expectDocumentedAnswer(fixture(name), await send(tenant, 'PATCH', new URL(fixture(name).request.url).pathname, docReq(name)));
    });
  }
});

describe('contract vs emulator: Conditional Access', () => {
  it(title('conditionalAccessPolicies.list'), async () => {
    expectDocumentedAnswer(fixture('conditionalAccessPolicies.list'), await send(tenant, 'GET', '/v1.0/identity/conditionalAccess/policies'));
  });
  it(title('conditionalAccessPolicies.create'), async () => {
    const body = structuredClone(docReq('conditionalAccessPolicies.create')) as { conditions: { users: { includeGroups: string[] } } };
    body.conditions.users.includeGroups = [ids.group!];
    expectDocumentedAnswer(fixture('conditionalAccessPolicies.create'), await send(tenant, 'POST', '/v1.0/identity/conditionalAccess/policies', body));
  });
  it(title('conditionalAccessPolicy.update'), async () => {
    expectDocumentedAnswer(fixture('conditionalAccessPolicy.update'), await send(tenant, 'PATCH', `/v1.0/identity/conditionalAccess/policies/${ids.caPolicy}`, docReq('conditionalAccessPolicy.update')));
  });
});

describe('contract vs emulator: groups', () => {
  it(title('groups.list', ': the tool\'s displayName filter with the example\'s $select'), async () => {
    const a = await send(tenant, 'GET', `/v1.0/groups?$filter=${q(`displayName eq '${ids.groupName}'`)}&$select=id,displayName`);
    expectDocumentedAnswer(fixture('groups.list'), a);
    expect((a.body as { value: unknown[] }).value).toHaveLength(1);
  });
  it(title('group.get'), async () => {
    expectDocumentedAnswer(fixture('group.get'), await send(tenant, 'GET', `/v1.0/groups/${ids.group}`));
  });
  it(title('group.get.select', ': the id comes back though $select does not name it'), async () => {
    expectDocumentedAnswer(fixture('group.get.select'), await send(tenant, 'GET', `/v1.0/groups/${ids.group}?$select=displayName`));
  });
  it(title('group.members.cast.group'), async () => {
    const a = await send(tenant, 'GET', `/v1.0/groups/${ids.nestingGroup}/members/microsoft.graph.group?$select=id&$top=999`);
    expectDocumentedAnswer(fixture('group.members.cast.group'), a);
    expect((a.body as { value: unknown[] }).value.length).toBeGreaterThan(0);
  });
  it(title('group.transitiveMembers.cast.user', ': with the advanced-query header and $count the page asks for'), async () => {
    const a = await send(tenant, 'GET', `/v1.0/groups/${ids.group}/transitiveMembers/microsoft.graph.user?$count=true&$select=displayName,id`, undefined, { ConsistencyLevel: 'eventual' });
    expectDocumentedAnswer(fixture('group.transitiveMembers.cast.user'), a);
    expect(typeof (a.body as Record<string, unknown>)['@odata.count']).toBe('number');
  });
  it(title('group.members.add'), async () => {
    expectDocumentedAnswer(fixture('group.members.add'), await send(tenant, 'POST', `/v1.0/groups/${ids.group}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${ids.nothing}` }));
  });
  it(title('group.members.remove'), async () => {
    expectDocumentedAnswer(fixture('group.members.remove'), await send(tenant, 'DELETE', `/v1.0/groups/${ids.group}/members/${ids.nothing}/$ref`));
  });
  it(title('group.members.addMany'), async () => {
    const members = [ids.nothing, ids.phoneOnly, ids.unverifiedAuthenticator].map((id) => `https://graph.microsoft.com/v1.0/directoryObjects/${id}`);
    expectDocumentedAnswer(fixture('group.members.addMany'), await send(tenant, 'PATCH', `/v1.0/groups/${ids.group}`, { 'members@odata.bind': members }));
  });
});

describe('contract vs emulator: organization and users', () => {
  it(title('organization.list'), async () => {
    expectDocumentedAnswer(fixture('organization.list'), await send(tenant, 'GET', '/v1.0/organization'));
  });
  it(title('users.list'), async () => {
    expectDocumentedAnswer(fixture('users.list'), await send(tenant, 'GET', '/v1.0/users?$top=5'));
  });
  it(title('user.get'), async () => {
    expectDocumentedAnswer(fixture('user.get'), await send(tenant, 'GET', `/v1.0/users/${ids.completedAuthenticator}`));
  });
  it(title('user.get.select'), async () => {
    const a = await send(tenant, 'GET', `/v1.0/users/${ids.completedAuthenticator}?$select=displayName,givenName`);
    expectDocumentedAnswer(fixture('user.get.select'), a);
  });
  it(title('user.notFound', ': Graph\'s error envelope, request ids included'), async () => {
    const a = await send(tenant, 'GET', '/v1.0/users/00000000-0000-0000-0000-0000000000ff');
    expect(a.status).toBe(404);
    expect(errorEnvelopeMismatches(a.body)).toEqual([]);
    const inner = (a.body as { error: { innerError: Record<string, string> } }).error.innerError;
    expect(inner['request-id']).toBe(a.headers.get('request-id'));
    expect(inner['client-request-id']).toBe(a.headers.get('client-request-id'));
    // A client's own client-request-id is echoed in both.
    const own = await send(tenant, 'GET', '/v1.0/users/00000000-0000-0000-0000-0000000000ff', undefined, { 'client-request-id': 'e70c5c1b-8b47-68c0-3171-3d22f5e0bd54' });
    expect((own.body as { error: { innerError: Record<string, string> } }).error.innerError['client-request-id']).toBe('e70c5c1b-8b47-68c0-3171-3d22f5e0bd54');
  });
  it(title('user.transitiveMemberOf.cast.directoryRole', ': an admin holds Global Administrator by its template id; a user without roles none'), async () => {
    const path = (id: string) => `/v1.0/users/${id}/transitiveMemberOf/microsoft.graph.directoryRole?$select=id,displayName,roleTemplateId&$count=true`;
    const a = await send(tenant, 'GET', path(ids.admin!), undefined, { ConsistencyLevel: 'eventual' });
    expectDocumentedAnswer(fixture('user.transitiveMemberOf.cast.directoryRole'), a);
    expect((a.body as { value: Array<Record<string, unknown>> }).value.map((r) => r.roleTemplateId)).toEqual(['62e90394-69f5-4237-9190-012177145e10']);
    const none = await send(tenant, 'GET', path(ids.nothing!), undefined, { ConsistencyLevel: 'eventual' });
    expect((none.body as { value: unknown[] }).value).toEqual([]);
  });
  it('user.transitiveMemberOf.cast.directoryRole without a role-read permission: limited information (@odata.type and id, roleTemplateId null)', async () => {
    await tenant.control('POST', '/auth', { roles: ['User.Read.All'] });
    try {
      const a = await send(tenant, 'GET', `/v1.0/users/${ids.admin}/transitiveMemberOf/microsoft.graph.directoryRole?$select=id,displayName,roleTemplateId&$count=true`, undefined, { ConsistencyLevel: 'eventual' });
      expect(a.status).toBe(200);
      const [role] = (a.body as { value: Array<Record<string, unknown>> }).value;
      expect(role).toMatchObject({ '@odata.type': '#microsoft.graph.directoryRole', roleTemplateId: null });
      expect(typeof role!.id).toBe('string');
    } finally {
      await tenant.control('POST', '/auth', { roles: null });
    }
  });
  it(title('user.checkMemberGroups'), async () => {
    expectDocumentedAnswer(fixture('user.checkMemberGroups'), await send(tenant, 'POST', `/v1.0/users/${ids.nestedOnly}/checkMemberGroups`, { groupIds: [ids.group, ids.nestingGroup] }));
  });
  it(title('user.revokeSignInSessions', ': no request body'), async () => {
    expectDocumentedAnswer(fixture('user.revokeSignInSessions'), await send(tenant, 'POST', `/v1.0/users/${ids.completedAuthenticator}/revokeSignInSessions`));
  });
});

describe('contract vs emulator: user authentication methods', () => {
  it(title('user.methods.list'), async () => {
    const a = await send(tenant, 'GET', `/v1.0/users/${ids.admin}/authentication/methods`);
    expectDocumentedAnswer(fixture('user.methods.list'), a);
    expect((a.body as { value: Array<Record<string, unknown>> }).value.some((m) => m['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod')).toBe(true);
  });
  it(title('user.requirements.get', ': beta only'), async () => {
    expectDocumentedAnswer(fixture('user.requirements.get'), await send(tenant, 'GET', `/beta/users/${ids.perUserMfaEnforced}/authentication/requirements`));
    expect((await send(tenant, 'GET', `/v1.0/users/${ids.perUserMfaEnforced}/authentication/requirements`)).status).toBe(400);
  });
  it(title('user.phoneMethod.enableSmsSignIn', ': once the SMS configuration enables the user for sign-in'), async () => {
    const url = `/v1.0/users/${ids.phoneOnly}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7/enableSmsSignIn`;
    // The seeds' SMS configuration allows no sign-in: "The user must be enabled for SMS sign-in in the … policy."
    expect((await send(tenant, 'POST', url)).status).toBe(400);
    const sms = '/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms';
    const allow = { '@odata.type': '#microsoft.graph.smsAuthenticationMethodConfiguration', includeTargets: [{ id: 'all_users', targetType: 'group', isRegistrationRequired: false, isUsableForSignIn: true }] };
    expect((await send(tenant, 'PATCH', sms, allow)).status).toBe(204);
    expectDocumentedAnswer(fixture('user.phoneMethod.enableSmsSignIn'), await send(tenant, 'POST', url));
    expect(((await send(tenant, 'GET', url.replace(/\/enableSmsSignIn$/, ''))).body as { smsSignInState: string }).smsSignInState).toBe('ready');
  });
  it(title('user.signInPreferences.get', ': beta only'), async () => {
    expectDocumentedAnswer(fixture('user.signInPreferences.get'), await send(tenant, 'GET', `/beta/users/${ids.completedAuthenticator}/authentication/signInPreferences`));
    expect((await send(tenant, 'GET', `/v1.0/users/${ids.completedAuthenticator}/authentication/signInPreferences`)).status).toBe(400);
  });
  it(title('user.signInPreferences.update', ': the user holds the method (an Authenticator gives oath)'), async () => {
    expectDocumentedAnswer(fixture('user.signInPreferences.update'), await send(tenant, 'PATCH', `/beta/users/${ids.completedAuthenticator}/authentication/signInPreferences`, docReq('user.signInPreferences.update')));
    expect(((await send(tenant, 'GET', `/beta/users/${ids.completedAuthenticator}/authentication/signInPreferences`)).body as Record<string, unknown>).userPreferredMethodForSecondaryAuthentication).toBe('oath');
  });
  it(title('user.phoneMethods.create'), async () => {
    expectDocumentedAnswer(fixture('user.phoneMethods.create'), await send(tenant, 'POST', `/v1.0/users/${ids.nothing}/authentication/phoneMethods`, docReq('user.phoneMethods.create')));
  });
  it(title('user.phoneMethod.get'), async () => {
    expectDocumentedAnswer(fixture('user.phoneMethod.get'), await send(tenant, 'GET', `/v1.0/users/${ids.nothing}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7`));
  });
  it(title('user.phoneMethod.update'), async () => {
    expectDocumentedAnswer(fixture('user.phoneMethod.update'), await send(tenant, 'PATCH', `/v1.0/users/${ids.nothing}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7`, docReq('user.phoneMethod.update')));
  });
  it(title('user.phoneMethod.delete', ': an office phone, never the default MFA phone'), async () => {
    const office = 'e37fc753-ff3b-4958-9484-eaa9425c82bc';
    expect((await send(tenant, 'POST', `/v1.0/users/${ids.nothing}/authentication/phoneMethods`, { phoneNumber: '+1 2065555556', phoneType: 'office' })).status).toBe(201);
    expectDocumentedAnswer(fixture('user.phoneMethod.delete'), await send(tenant, 'DELETE', `/v1.0/users/${ids.nothing}/authentication/phoneMethods/${office}`));
  });
  it(title('user.temporaryAccessPass.create', ': the clear-text pass once, usability by start time'), async () => {
    // The TAP-policy PATCH above made passes one-time; the example asks for a multi-use pass, which the
    // policy must allow ("can only be created ... if it is allowed by the ... policy").
    const allow = await send(tenant, 'PATCH', '/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass', { '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration', isUsableOnce: false });
    expect(allow.status).toBe(204);
    const clock = (await tenant.control('GET', '/clock')) as { now: string };
    const start = new Date(Date.parse(clock.now) + 86_400_000).toISOString();
    const a = await send(tenant, 'POST', `/v1.0/users/${ids.nothing}/authentication/temporaryAccessPassMethods`, { ...docReq('user.temporaryAccessPass.create'), startDateTime: start });
    expectDocumentedAnswer(fixture('user.temporaryAccessPass.create'), a);
    expect(a.body).toMatchObject({ isUsable: false, methodUsabilityReason: 'NotYetValid', lifetimeInMinutes: 60 });
    expect(typeof (a.body as { temporaryAccessPass: unknown }).temporaryAccessPass).toBe('string');
  });
  it(title('user.temporaryAccessPass.list', ': the pass reads null'), async () => {
    const a = await send(tenant, 'GET', `/v1.0/users/${ids.nothing}/authentication/temporaryAccessPassMethods`);
    expectDocumentedAnswer(fixture('user.temporaryAccessPass.list'), a);
    expect((a.body as { value: Array<{ temporaryAccessPass: unknown }> }).value.map((m) => m.temporaryAccessPass)).toEqual([null]);
  });
  for (const [name, type, who] of [
    ['user.microsoftAuthenticatorMethod.delete', 'microsoftAuthenticator', 'completedAuthenticator'],
    ['user.fido2Method.delete', 'fido2', 'admin'],
    ['user.softwareOathMethod.delete', 'softwareOath', 'nestedOnly'],
    ['user.emailMethod.delete', 'email', 'nestedOnly'],
    ['user.windowsHelloForBusinessMethod.delete', 'windowsHelloForBusiness', 'nestedOnly'],
    ['user.temporaryAccessPassMethod.delete', 'temporaryAccessPass', 'nothing'],
  ] as const) {
    it(title(name), async () => {
      if (who === 'nestedOnly') await tenant.control('POST', `/users/${ids[who]}/register`, { methods: [type] });
      const list = (await send(tenant, 'GET', `/v1.0/users/${ids[who]}/authentication/${type}Methods`)).body as { value: Array<{ id: string }> };
      expectDocumentedAnswer(fixture(name), await send(tenant, 'DELETE', `/v1.0/users/${ids[who]}/authentication/${type}Methods/${q(list.value[0]!.id)}`));
    });
  }
});

describe('contract vs emulator: reports and logs', () => {
  it(title('userRegistrationDetails.list'), async () => {
    expectDocumentedAnswer(fixture('userRegistrationDetails.list'), await send(tenant, 'GET', '/v1.0/reports/authenticationMethods/userRegistrationDetails'));
  });
  it(title('userRegistrationDetails.get', ': the row itself (the example\'s "value" wrapper is not copied)'), async () => {
    const f = fixture('userRegistrationDetails.get');
    const { defaultMfaMethod: _d, ...row } = (f.response.body as { value: Record<string, unknown> }).value;
    expectDocumentedAnswer(f, await send(tenant, 'GET', `/v1.0/reports/authenticationMethods/userRegistrationDetails/${ids.completedAuthenticator}`), { docBody: row });
  });
  it(title('directoryAudits.list'), async () => {
    expectDocumentedAnswer(fixture('directoryAudits.list'), await send(tenant, 'GET', '/v1.0/auditLogs/directoryAudits?$top=20'));
  });
  it(title('signIns.list'), async () => {
    const a = await send(tenant, 'GET', '/v1.0/auditLogs/signIns?$top=20');
    expectDocumentedAnswer(fixture('signIns.list'), a);
    expect((a.body as { value: unknown[] }).value.length).toBeGreaterThan(0);
  });
  it('signIns: "The maximum and default page size is 1,000 objects" (signin-list.md)', async () => {
    await tenant.control('POST', '/signins', { upn: SEEDS_USERS.completedAuthenticator, count: 1100 });
    const a = await send(tenant, 'GET', '/v1.0/auditLogs/signIns');
    expect((a.body as { value: unknown[] }).value).toHaveLength(1000);
    expect((await send(tenant, 'GET', '/v1.0/auditLogs/signIns?$top=1001')).status).toBe(400);
  });
});

describe('contract vs emulator: $batch', () => {
  it(title('batch', ': envelope, per-step id/status/headers/body, a failed step in Graph\'s error envelope'), async () => {
    const a = await send(tenant, 'POST', '/v1.0/$batch', {
      requests: [
        { id: '1', method: 'GET', url: `/groups/${ids.nestingGroup}/members/microsoft.graph.group` },
        { id: '3', method: 'DELETE', url: '/groups/0e226165-c685-41ce-8bfc-df8360ab325d' },
        { id: '5', url: 'users?$select=id,displayName,userPrincipalName&$count=true', method: 'GET', headers: { ConsistencyLevel: 'eventual' } },
      ],
    });
    expect(a.status).toBe(200);
    const doc = fixture('batch').response.body as { responses: Array<{ id: string; body: unknown }> };
    const got = (a.body as { responses: Array<{ id: string; status: number; headers: Record<string, string>; body: unknown }> }).responses;
    expect(got.map((r) => r.id).sort()).toEqual(['1', '3', '5']);
    for (const r of got) {
      expect(Object.keys(r).sort(), `step ${r.id}`).toEqual(['body', 'headers', 'id', 'status']);
      expect(typeof r.status).toBe('number');
      expect(r.headers['Content-Type'] ?? r.headers['content-type']).toMatch(/^application\/json/);
    }
    const byId = new Map(got.map((r) => [r.id, r]));
    expect(byId.get('3')!.status).toBe(404);
    expect(errorEnvelopeMismatches(byId.get('3')!.body)).toEqual([]);
    for (const id of ['1', '5']) {
      expect(byId.get(id)!.status).toBe(200);
      expect(shapeMismatches({ value: [] }, byId.get(id)!.body), `step ${id}`).toEqual([]);
    }
    expect(shapeMismatches(doc.responses.find((r) => r.id === '5')!.body, byId.get('5')!.body, { ignore: ['@odata.context'] })).toEqual([]);
  });
  it('batch: a step that depends on a failed one answers 424 in the error envelope (json-batching.md, "Sequencing requests with the dependsOn property")', async () => {
    const a = await send(tenant, 'POST', '/v1.0/$batch', {
      requests: [
        { id: 'a', method: 'GET', url: '/groups/0e226165-c685-41ce-8bfc-df8360ab325d' },
        { id: 'b', method: 'GET', url: `/groups/${ids.group}`, dependsOn: ['a'] },
      ],
    });
    const b = (a.body as { responses: Array<{ id: string; status: number; body: unknown }> }).responses.find((r) => r.id === 'b')!;
    expect(b.status).toBe(424);
    expect(errorEnvelopeMismatches(b.body)).toEqual([]);
  });
  it('batch: more than 20 steps is refused with 400 in the error envelope (json-batching.md, "Batch size limitations")', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/organization' }));
    const a = await send(tenant, 'POST', '/v1.0/$batch', { requests });
    expect(a.status).toBe(400);
    expect(errorEnvelopeMismatches(a.body)).toEqual([]);
  });
});

// Issue 15: strengths, named locations, role templates and service principals, on the coverage tenant.
const REFERENCE_FIXTURES = [
  'authenticationStrengthPolicies.list', 'authenticationStrengthPolicies.create', 'authenticationStrengthPolicy.update', 'authenticationStrengthPolicy.updateAllowedCombinations',
  'authenticationStrengthPolicy.delete', 'namedLocations.list', 'namedLocations.create.ip', 'namedLocations.create.country', 'namedLocation.update', 'namedLocation.delete',
  'directoryRoleTemplates.list', 'servicePrincipals.list',
];
describe('contract vs emulator: strengths, named locations, roles, applications', () => {
  let coverage: TestTenant;
  beforeAll(async () => {
    coverage = await startTestTenant({ scenario: 'coverage', throttle: false });
  });
  afterAll(async () => {
    await coverage?.close();
  });
  const path = (name: string) => new URL(fixture(name).request.url).pathname;
  const usedBy = async (what: 'strength' | 'location') => {
    const policies = (await send(coverage, 'GET', '/v1.0/identity/conditionalAccess/policies')).body as { value: Array<{ grantControls: { authenticationStrength: { id: string } | null } | null; conditions: { locations: { includeLocations: string[] } | null } }> };
    if (what === 'strength') return policies.value.map((p) => p.grantControls?.authenticationStrength?.id).find((id) => id && !id.startsWith('00000000'))!;
    return policies.value.map((p) => p.conditions.locations?.includeLocations?.[0]).find((id) => id && /^[0-9a-f]{8}-/.test(id))!;
  };
  const expectGraphError = (a: Answer, status: number) => {
    expect(a.status, JSON.stringify(a.body)).toBe(status);
    expect(errorEnvelopeMismatches(a.body)).toEqual([]);
  };

  it(title('authenticationStrengthPolicies.list'), async () => {
    // The annotation for the expanded navigation property is not modelled.
    expectDocumentedAnswer(fixture('authenticationStrengthPolicies.list'), await send(coverage, 'GET', '/v1.0/policies/authenticationStrengthPolicies'), { ignore: ['combinationConfigurations@odata.context'] });
  });
  it(`${title('authenticationStrengthPolicies.create')}, then update, updateAllowedCombinations and delete of the created policy`, async () => {
    const created = await send(coverage, 'POST', '/v1.0/policies/authenticationStrengthPolicies', docReq('authenticationStrengthPolicies.create'));
    expectDocumentedAnswer(fixture('authenticationStrengthPolicies.create'), created);
    const id = (created.body as { id: string }).id;
    const base = '/v1.0/policies/authenticationStrengthPolicies';
    expectDocumentedAnswer(fixture('authenticationStrengthPolicy.update'), await send(coverage, 'PATCH', `${base}/${id}`, docReq('authenticationStrengthPolicy.update')));
    expectDocumentedAnswer(fixture('authenticationStrengthPolicy.updateAllowedCombinations'), await send(coverage, 'POST', `${base}/${id}/updateAllowedCombinations`, docReq('authenticationStrengthPolicy.updateAllowedCombinations')));
    expectDocumentedAnswer(fixture('authenticationStrengthPolicy.delete'), await send(coverage, 'DELETE', `${base}/${id}`));
  });
  it('authentication strengths: the documented refusals (allowedCombinations by PATCH, built-in policies, a strength a CA policy uses, unknown modes)', async () => {
    const base = '/v1.0/policies/authenticationStrengthPolicies';
    const inUse = await usedBy('strength');
    expectGraphError(await send(coverage, 'PATCH', `${base}/${inUse}`, { allowedCombinations: ['fido2'] }), 400);
    expectGraphError(await send(coverage, 'PATCH', `${base}/00000000-0000-0000-0000-000000000002`, { description: 'x' }), 400);
    expectGraphError(await send(coverage, 'DELETE', `${base}/${inUse}`), 400);
    expectGraphError(await send(coverage, 'POST', base, { displayName: 'Bad', allowedCombinations: ['password,carrierPigeon'] }), 400);
  });
  it(title('namedLocations.list'), async () => {
    expectDocumentedAnswer(fixture('namedLocations.list'), await send(coverage, 'GET', path('namedLocations.list')));
  });
  it(`${title('namedLocations.create.ip')}, ${title('namedLocations.create.country')}, then update and delete`, async () => {
    const ip = await send(coverage, 'POST', path('namedLocations.create.ip'), docReq('namedLocations.create.ip'));
    expectDocumentedAnswer(fixture('namedLocations.create.ip'), ip);
    expectDocumentedAnswer(fixture('namedLocations.create.country'), await send(coverage, 'POST', path('namedLocations.create.country'), docReq('namedLocations.create.country')));
    const id = (ip.body as { id: string }).id;
    expectDocumentedAnswer(fixture('namedLocation.update'), await send(coverage, 'PATCH', `/v1.0/identity/conditionalAccess/namedLocations/${id}`, docReq('namedLocation.update')));
    expectDocumentedAnswer(fixture('namedLocation.delete'), await send(coverage, 'DELETE', `/v1.0/identity/conditionalAccess/namedLocations/${id}`));
  });
  it('named locations: the documented refusals (no derived @odata.type, an ipRange without its @odata.type, a location a CA policy uses)', async () => {
    const base = '/v1.0/identity/conditionalAccess/namedLocations';
    const { '@odata.type': _t, ...untyped } = docReq('namedLocations.create.ip');
    expectGraphError(await send(coverage, 'POST', base, untyped), 400);
    expectGraphError(await send(coverage, 'POST', base, { ...docReq('namedLocations.create.ip'), ipRanges: [{ cidrAddress: '12.34.221.11/22' }] }), 400);
    expectGraphError(await send(coverage, 'DELETE', `${base}/${await usedBy('location')}`), 400);
  });
  it(title('directoryRoleTemplates.list'), async () => {
    expectDocumentedAnswer(fixture('directoryRoleTemplates.list'), await send(coverage, 'GET', '/v1.0/directoryRoleTemplates'));
  });
  it(`${title('servicePrincipals.list')}: by appId, with the $select the tool sends`, async () => {
    const a = await send(coverage, 'GET', `/v1.0/servicePrincipals?$filter=${q("appId eq '00000002-0000-0ff1-ce00-000000000000'")}&$select=id,appId,displayName`);
    const unselected = Object.keys(docValueOf('servicePrincipals.list')[0]!).filter((k) => !['id', 'appId', 'displayName'].includes(k));
    expectDocumentedAnswer(fixture('servicePrincipals.list'), a, { ignore: unselected });
    expect((a.body as { value: unknown[] }).value).toHaveLength(1);
  });
});
const docValueOf = (name: string) => (fixture(name).response.body as { value: Array<Record<string, unknown>> }).value;

describe('contract fixtures and the emulator', () => {
  it('every fixture of the suite is checked here', () => {
    // The names used above; a new fixture must get its emulator check.
    const checked = new Set([
      'authenticationMethodsPolicy.get', 'authenticationMethodsPolicy.update', 'microsoftAuthenticatorConfiguration.get', 'temporaryAccessPassConfiguration.get',
      'microsoftAuthenticatorConfiguration.update', 'temporaryAccessPassConfiguration.update', 'conditionalAccessPolicies.list', 'conditionalAccessPolicies.create',
      'conditionalAccessPolicy.update', 'groups.list', 'group.get', 'group.get.select', 'group.members.cast.group', 'group.transitiveMembers.cast.user',
      'group.members.add', 'group.members.remove', 'group.members.addMany', 'organization.list', 'users.list', 'user.get', 'user.get.select', 'user.notFound',
      'user.checkMemberGroups', 'user.transitiveMemberOf.cast.directoryRole', 'user.revokeSignInSessions', 'user.methods.list', 'user.requirements.get', 'user.phoneMethods.create', 'user.phoneMethod.get',
      'user.phoneMethod.update', 'user.phoneMethod.delete', 'user.temporaryAccessPass.create', 'user.temporaryAccessPass.list', 'user.microsoftAuthenticatorMethod.delete',
      'user.fido2Method.delete', 'user.softwareOathMethod.delete', 'user.emailMethod.delete', 'user.windowsHelloForBusinessMethod.delete',
      'user.temporaryAccessPassMethod.delete', 'userRegistrationDetails.list', 'userRegistrationDetails.get', 'directoryAudits.list', 'signIns.list', 'batch',
      ...OTHER_METHOD_CONFIGURATIONS.flatMap((m) => [`${m}Configuration.get`, `${m}Configuration.update`]),
      'user.phoneMethod.enableSmsSignIn', 'user.signInPreferences.get', 'user.signInPreferences.update',
      ...REFERENCE_FIXTURES,
    ]);
    expect([...FIXTURES.keys()].filter((n) => !checked.has(n))).toEqual([]);
  });
});
