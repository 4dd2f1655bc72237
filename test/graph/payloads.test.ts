// The boundary parsers (src/graph/payloads.ts): each accepts Graph's documented example (the contract
// fixtures, taken from the Learn pages they name) and turns a damaged payload into one clear
// GraphRequestError naming the request, never a TypeError downstream.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  getAuthenticationMethodsPolicy,
  getMethodConfiguration,
  getPolicy,
  getUserRegistrationDetails,
  listAuthenticationStrengths,
  listDirectoryAudits,
  listMethods,
  listNamedLocations,
  listPolicies,
  listSignIns,
  listUserRegistrationDetails,
} from '../../src/graph/index.js';
import { GraphRequestError } from '../../src/graph/graphError.js';
import {
  methodConfigurationsById,
  parseAuthenticationMethod,
  parseAuthenticationMethodsPolicy,
  parseCaPolicies,
  parseCaPolicy,
  parseDirectoryAudit,
  parseAuthenticationStrength,
  parseMethodConfiguration,
  parseNamedLocation,
  parseRegistrationDetails,
  parseSignIn,
} from '../../src/graph/payloads.js';
import { toAuditEvent, toRegistrationRow, toSignInEvent } from '../../src/waves/index.js';
import { ORIGIN, makeGateway, setupNock, teardownNock } from './helpers.js';

const FIXTURES = path.resolve(import.meta.dirname, '../contract/fixtures');
function documented(name: string): Record<string, unknown> {
  return (JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as { response: { body: Record<string, unknown> } }).response.body;
}
const firstOf = (name: string): Record<string, unknown> => (documented(name).value as Record<string, unknown>[])[0]!;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const SRC = { path: '/identity/conditionalAccess/policies' };

/** The error a parser throws, checked to be the malformed GraphRequestError for SRC's request. */
function failure(parse: () => unknown): GraphRequestError {
  let caught: unknown;
  try {
    parse();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'the parser accepted a malformed payload').toBeInstanceOf(GraphRequestError);
  const err = caught as GraphRequestError;
  expect(err.kind).toBe('malformed');
  expect(err.message.split('\n')).toHaveLength(1);
  return err;
}

describe('parseCaPolicy (conditionalaccessroot-list-policies, conditionalAccessPolicy resource)', () => {
  const sample = () => firstOf('conditionalAccessPolicies.list');

  it("accepts Graph's documented policies and keeps every field for the planner's generic diff", () => {
    const all = documented('conditionalAccessPolicies.list').value as unknown[];
    const parsed = parseCaPolicies(all, SRC);
    expect(parsed).toEqual(all);
    expect(parsed[0]!.conditions?.users).toBeDefined();
  });

  it('a policy without conditions names the request and the policy', () => {
    const p = sample();
    delete p.conditions;
    const err = failure(() => parseCaPolicies([firstOf('conditionalAccessPolicies.list'), p], SRC));
    expect(err.message).toBe(`Graph GET /identity/conditionalAccess/policies failed: 200: malformed response: policy 1 ("${String(p.displayName)}") has no "conditions" object`);
  });

  it('conditions may be left out when a $select left them out', () => {
    const p = { id: 'x', displayName: 'A' };
    expect(parseCaPolicy(p, SRC, 0, { conditionsRequired: false })).toEqual(p);
    failure(() => parseCaPolicy(p, SRC, 0));
  });

  it('includeGroups that is not an array, or holds a non-string, is refused', () => {
    const p = sample();
    ((p.conditions as Record<string, unknown>).users as Record<string, unknown>).includeGroups = 'g1';
    expect(failure(() => parseCaPolicy(p, SRC, 0)).message).toMatch(/: malformed response: policy 0 \(".*"\) conditions\.users\.includeGroups is a string, not an array$/);
    const q = sample();
    ((q.conditions as Record<string, unknown>).users as Record<string, unknown>).excludeUsers = ['u1', 7];
    expect(failure(() => parseCaPolicy(q, SRC, 0)).message).toContain('conditions.users.excludeUsers[1] is a number, not a string');
  });

  it('a policy without an id, a non-object policy and non-object users are refused', () => {
    const p = sample();
    delete p.id;
    expect(failure(() => parseCaPolicy(p, SRC)).message).toContain('has no string "id"');
    expect(failure(() => parseCaPolicy('policy', SRC, 3)).message).toContain('policy 3 is a string, not an object');
    const q = sample();
    (q.conditions as Record<string, unknown>).users = [];
    expect(failure(() => parseCaPolicy(q, SRC)).message).toContain('conditions.users is an array, not an object');
  });

  it('application lists (read for role and app names) must be lists of strings', () => {
    const p = sample();
    (p.conditions as Record<string, unknown>).applications = { includeApplications: 'All' };
    expect(failure(() => parseCaPolicy(p, SRC, 0)).message).toMatch(/ conditions\.applications\.includeApplications is a string, not an array$/);
  });

  it('users may be null (a workload-identity policy)', () => {
    const p = sample();
    (p.conditions as Record<string, unknown>).users = null;
    expect(parseCaPolicy(p, SRC).conditions?.users).toBeNull();
  });
});

describe('parseAuthenticationMethodsPolicy and parseMethodConfiguration (authenticationmethodspolicy-get, *authenticationmethodconfiguration-get)', () => {
  it("accepts Graph's documented policy and configurations", () => {
    const policy = documented('authenticationMethodsPolicy.get');
    const parsed = parseAuthenticationMethodsPolicy(policy, { path: '/policies/authenticationMethodsPolicy' });
    expect(parsed).toEqual(policy);
    const byId = methodConfigurationsById(parsed)!;
    expect(Object.keys(byId).length).toBeGreaterThan(0);
    for (const name of ['microsoftAuthenticatorConfiguration.get', 'temporaryAccessPassConfiguration.get', 'fido2Configuration.get', 'smsConfiguration.get', 'emailConfiguration.get', 'softwareOathConfiguration.get']) {
      const body = documented(name);
      expect(parseMethodConfiguration(body, { path: '/x' })).toEqual(body);
    }
  });

  it('authenticationMethodConfigurations that is not an array is refused', () => {
    const policy = { ...documented('authenticationMethodsPolicy.get'), authenticationMethodConfigurations: { id: 'Fido2' } };
    expect(failure(() => parseAuthenticationMethodsPolicy(policy, { path: '/policies/authenticationMethodsPolicy' })).message).toBe(
      'Graph GET /policies/authenticationMethodsPolicy failed: 200: malformed response: the authentication methods policy authenticationMethodConfigurations is an object, not an array',
    );
  });

  it('a configuration without an id, or with a target without an id, is refused', () => {
    const policy = clone(documented('authenticationMethodsPolicy.get'));
    delete (policy.authenticationMethodConfigurations as Record<string, unknown>[])[0]!.id;
    expect(failure(() => parseAuthenticationMethodsPolicy(policy, { path: '/p' })).message).toContain('authenticationMethodConfigurations[0] has no string "id"');
    const config = clone(documented('microsoftAuthenticatorConfiguration.get'));
    config.includeTargets = [{ targetType: 'group' }];
    expect(failure(() => parseMethodConfiguration(config, { path: '/p' })).message).toContain('includeTargets has a target without a string "id"');
    const campaign = clone(documented('authenticationMethodsPolicy.get'));
    campaign.registrationEnforcement = { authenticationMethodsRegistrationCampaign: { includeTargets: 'all_users' } };
    expect(failure(() => parseAuthenticationMethodsPolicy(campaign, { path: '/p' })).message).toContain('includeTargets is a string, not an array');
  });
});

describe('the log and report parsers (directoryaudit-list, signin-list, userregistrationdetails-list, authentication-list-methods)', () => {
  it("accept Graph's documented rows", () => {
    for (const [name, parse] of [
      ['directoryAudits.list', parseDirectoryAudit],
      ['signIns.list', parseSignIn],
      ['userRegistrationDetails.list', parseRegistrationDetails],
      ['user.methods.list', parseAuthenticationMethod],
    ] as const) {
      for (const row of documented(name).value as unknown[]) expect(parse(row, { path: '/x' }), name).toEqual(row);
    }
  });

  it('refuse rows whose lists or ids are damaged', () => {
    const audit = clone(firstOf('directoryAudits.list'));
    audit.targetResources = { id: 'u1' };
    expect(failure(() => parseDirectoryAudit(audit, { path: '/auditLogs/directoryAudits' }, 4)).message).toBe(
      'Graph GET /auditLogs/directoryAudits failed: 200: malformed response: audit event 4 targetResources is an object, not an array',
    );
    const signIn = clone(firstOf('signIns.list'));
    signIn.appliedConditionalAccessPolicies = [null];
    expect(failure(() => parseSignIn(signIn, { path: '/auditLogs/signIns' }, 0)).message).toContain('sign-in 0 appliedConditionalAccessPolicies[0] is null, not an object');
    const row = clone(firstOf('userRegistrationDetails.list'));
    row.methodsRegistered = 'microsoftAuthenticatorPush';
    expect(failure(() => parseRegistrationDetails(row, { path: '/reports' }, 2)).message).toContain('row 2 methodsRegistered is a string, not an array');
    expect(failure(() => parseAuthenticationMethod({ '@odata.type': '#microsoft.graph.passwordAuthenticationMethod' }, { path: '/m' }, 1)).message).toContain('method 1 has no string "id"');
  });
});

describe('parseAuthenticationStrength and parseNamedLocation (authenticationstrengthroot-list-policies, conditionalaccessroot-list-namedlocations)', () => {
  it("accept Graph's documented strengths and locations", () => {
    for (const [name, parse] of [
      ['authenticationStrengthPolicies.list', parseAuthenticationStrength],
      ['namedLocations.list', parseNamedLocation],
    ] as const) {
      const rows = documented(name).value as unknown[];
      expect(rows.length).toBeGreaterThan(0);
      rows.forEach((row, i) => expect(parse(row, { path: '/x' }, i), name).toEqual(row));
    }
  });

  it('refuse combinations or countries that are not lists of strings, and objects without an id', () => {
    const strength = { ...firstOf('authenticationStrengthPolicies.list'), allowedCombinations: 'fido2' };
    expect(failure(() => parseAuthenticationStrength(strength, { path: '/policies/authenticationStrengthPolicies' }, 0)).message).toMatch(
      /^Graph GET \/policies\/authenticationStrengthPolicies failed: 200: malformed response: authentication strength 0 \(".*"\) allowedCombinations is a string, not an array$/,
    );
    expect(failure(() => parseNamedLocation({ id: 'l1', displayName: 'HQ', countriesAndRegions: ['US', null] }, { path: '/n' }, 2)).message).toContain('named location 2 ("HQ") countriesAndRegions[1] is null, not a string');
    expect(failure(() => parseNamedLocation({ displayName: 'HQ' }, { path: '/n' })).message).toContain('named location ("HQ") has no string "id"');
  });
});

describe('the graph readers parse at the boundary (nock)', () => {
  beforeEach(setupNock);
  afterEach(teardownNock);

  it('listPolicies: a page with a policy without conditions fails naming the request, not later with a TypeError', async () => {
    const bad = { ...firstOf('conditionalAccessPolicies.list') };
    delete bad.conditions;
    nock(ORIGIN).get('/v1.0/identity/conditionalAccess/policies').reply(200, { value: [bad] });
    const { gw } = makeGateway();
    const err = await listPolicies(gw).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphRequestError);
    expect((err as Error).message).toMatch(/^Graph GET \/identity\/conditionalAccess\/policies failed: 200: malformed response: policy 0 \(".*"\) has no "conditions" object$/);
  });

  it('listPolicies with a $select that leaves conditions out still reads the names', async () => {
    nock(ORIGIN).get('/v1.0/identity/conditionalAccess/policies').query(true).reply(200, { value: [{ id: 'p1', displayName: 'A' }] });
    const { gw } = makeGateway();
    expect(await listPolicies(gw, { select: ['id', 'displayName'] })).toEqual([{ id: 'p1', displayName: 'A' }]);
  });

  it('getPolicy, the methods policy and a configuration are checked', async () => {
    nock(ORIGIN).get('/v1.0/identity/conditionalAccess/policies/p1').reply(200, { id: 'p1', displayName: 'A', conditions: { users: { includeGroups: {} } } });
    nock(ORIGIN).get('/v1.0/policies/authenticationMethodsPolicy').reply(200, { id: 'authenticationMethodsPolicy', authenticationMethodConfigurations: 'none' });
    nock(ORIGIN).get('/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass').reply(200, { state: 'enabled' });
    const { gw } = makeGateway();
    await expect(getPolicy(gw, 'p1')).rejects.toThrow('Graph GET /identity/conditionalAccess/policies/p1 failed: 200: malformed response: policy ("A") conditions.users.includeGroups is an object, not an array');
    await expect(getAuthenticationMethodsPolicy(gw)).rejects.toThrow(/authenticationMethodConfigurations is a string, not an array$/);
    await expect(getMethodConfiguration(gw, 'TemporaryAccessPass')).rejects.toThrow(
      'Graph GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass failed: 200: malformed response: the method configuration has no string "id"',
    );
  });

  it('the logs, the report and the methods list are checked after projection', async () => {
    nock(ORIGIN).get('/v1.0/auditLogs/directoryAudits').query(true).reply(200, { value: [{ id: 'a1', targetResources: 'u1' }] });
    nock(ORIGIN).get('/v1.0/auditLogs/signIns').query(true).reply(200, { value: [{ userId: 'u1' }] });
    nock(ORIGIN).get('/v1.0/reports/authenticationMethods/userRegistrationDetails').reply(200, { value: [{ id: 'u1', methodsRegistered: [1] }] });
    nock(ORIGIN).get('/v1.0/reports/authenticationMethods/userRegistrationDetails/u2').reply(200, { value: { id: 'u2', methodsRegistered: ['sms'] } });
    nock(ORIGIN).get('/v1.0/users/u1/authentication/methods').reply(200, { value: ['password'] });
    const { gw } = makeGateway();
    await expect(listDirectoryAudits(gw, { select: ['id', 'targetResources'] })).rejects.toThrow(/audit event 0 targetResources is a string, not an array$/);
    await expect(listSignIns(gw, { select: ['id', 'userId'] })).rejects.toThrow(/sign-in 0 has no string "id"$/);
    await expect(listUserRegistrationDetails(gw, { select: ['id', 'methodsRegistered'] })).rejects.toThrow(/row 0 methodsRegistered\[0\] is a number, not a string$/);
    expect(await getUserRegistrationDetails(gw, 'u2')).toEqual({ id: 'u2', methodsRegistered: ['sms'] });
    await expect(listMethods(gw, 'u1')).rejects.toThrow(/method 0 is a string, not an object$/);
  });

  it('strengths and named locations are checked as they are listed', async () => {
    nock(ORIGIN).get('/v1.0/policies/authenticationStrengthPolicies').reply(200, { value: [{ id: 's1', displayName: 'Keys', allowedCombinations: [['fido2']] }] });
    nock(ORIGIN).get('/v1.0/identity/conditionalAccess/namedLocations').reply(200, { value: [{ displayName: 'HQ' }] });
    const { gw } = makeGateway();
    await expect(listAuthenticationStrengths(gw)).rejects.toThrow('Graph GET /policies/authenticationStrengthPolicies failed: 200: malformed response: authentication strength 0 ("Keys") allowedCombinations[0] is an array, not a string');
    await expect(listNamedLocations(gw)).rejects.toThrow('Graph GET /identity/conditionalAccess/namedLocations failed: 200: malformed response: named location 0 ("HQ") has no string "id"');
  });
});

describe('the parsed rows reduce to what the gates read (waves/records.ts, waves/signInCodes.ts)', () => {
  it("Graph's documented audit event, sign-in and report row, read without casts", () => {
    const audit = toAuditEvent(parseDirectoryAudit(firstOf('directoryAudits.list'), { path: '/a' }));
    expect(audit).toMatchObject({ id: 'SSGM_b662f17a-4e4d-4e1c-9248-cdec180024b2_MCDC4_88453290', result: 'success', loggedByService: 'Self-service Group Management' });
    expect(audit.targetResources).toEqual([{ id: '00000000-0000-0000-0000-000000000000', type: 'N/A', displayName: null, userPrincipalName: null, modifiedProperties: [] }]);
    const signIn = toSignInEvent(parseSignIn(firstOf('signIns.list'), { path: '/s' }));
    expect(signIn).toMatchObject({ userId: '26be570a-ae82-4189-b4e2-a37c6808512d', status: { errorCode: 0 } });
    expect(signIn.appliedConditionalAccessPolicies?.[0]).toEqual({ id: 'de7e60eb-ed89-4d73-8205-2227def6b7c9', displayName: 'SharePoint limited access for guest workers', result: 'notEnabled', enforcedGrantControls: [] });
    const row = toRegistrationRow(parseRegistrationDetails(firstOf('userRegistrationDetails.list'), { path: '/r' }));
    expect(row).toEqual({
      id: '86462606-fde0-4fc4-9e0c-a20eb73e54c6',
      userPrincipalName: 'AlexW@Contoso.com',
      isMfaCapable: true,
      isMfaRegistered: true,
      methodsRegistered: ['microsoftAuthenticatorPush', 'softwareOneTimePasscode'],
      lastUpdatedDateTime: '2023-03-13T19:15:41.6195833Z',
      ...(row.userType ? { userType: row.userType } : {}),
    });
  });

  it('a target resource or modified property without its optional fields reads as empty, not as a TypeError later', () => {
    const audit = toAuditEvent(parseDirectoryAudit({ id: 'a1', targetResources: [{ modifiedProperties: [{ newValue: '"x"' }] }] }, { path: '/a' }));
    expect(audit.targetResources).toEqual([{ id: '', type: null, displayName: null, userPrincipalName: null, modifiedProperties: [{ displayName: '', oldValue: null, newValue: '"x"' }] }]);
  });
});
