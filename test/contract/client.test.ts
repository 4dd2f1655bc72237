// Contract (a): each documented example replayed with nock against the reader or writer the CLI
// really uses (src/graph, the ops runners on the bulk engine, the tenant readers), through the real
// SDK middleware. Asserts the documented method, path and body shape go out, and the documented
// answer is read correctly. Fixture pages are in each test's name.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addMember,
  addMembersBulk,
  checkMemberGroups,
  createPhoneMethod,
  createPolicy,
  createTemporaryAccessPass,
  findGroupsByDisplayName,
  findUsers,
  getAuthenticationMethodsPolicy,
  getGroup,
  getMethodConfiguration,
  getPerUserMfaState,
  getUser,
  getUserRegistrationDetails,
  GraphRequestError,
  listDirectoryAudits,
  listMemberGroupIds,
  listMethods,
  listPolicies,
  listSignIns,
  listTemporaryAccessPasses,
  listTransitiveUserMemberIds,
  listUserDirectoryRoles,
  listUserRegistrationDetails,
  patchAuthenticationMethodsPolicy,
  patchMethodConfiguration,
  removeMember,
  revokeSignInSessions,
  updatePolicy,
  userPath,
} from '../../src/graph/index.js';
import { runBulk, type BulkTask } from '../../src/ops/engine.js';
import { DefaultMethodRunner } from '../../src/ops/defaultMethod.js';
import { phoneTask } from '../../src/ops/phones.js';
import { readTapPolicy, TapOutFile, TapRunner } from '../../src/ops/tap.js';
import { ResetRunner, RevokeRunner, userTask } from '../../src/ops/userOps.js';
import { readForExport } from '../../src/tenant/export.js';
import {
  createAuthenticationStrength,
  createNamedLocation,
  deleteAuthenticationStrength,
  deleteNamedLocation,
  findServicePrincipals,
  listAuthenticationStrengths,
  listDirectoryRoleTemplates,
  listNamedLocations,
  updateAllowedCombinations,
  updateAuthenticationStrength,
  updateNamedLocation,
} from '../../src/graph/index.js';
import type { DeclaredRef } from '../../src/tenant/refs.js';
import { resolveDeclaredRefs } from '../../src/tenant/resolve.js';
import { type Fixture, fixture, FIXTURES, shapeMismatches, splitGraphUrl } from './contract.js';
import { type FixtureServer, graphGateway, serveFixtures, type SentRequest } from './fixtureServer.js';
import { templateOf } from './templates.js';

let server: FixtureServer | undefined;
afterEach(() => {
  server?.done();
  server = undefined;
});

function serve(...names: string[]): FixtureServer {
  server = serveFixtures(names.map(fixture));
  return server;
}

const title = (name: string) => `${name} (${fixture(name).page}, ${fixture(name).section})`;
const docBody = (name: string) => fixture(name).response.body as Record<string, unknown>;
const docValue = (name: string) => docBody(name).value as Array<Record<string, unknown>>;

/** What every replay checks: all requests answered by a fixture, each with the documented method, path template and body shape. */
function expectDocumented(s: FixtureServer, expectedNames: readonly string[]): SentRequest[] {
  expect(s.unmatched).toEqual([]);
  expect(s.sent.map((r) => r.fixture.name)).toEqual(expectedNames);
  for (const r of s.sent) {
    const f: Fixture = r.fixture;
    const doc = splitGraphUrl(f.request.url);
    expect(r.method).toBe(f.request.method);
    expect(r.version).toBe(doc.version);
    expect(`${r.method} ${templateOf(r.path)}`).toBe(f.endpoint);
    if (f.request.body === undefined) expect(r.body, `${f.name}: the documentation sends no body`).toBeUndefined();
    // Documented properties the tool leaves out are optional on writes; those it sends must have the documented shape.
    else expect(shapeMismatches(pick(f.request.body, r.body), pick(r.body, f.request.body)), `${f.name}: body shape`).toEqual([]);
  }
  return s.sent;
}

/** `a` restricted to the top-level keys `b` also has (the tool may send other documented properties, or leave optional ones out). */
function pick(a: unknown, b: unknown): unknown {
  if (!a || typeof a !== 'object' || Array.isArray(a) || !b || typeof b !== 'object' || Array.isArray(b)) return a;
  return Object.fromEntries(Object.entries(a as Record<string, unknown>).filter(([k]) => k in (b as Record<string, unknown>)));
}

const USER = '071cc716-8147-4397-a5ba-b2105951cc0b';
const GROUP = '02bd9fd6-8f93-4758-87c3-1fb73740a315';

describe('contract replay: authentication methods policy', () => {
  it(title('authenticationMethodsPolicy.get'), async () => {
    const s = serve('authenticationMethodsPolicy.get');
    expect(await getAuthenticationMethodsPolicy(graphGateway())).toEqual(docBody('authenticationMethodsPolicy.get'));
    expectDocumented(s, ['authenticationMethodsPolicy.get']);
  });

  it(title('authenticationMethodsPolicy.update'), async () => {
    const s = serve('authenticationMethodsPolicy.update');
    const body = fixture('authenticationMethodsPolicy.update').request.body as Record<string, unknown>;
    expect(await patchAuthenticationMethodsPolicy(graphGateway(), body)).toEqual(docBody('authenticationMethodsPolicy.update'));
    expect(expectDocumented(s, ['authenticationMethodsPolicy.update'])[0]!.body).toEqual(body);
  });

  it(title('microsoftAuthenticatorConfiguration.get'), async () => {
    const s = serve('microsoftAuthenticatorConfiguration.get');
    expect(await getMethodConfiguration(graphGateway(), 'MicrosoftAuthenticator')).toEqual(docBody('microsoftAuthenticatorConfiguration.get'));
    expectDocumented(s, ['microsoftAuthenticatorConfiguration.get']);
  });

  for (const [name, id] of [
    ['smsConfiguration.get', 'sms'],
    ['voiceConfiguration.get', 'voice'],
    ['fido2Configuration.get', 'fido2'],
    ['softwareOathConfiguration.get', 'softwareOath'],
    ['emailConfiguration.get', 'email'],
    ['x509CertificateConfiguration.get', 'x509Certificate'],
  ] as const) {
    it(title(name), async () => {
      const s = serve(name);
      expect(await getMethodConfiguration(graphGateway(), id)).toEqual(docBody(name));
      expectDocumented(s, [name]);
    });
  }

  it(`${title('temporaryAccessPassConfiguration.get')}: issue-tap reads the policy from it`, async () => {
    const s = serve('temporaryAccessPassConfiguration.get');
    const policy = await readTapPolicy(graphGateway());
    expect(policy).toMatchObject({ enabled: true, minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480, defaultLifetimeInMinutes: 60, isUsableOnce: false, allUsers: true });
    expectDocumented(s, ['temporaryAccessPassConfiguration.get']);
  });

  for (const [name, id, type] of [
    ['microsoftAuthenticatorConfiguration.update', 'MicrosoftAuthenticator', 'microsoftAuthenticator'],
    ['temporaryAccessPassConfiguration.update', 'TemporaryAccessPass', 'temporaryAccessPass'],
    ['smsConfiguration.update', 'sms', 'sms'],
    ['voiceConfiguration.update', 'voice', 'voice'],
    ['fido2Configuration.update', 'fido2', 'fido2'],
    ['softwareOathConfiguration.update', 'softwareOath', 'softwareOath'],
    ['emailConfiguration.update', 'email', 'email'],
    ['x509CertificateConfiguration.update', 'x509Certificate', 'x509Certificate'],
  ] as const) {
    it(`${title(name)}: the @odata.type is sent`, async () => {
      const s = serve(name);
      const { '@odata.type': _t, ...rest } = fixture(name).request.body as Record<string, unknown>;
      await expect(patchMethodConfiguration(graphGateway(), id, type, rest)).resolves.toBeUndefined();
      expect(expectDocumented(s, [name])[0]!.body).toEqual(fixture(name).request.body);
    });
  }
});

describe('contract replay: Conditional Access', () => {
  it(title('conditionalAccessPolicies.list'), async () => {
    const s = serve('conditionalAccessPolicies.list');
    expect(await listPolicies(graphGateway())).toEqual(docValue('conditionalAccessPolicies.list'));
    expectDocumented(s, ['conditionalAccessPolicies.list']);
  });

  it(title('conditionalAccessPolicies.create'), async () => {
    const s = serve('conditionalAccessPolicies.create');
    const body = fixture('conditionalAccessPolicies.create').request.body as Record<string, unknown>;
    expect(await createPolicy(graphGateway(), body)).toEqual(docBody('conditionalAccessPolicies.create'));
    expect(expectDocumented(s, ['conditionalAccessPolicies.create'])[0]!.body).toEqual(body);
  });

  it(title('conditionalAccessPolicy.update'), async () => {
    const s = serve('conditionalAccessPolicy.update');
    const body = fixture('conditionalAccessPolicy.update').request.body as Record<string, unknown>;
    await expect(updatePolicy(graphGateway(), 'ad8d2b4a-8d30-413f-88b8-144c6c8d98d9', body)).resolves.toBeUndefined();
    expect(expectDocumented(s, ['conditionalAccessPolicy.update'])[0]!.body).toEqual(body);
  });
});

describe('contract replay: groups', () => {
  it(title('groups.list'), async () => {
    const s = serve('groups.list');
    expect(await findGroupsByDisplayName(graphGateway(), 'Contoso Group 1', ['id', 'displayName'])).toEqual(docValue('groups.list'));
    const [sent] = expectDocumented(s, ['groups.list']);
    expect(sent!.query.get('$filter')).toBe("displayName eq 'Contoso Group 1'");
    expect(sent!.query.get('$select')).toBe('id,displayName');
  });

  it(`${title('groups.list')}: plan's batched name look-up reports the example's two hits as ambiguous`, async () => {
    const s = serve('groups.list');
    const doc = { kind: 'Tenant', name: 'contoso', locate: () => ({ file: 'tenant.yaml', line: 3, column: 1 }) };
    const ref = { kind: 'group', ref: 'Contoso Group 1', doc, path: [] } as unknown as DeclaredRef;
    const { diagnostics } = await resolveDeclaredRefs(graphGateway(), [ref]);
    expect(diagnostics.map((d) => d.code)).toEqual(['ER031']);
    expect(diagnostics[0]!.message).toContain('11111111-2222-3333-4444-555555555555, 22222222-3333-4444-5555-666666666666');
    expect(expectDocumented(s, ['groups.list'])[0]!.inBatch).toBe(true);
  });

  it(title('group.get'), async () => {
    const s = serve('group.get');
    expect(await getGroup(graphGateway(), GROUP)).toEqual(docBody('group.get'));
    expectDocumented(s, ['group.get']);
  });

  it(title('group.members.cast.group'), async () => {
    const s = serve('group.members.cast.group');
    expect(await listMemberGroupIds(graphGateway(), GROUP)).toEqual(['id-value']);
    expectDocumented(s, ['group.members.cast.group']);
  });

  it(title('group.transitiveMembers.cast.user'), async () => {
    const s = serve('group.transitiveMembers.cast.user');
    expect(await listTransitiveUserMemberIds(graphGateway(), GROUP)).toEqual(['11111111-2222-3333-4444-555555555555']);
    expect(expectDocumented(s, ['group.transitiveMembers.cast.user'])[0]!.query.get('$select')).toBe('id');
  });

  it(title('group.members.add'), async () => {
    const s = serve('group.members.add');
    expect(await addMember(graphGateway(), GROUP, USER)).toBe('added');
    expect(expectDocumented(s, ['group.members.add'])[0]!.body).toEqual({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${USER}` });
  });

  it(`${title('group.members.addMany')}: the bulk PATCH inside $batch`, async () => {
    const s = serve('group.members.addMany');
    const ids = ['11111111-0000-0000-0000-000000000001', '11111111-0000-0000-0000-000000000002', '11111111-0000-0000-0000-000000000003'];
    expect(await addMembersBulk(graphGateway(), GROUP, ids)).toEqual({ added: ids, alreadyMembers: [], failed: [] });
    const [sent] = expectDocumented(s, ['group.members.addMany']);
    expect(sent!.inBatch).toBe(true);
    expect(sent!.body).toEqual({ 'members@odata.bind': ids.map((id) => `https://graph.microsoft.com/v1.0/directoryObjects/${id}`) });
  });

  it(title('group.members.remove'), async () => {
    const s = serve('group.members.remove');
    expect(await removeMember(graphGateway(), GROUP, USER)).toBe('removed');
    expectDocumented(s, ['group.members.remove']);
  });
});

describe('contract replay: organization, users', () => {
  it(`${title('organization.list')}: export reads the tenant id`, async () => {
    const s = serve('organization.list', 'authenticationMethodsPolicy.get', 'conditionalAccessPolicies.list', 'microsoftAuthenticatorConfiguration.get', 'temporaryAccessPassConfiguration.get', 'authenticationStrengthPolicies.list', 'namedLocations.list', 'directoryRoleTemplates.list', 'servicePrincipals.list');
    const input = await readForExport(graphGateway(), { cloud: 'global' });
    expect(input.tenantId).toBe('84841066-274d-4ec0-a5c1-276be684bdd3');
    const sent = expectDocumented(s, s.sent.map((r) => r.fixture.name));
    // Issue 15: export also reads the strengths and named locations CA policies name.
    expect(input.authenticationStrengths).toEqual(docValue('authenticationStrengthPolicies.list'));
    expect(input.namedLocations).toEqual(docValue('namedLocations.list'));
    expect(sent.find((r) => r.fixture.name === 'organization.list')!.query.get('$select')).toBe('id');
  });

  it(title('users.list'), async () => {
    const s = serve('users.list');
    expect(await findUsers(graphGateway())).toEqual(docValue('users.list'));
    expectDocumented(s, ['users.list']);
  });

  it(title('user.get'), async () => {
    const s = serve('user.get');
    expect(await getUser(graphGateway(), '87d349ed-44d7-43e1-9a83-5f2406dee5bd')).toEqual(docBody('user.get'));
    expectDocumented(s, ['user.get']);
  });

  it(`${title('user.notFound')}: the error envelope becomes a typed error with code and request-id`, async () => {
    const s = serve('user.notFound');
    const gw = graphGateway();
    const err = await gw.get(userPath('00000000-0000-0000-0000-0000000000ff')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphRequestError);
    expect(err).toMatchObject({ status: 404, code: 'Request_ResourceNotFound', requestId: '93b6f17e-c05d-4f45-ad2a-6665c708d8a0' });
    expect(await getUser(gw, '00000000-0000-0000-0000-0000000000ff')).toBeUndefined();
    expectDocumented(s, ['user.notFound', 'user.notFound']);
  });

  it(title('user.transitiveMemberOf.cast.directoryRole'), async () => {
    const s = serve('user.transitiveMemberOf.cast.directoryRole');
    const doc = docValue('user.transitiveMemberOf.cast.directoryRole')[0]!;
    expect(await listUserDirectoryRoles(graphGateway(), USER)).toEqual([{ id: doc.id, displayName: doc.displayName, roleTemplateId: doc.roleTemplateId }]);
    const [sent] = expectDocumented(s, ['user.transitiveMemberOf.cast.directoryRole']);
    // A cast is an advanced query: ConsistencyLevel eventual and $count (user-list-transitivememberof.md, "Request headers").
    expect(sent!.headers.consistencylevel).toBe('eventual');
    expect(sent!.query.get('$count')).toBe('true');
    expect(sent!.query.get('$select')).toBe('id,displayName,roleTemplateId');
  });
  it(title('user.checkMemberGroups'), async () => {
    const s = serve('user.checkMemberGroups');
    const ids = (fixture('user.checkMemberGroups').request.body as { groupIds: string[] }).groupIds;
    expect(await checkMemberGroups(graphGateway(), USER, ids)).toEqual(new Set(docValue('user.checkMemberGroups') as unknown as string[]));
    expect(expectDocumented(s, ['user.checkMemberGroups'])[0]!.body).toEqual({ groupIds: ids });
  });

  it(title('user.revokeSignInSessions'), async () => {
    const s = serve('user.revokeSignInSessions');
    expect(await revokeSignInSessions(graphGateway(), USER)).toBe(true);
    expectDocumented(s, ['user.revokeSignInSessions']);
  });
});

describe('contract replay: user authentication methods', () => {
  it(title('user.methods.list'), async () => {
    const s = serve('user.methods.list');
    expect(await listMethods(graphGateway(), USER)).toEqual(docValue('user.methods.list'));
    expectDocumented(s, ['user.methods.list']);
  });

  it(title('user.requirements.get'), async () => {
    const s = serve('user.requirements.get');
    expect(await getPerUserMfaState(graphGateway(), USER)).toBe('enforced');
    expectDocumented(s, ['user.requirements.get']);
  });

  it(title('user.phoneMethods.create'), async () => {
    const s = serve('user.phoneMethods.create');
    const body = fixture('user.phoneMethods.create').request.body as { phoneNumber: string; phoneType: 'mobile' };
    expect(await createPhoneMethod(graphGateway(), USER, body)).toEqual(docBody('user.phoneMethods.create'));
    expect(expectDocumented(s, ['user.phoneMethods.create'])[0]!.body).toEqual(body);
  });

  it(title('user.temporaryAccessPass.create'), async () => {
    const s = serve('user.temporaryAccessPass.create');
    const body = fixture('user.temporaryAccessPass.create').request.body as { startDateTime: string; lifetimeInMinutes: number; isUsableOnce: boolean };
    expect(await createTemporaryAccessPass(graphGateway(), USER, body)).toEqual(docBody('user.temporaryAccessPass.create'));
    expect(expectDocumented(s, ['user.temporaryAccessPass.create'])[0]!.body).toEqual(body);
  });

  it(title('user.temporaryAccessPass.list'), async () => {
    const s = serve('user.temporaryAccessPass.list');
    expect(await listTemporaryAccessPasses(graphGateway(), USER)).toEqual(docValue('user.temporaryAccessPass.list'));
    expectDocumented(s, ['user.temporaryAccessPass.list']);
  });
});

/** Runs tasks on the real bulk engine (`$batch` envelopes) against the fixtures. */
async function runTasks(tasks: BulkTask[]) {
  return runBulk(
    (async function* () {
      yield* tasks;
    })(),
    { gateway: graphGateway(), random: () => 0.5 },
  );
}

describe('contract replay: users commands on the bulk engine', () => {
  it('import-phones add, update and delete (authentication-post-phonemethods.md, phoneauthenticationmethod-get/update/delete.md)', async () => {
    const s = serve('user.phoneMethods.create', 'user.phoneMethod.get', 'user.phoneMethod.update', 'user.phoneMethod.delete');
    const result = await runTasks([
      phoneTask(['kim@contoso.com', 'mobile', '+1 2065555555', 'add'], 2, false),
      phoneTask(['adele@contoso.com', 'mobile', '+1 2065555554', 'update'], 3, false),
      phoneTask(['alex@contoso.com', 'mobile', '', 'delete'], 4, false),
    ]);
    expect(result.records.map((r) => [r.label, r.result]).sort()).toEqual([
      ['adele@contoso.com', 'done'],
      ['alex@contoso.com', 'done'],
      ['kim@contoso.com', 'done'],
    ]);
    const sent = expectDocumented(s, s.sent.map((r) => r.fixture.name));
    expect(sent.every((r) => r.inBatch)).toBe(true);
    expect(new Set(sent.map((r) => r.fixture.name))).toEqual(new Set(['user.phoneMethods.create', 'user.phoneMethod.get', 'user.phoneMethod.update', 'user.phoneMethod.delete']));
    const patch = sent.find((r) => r.method === 'PATCH')!;
    expect(patch.body).toEqual({ phoneNumber: '+1 2065555554' });
  });

  it('issue-tap: user look-up, then the documented create; the pass from the answer lands in the out file (authentication-post-temporaryaccesspassmethods.md)', async () => {
    const s = serve('temporaryAccessPassConfiguration.get', 'user.get', 'user.temporaryAccessPass.create');
    const gw = graphGateway();
    const policy = await readTapPolicy(gw);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'contract-tap-')), 'passes.csv');
    const out = TapOutFile.create(file);
    const result = await runBulk(
      (async function* () {
        yield userTask('AdeleV@contoso.com', undefined, new TapRunner('AdeleV@contoso.com', { policy, lifetime: 60, oneTime: false, out }, () => '2022-06-02T16:21:09Z'));
      })(),
      { gateway: gw, random: () => 0.5 },
    );
    out.close?.();
    expect(result.records.map((r) => r.result)).toEqual(['done']);
    expect(readFileSync(file, 'utf8')).toContain('+drkzqAD');
    const sent = expectDocumented(s, ['temporaryAccessPassConfiguration.get', 'user.get', 'user.temporaryAccessPass.create']);
    expect(sent[2]!.body).toEqual({ lifetimeInMinutes: 60 });
  });

  it('reset-methods: per-user MFA state, methods list, delete, revoke (beta authentication-get.md, authentication-list-methods.md, fido2authenticationmethod-delete.md, user-revokesigninsessions.md)', async () => {
    // The documented state is `enforced`: skipped unless --include-per-user-mfa.
    const skipped = serve('user.requirements.get');
    const first = await runTasks([userTask('kim@contoso.com', undefined, new ResetRunner('kim@contoso.com', { methods: ['fido2'], includePerUserMfa: false, revokeSessions: true, dryRun: false }))]);
    expect(first.records[0]).toMatchObject({ result: 'skipped', detail: expect.stringContaining('per-user MFA enforced') });
    expectDocumented(skipped, ['user.requirements.get']);
    skipped.done();

    const s = serve('user.requirements.get', 'user.methods.list', 'user.fido2Method.delete', 'user.revokeSignInSessions');
    const result = await runTasks([userTask('kim@contoso.com', undefined, new ResetRunner('kim@contoso.com', { methods: ['fido2'], includePerUserMfa: true, revokeSessions: true, dryRun: false }))]);
    expect(result.records[0]).toMatchObject({ result: 'done', detail: 'removed fido2; sessions revoked' });
    const sent = expectDocumented(s, ['user.requirements.get', 'user.methods.list', 'user.fido2Method.delete', 'user.revokeSignInSessions']);
    expect(sent[2]!.path).toBe('/users/kim@contoso.com/authentication/fido2Methods/-2_GRUg2-HYz6_1YG4YRAQ2');
  });

  for (const name of ['user.microsoftAuthenticatorMethod.delete', 'user.softwareOathMethod.delete', 'user.emailMethod.delete', 'user.temporaryAccessPassMethod.delete']) {
    it(`reset-methods removes a method with the documented DELETE, in a $batch like the engine (${fixture(name).page})`, async () => {
      const s = serve(name);
      const res = await graphGateway().batch([{ method: 'DELETE', url: new URL(fixture(name).request.url).pathname.replace(/^\/v1\.0/, '') }]);
      expect(res[0]).toMatchObject({ status: 204, ok: true });
      expectDocumented(s, [name]);
    });
  }

  it('reset-methods builds the Windows Hello DELETE from the listed method (authentication-list-methods.md, windowshelloforbusinessauthenticationmethod-delete.md)', async () => {
    const s = serve('user.requirements.get', 'user.methods.list', 'user.windowsHelloForBusinessMethod.delete');
    const result = await runTasks([userTask('kim@contoso.com', undefined, new ResetRunner('kim@contoso.com', { methods: ['windowsHelloForBusiness'], includePerUserMfa: true, revokeSessions: false, dryRun: false }))]);
    expect(result.records[0]).toMatchObject({ result: 'done', detail: 'removed windowsHelloForBusiness' });
    const sent = expectDocumented(s, ['user.requirements.get', 'user.methods.list', 'user.windowsHelloForBusinessMethod.delete']);
    expect(sent[2]!.path).toBe('/users/kim@contoso.com/authentication/windowsHelloForBusinessMethods/b5e01f81-1f81-b5e0-811f-e0b5811fe0b5');
  });

  it('import-phones with smsSignIn enable: the state is read, then the documented action (phoneauthenticationmethod-enablesmssignin.md)', async () => {
    const get = fixture('user.phoneMethod.get');
    const number = (get.response.body as { phoneNumber: string }).phoneNumber;
    // The documented phone is already "ready": nothing is sent for it.
    let s = serve('user.phoneMethod.get');
    let result = await runTasks([phoneTask(['kim@contoso.com', 'mobile', number, 'update', 'enable'], 2, false)]);
    expect(result.records[0]).toMatchObject({ result: 'skipped', detail: 'unchanged; SMS sign-in already enabled' });
    expectDocumented(s, ['user.phoneMethod.get', 'user.phoneMethod.get']);
    server?.done();
    // The same phone in another documented state (smsSignInState notEnabled): the action is sent, with no body.
    const notEnabled = { ...get, response: { ...get.response, body: { ...(get.response.body as object), smsSignInState: 'notEnabled' } } };
    s = server = serveFixtures([notEnabled, fixture('user.phoneMethod.enableSmsSignIn')]);
    result = await runTasks([phoneTask(['kim@contoso.com', 'mobile', number, 'update', 'enable'], 2, false)]);
    expect(result.records[0]).toMatchObject({ result: 'done', detail: 'unchanged; enabled SMS sign-in' });
    const sent = expectDocumented(s, ['user.phoneMethod.get', 'user.phoneMethod.get', 'user.phoneMethod.enableSmsSignIn']);
    expect(sent[2]!.body).toBeUndefined();
  });

  it('set-default-method on beta signInPreferences (authentication-get.md, authentication-update.md)', async () => {
    const s = serve('user.signInPreferences.get', 'user.signInPreferences.update');
    const result = await runTasks([userTask('kim@contoso.com', undefined, new DefaultMethodRunner('kim@contoso.com', 'oath', false))]);
    expect(result.records[0]).toMatchObject({ result: 'done', detail: 'default method set to oath (Graph beta)' });
    const sent = expectDocumented(s, ['user.signInPreferences.get', 'user.signInPreferences.update']);
    expect(sent[1]!.body).toEqual(fixture('user.signInPreferences.update').request.body);
  });

  it('revoke-sessions (user-revokesigninsessions.md)', async () => {
    const s = serve('user.revokeSignInSessions');
    const result = await runTasks([userTask('kim@contoso.com', undefined, new RevokeRunner('kim@contoso.com', false))]);
    expect(result.records[0]).toMatchObject({ result: 'done', detail: 'sessions revoked' });
    expectDocumented(s, ['user.revokeSignInSessions']);
  });
});

describe('contract replay: reports and logs', () => {
  it(`${title('userRegistrationDetails.list')}`, async () => {
    const s = serve('userRegistrationDetails.list');
    expect(await listUserRegistrationDetails(graphGateway())).toEqual(docValue('userRegistrationDetails.list'));
    expectDocumented(s, ['userRegistrationDetails.list']);
  });

  it(`${title('userRegistrationDetails.get')}: the documented answer wraps the row in "value"; the reader unwraps it`, async () => {
    const s = serve('userRegistrationDetails.get');
    const row = await getUserRegistrationDetails(graphGateway(), '86462606-fde0-4fc4-9e0c-a20eb73e54c6');
    expect(row).toEqual(docBody('userRegistrationDetails.get').value);
    expectDocumented(s, ['userRegistrationDetails.get']);
  });

  it(title('directoryAudits.list'), async () => {
    const s = serve('directoryAudits.list');
    const filter = "initiatedBy/user/id eq '00000000-0000-0000-0000-000000000000'";
    expect(await listDirectoryAudits(graphGateway(), { filter })).toEqual(docValue('directoryAudits.list'));
    expect(expectDocumented(s, ['directoryAudits.list'])[0]!.query.get('$filter')).toBe(filter);
  });

  it(`${title('signIns.list')}: the documented absolute nextLink is followed`, async () => {
    const s = serve('signIns.list');
    const rows = await listSignIns(graphGateway());
    expect(rows).toEqual([...docValue('signIns.list'), ...docValue('signIns.list')]);
    const sent = expectDocumented(s, ['signIns.list', 'signIns.list']);
    expect(sent[1]!.query.get('$skiptoken')).toBe('9177f2e3532fcd4c4d225f68f7b9bdf7_1');
  });
});

describe('contract replay: $batch', () => {
  it(`${title('batch')}: responses matched by id whatever their order; a failed step carries its code and request-id`, async () => {
    const s = serve('batch');
    const res = await graphGateway().batch([
      { method: 'GET', url: '/me/memberOf' },
      { method: 'DELETE', url: '/groups/0e226165-c685-41ce-8bfc-df8360ab325d' },
      { method: 'GET', url: 'users?$select=id,displayName,userPrincipalName&$filter=city eq null&$count=true', headers: { ConsistencyLevel: 'eventual' } },
    ], { retryItems: false });
    expect(res.map((r) => [r.index, r.status, r.ok])).toEqual([
      [0, 200, true],
      [1, 403, false],
      [2, 200, true],
    ]);
    expect(res[1]!.error).toMatchObject({ code: 'Authorization_RequestDenied', requestId: '93b6f17e-c05d-4f45-ad2a-6665c708d8a0' });
    expect((res[2]!.body as { value: unknown[] }).value).toHaveLength(1);
    const [sent] = expectDocumented(s, ['batch']);
    const steps = (sent!.body as { requests: Array<Record<string, unknown>> }).requests;
    expect(steps.map((r) => [r.method, r.url])).toEqual([
      ['GET', '/me/memberOf'],
      ['DELETE', '/groups/0e226165-c685-41ce-8bfc-df8360ab325d'],
      // "the relative resource URL": the client writes it with its leading slash
      ['GET', '/users?$select=id,displayName,userPrincipalName&$filter=city eq null&$count=true'],
    ]);
    // "headers: Optional but required when the body is specified"; ids are unique strings.
    expect(new Set(steps.map((r) => r.id)).size).toBe(3);
    expect(steps.every((r) => typeof r.id === 'string')).toBe(true);
  });
});

describe('contract fixtures', () => {
  it('each names its page, commit, section and an endpoint template that matches its documented URL', () => {
    for (const f of FIXTURES.values()) {
      expect(f.page, f.name).toMatch(/^(api-reference\/(v1\.0|beta)\/api\/|concepts\/).+\.md$/);
      expect(f.commit, f.name).toMatch(/^[0-9a-f]{40}$/);
      expect(f.section.length, f.name).toBeGreaterThan(3);
      expect(f.endpoint.split(' ')[0], f.name).toBe(f.request.method);
    }
  });
});

describe('the shape comparison', () => {
  it('names a missing field, a wrong type, an undocumented enum value and a null collection; accepts extra fields and nullable scalars', () => {
    const doc = { id: 'x', state: 'enabled', includeTargets: [{ id: 'a', targetType: 'group' }], count: 1, name: 'n' };
    expect(shapeMismatches(doc, { id: 'y', state: 'enabled', includeTargets: [], count: 2, name: null, extra: true })).toEqual([]);
    expect(shapeMismatches(doc, { id: 'y', state: 'on', includeTargets: [{ id: 'b', targetType: 'team' }], count: '2' })).toEqual([
      '$.state: "on" is not a documented value (default, enabled, disabled, enabledForReportingButNotEnforced)',
      '$.includeTargets[0].targetType: "team" is not a documented value (user, group, administrativeUnit, role)',
      '$.count: string where the documentation has number',
      '$.name: missing',
    ]);
    expect(shapeMismatches(doc, { ...doc, includeTargets: null })).toEqual(['$.includeTargets: null where the documentation has array']);
  });
});

// Issue 15: authentication strengths, named locations, role templates and service principals.
describe('contract replay: strengths, named locations, roles, applications', () => {
  const body = (name: string) => fixture(name).request.body as Record<string, unknown>;
  it(title('authenticationStrengthPolicies.list'), async () => {
    const s = serve('authenticationStrengthPolicies.list');
    expect(await listAuthenticationStrengths(graphGateway())).toEqual(docValue('authenticationStrengthPolicies.list'));
    expectDocumented(s, ['authenticationStrengthPolicies.list']);
  });
  it(title('authenticationStrengthPolicies.create'), async () => {
    const s = serve('authenticationStrengthPolicies.create');
    const { '@odata.type': _t, ...rest } = body('authenticationStrengthPolicies.create');
    expect((await createAuthenticationStrength(graphGateway(), rest)).id).toBe('dd055c42-4218-4281-8631-f090e171f5cd');
    expect(expectDocumented(s, ['authenticationStrengthPolicies.create'])[0]!.body).toEqual(body('authenticationStrengthPolicies.create'));
  });
  it(title('authenticationStrengthPolicy.update'), async () => {
    const s = serve('authenticationStrengthPolicy.update');
    const { '@odata.type': _t, ...rest } = body('authenticationStrengthPolicy.update');
    await updateAuthenticationStrength(graphGateway(), 'a34a4c89-c5bf-4c0b-927d-adc396bf1f19', rest);
    expect(expectDocumented(s, ['authenticationStrengthPolicy.update'])[0]!.body).toEqual(body('authenticationStrengthPolicy.update'));
  });
  it(title('authenticationStrengthPolicy.updateAllowedCombinations'), async () => {
    const s = serve('authenticationStrengthPolicy.updateAllowedCombinations');
    const result = await updateAllowedCombinations(graphGateway(), '33c5d2c0-884e-4b5d-a5b8-5395082b092c', ['password, voice']);
    expect(result.currentCombinations).toEqual(['password, voice']);
    expect(expectDocumented(s, ['authenticationStrengthPolicy.updateAllowedCombinations'])[0]!.body).toEqual(body('authenticationStrengthPolicy.updateAllowedCombinations'));
  });
  it(title('authenticationStrengthPolicy.delete'), async () => {
    const s = serve('authenticationStrengthPolicy.delete');
    await deleteAuthenticationStrength(graphGateway(), '6e7d7469-07c5-4bb2-a801-5eaef8fb7c1e');
    expectDocumented(s, ['authenticationStrengthPolicy.delete']);
  });
  it(title('namedLocations.list'), async () => {
    const s = serve('namedLocations.list');
    expect(await listNamedLocations(graphGateway())).toEqual(docValue('namedLocations.list'));
    expectDocumented(s, ['namedLocations.list']);
  });
  for (const name of ['namedLocations.create.ip', 'namedLocations.create.country']) {
    it(title(name), async () => {
      const s = serve(name);
      expect((await createNamedLocation(graphGateway(), body(name))).id).toBe(docBody(name).id);
      expect(expectDocumented(s, [name])[0]!.body).toEqual(body(name));
    });
  }
  it(title('namedLocation.update'), async () => {
    const s = serve('namedLocation.update');
    await updateNamedLocation(graphGateway(), '0854951d-5fc0-4eb1-b392-9b2c9d7949c2', body('namedLocation.update'));
    expectDocumented(s, ['namedLocation.update']);
  });
  it(title('namedLocation.delete'), async () => {
    const s = serve('namedLocation.delete');
    await deleteNamedLocation(graphGateway(), '0854951d-5fc0-4eb1-b392-9b2c9d7949c2');
    expectDocumented(s, ['namedLocation.delete']);
  });
  it(title('directoryRoleTemplates.list'), async () => {
    const s = serve('directoryRoleTemplates.list');
    expect(await listDirectoryRoleTemplates(graphGateway())).toEqual(docValue('directoryRoleTemplates.list'));
    // The page documents no query option: none is sent.
    expect([...expectDocumented(s, ['directoryRoleTemplates.list'])[0]!.query.keys()]).toEqual([]);
  });
  it(title('servicePrincipals.list'), async () => {
    const s = serve('servicePrincipals.list');
    expect(await findServicePrincipals(graphGateway(), 'appId', '65415bb1-9267-4313-bbf5-ae259732ee12')).toEqual(docValue('servicePrincipals.list'));
    const sent = expectDocumented(s, ['servicePrincipals.list'])[0]!;
    expect(sent.query.get('$filter')).toBe("appId eq '65415bb1-9267-4313-bbf5-ae259732ee12'");
    expect(sent.query.get('$select')).toBe('id,appId,displayName');
  });
});
