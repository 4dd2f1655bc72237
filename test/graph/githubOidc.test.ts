// The GitHub Actions OIDC sign-in path, end to end through @azure/identity, with every HTTP call
// answered by nock: the Actions ID-token endpoint and the Entra token endpoint.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { azureTokenProvider } from '../../src/graph/credentials.js';
import { gitHubOidcSettings, idTokenRequestUrl } from '../../src/graph/githubOidc.js';

const TENANT = '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61';
const CLIENT = '0d5c1e8a-6b7f-4a39-8e21-9c4d7f3b2a10';
const ACTIONS = 'https://pipelines.actions.example.test';
const REQUEST_PATH = '/00000000-0000-0000-0000-000000000000/idtoken';
const REQUEST_TOKEN = 'actions-request-token-not-a-secret-here';
const SUBJECT = 'repo:contoso/entra-policies:environment:production';
const LOGIN = 'https://login.microsoftonline.com';
const SCOPE = 'https://graph.microsoft.com/.default';

function unsignedJwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}

const ID_TOKEN = unsignedJwt({
  iss: 'https://token.actions.githubusercontent.com',
  aud: 'api://AzureADTokenExchange',
  sub: SUBJECT,
  exp: Math.floor(Date.now() / 1000) + 300,
});

const env = {
  ACTIONS_ID_TOKEN_REQUEST_URL: `${ACTIONS}${REQUEST_PATH}?api-version=2.0`,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
  AZURE_CLIENT_ID: CLIENT,
};

/** MSAL resolves the authority before the first token request; answer it like Entra does. */
function nockAuthorityMetadata(): void {
  nock(LOGIN)
    .persist()
    .get(/\/common\/discovery\/instance/)
    .query(true)
    .reply(200, {
      tenant_discovery_endpoint: `${LOGIN}/${TENANT}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com', 'login.windows.net', 'sts.windows.net'] }],
    });
  nock(LOGIN)
    .persist()
    .get(`/${TENANT}/v2.0/.well-known/openid-configuration`)
    .reply(200, {
      token_endpoint: `${LOGIN}/${TENANT}/oauth2/v2.0/token`,
      authorization_endpoint: `${LOGIN}/${TENANT}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${LOGIN}/${TENANT}/oauth2/v2.0/logout`,
      issuer: `${LOGIN}/${TENANT}/v2.0`,
      jwks_uri: `${LOGIN}/${TENANT}/discovery/v2.0/keys`,
    });
}

function nockIdTokenEndpoint(reply: { status: number; body: unknown } = { status: 200, body: { count: 1, value: ID_TOKEN } }) {
  return nock(ACTIONS)
    .get(REQUEST_PATH)
    .query({ 'api-version': '2.0', audience: 'api://AzureADTokenExchange' })
    .matchHeader('authorization', `Bearer ${REQUEST_TOKEN}`)
    .reply(reply.status, reply.body as nock.Body);
}

async function provider() {
  return azureTokenProvider({ scope: SCOPE, authorityHost: LOGIN, tenantId: TENANT, env });
}

describe('GitHub Actions OIDC sign-in', () => {
  beforeEach(() => {
    nock.disableNetConnect();
    nockAuthorityMetadata();
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('applies only with the ID-token request variables, a client id and a tenant', () => {
    expect(gitHubOidcSettings(env, TENANT)).toMatchObject({ clientId: CLIENT, tenantId: TENANT });
    expect(gitHubOidcSettings({ ...env, AZURE_TENANT_ID: 'from-env' })?.tenantId).toBe('from-env');
    expect(gitHubOidcSettings({ ...env, AZURE_CLIENT_ID: '' }, TENANT)).toBeUndefined(); // azure/login: Azure CLI path
    expect(gitHubOidcSettings({ AZURE_CLIENT_ID: CLIENT }, TENANT)).toBeUndefined(); // not in Actions
    expect(gitHubOidcSettings({ ...env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined }, TENANT)).toBeUndefined();
    expect(gitHubOidcSettings(env)).toBeUndefined(); // no tenant anywhere
  });

  it('appends the audience to the request URL, keeping its api-version', () => {
    const url = new URL(idTokenRequestUrl(env.ACTIONS_ID_TOKEN_REQUEST_URL));
    expect(url.searchParams.get('api-version')).toBe('2.0');
    expect(url.searchParams.get('audience')).toBe('api://AzureADTokenExchange');
  });

  it('requests the ID token with the Entra audience and the request bearer, and hands it to Entra as the client assertion', async () => {
    const idToken = nockIdTokenEndpoint();
    let form: URLSearchParams | undefined;
    const token = nock(LOGIN)
      .post(`/${TENANT}/oauth2/v2.0/token`, (body: unknown) => {
        form = new URLSearchParams(typeof body === 'string' ? body : new URLSearchParams(body as Record<string, string>).toString());
        return true;
      })
      .query(true) // MSAL adds ?client-request-id=…
      .reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'graph-access-token' });

    const tokens = await provider();
    await expect(tokens.getToken()).resolves.toBe('graph-access-token');
    expect(idToken.isDone()).toBe(true);
    expect(token.isDone()).toBe(true);
    expect(form?.get('client_assertion')).toBe(ID_TOKEN);
    expect(form?.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(form?.get('client_id')).toBe(CLIENT);
    expect(form?.get('grant_type')).toBe('client_credentials');
    expect(form?.get('scope')).toContain(SCOPE);
    expect(form?.get('client_secret')).toBeNull();
  });

  it('says to add the federated credential, naming the subject, when Entra finds no matching record (AADSTS700213)', async () => {
    nockIdTokenEndpoint();
    nock(LOGIN)
      .post(`/${TENANT}/oauth2/v2.0/token`)
      .query(true)
      .reply(400, {
        error: 'invalid_client',
        error_description: `AADSTS700213: No matching federated identity record found for presented assertion subject '${SUBJECT}'. Please note that the matching is done using a case-sensitive comparison.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2026-11-20 09:00:00Z`,
        error_codes: [700213],
      });
    const err = await (await provider()).getToken().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    const message = (err as UserError).message;
    expect(message).toContain('add a federated credential for the repo/branch/environment subject');
    expect(message).toContain(SUBJECT);
    expect(message).toContain(CLIENT);
    expect(message).not.toContain('\n');
    expect(message).not.toContain(ID_TOKEN);
    expect((err as UserError).detail).toContain('docs/github-actions.md');
  });

  it('recognises the older AADSTS70021 wording too', async () => {
    nockIdTokenEndpoint();
    nock(LOGIN)
      .post(`/${TENANT}/oauth2/v2.0/token`)
      .query(true)
      .reply(400, { error: 'invalid_request', error_description: 'AADSTS70021: No matching federated identity record found for presented assertion.', error_codes: [70021] });
    await expect((await provider()).getToken()).rejects.toThrow(/no federated credential on app .* add a federated credential/);
  });

  it('says the job needs id-token: write when GitHub refuses the ID token, and never calls Entra', async () => {
    nockIdTokenEndpoint({ status: 403, body: { message: 'Forbidden' } });
    const entra = nock(LOGIN).post(`/${TENANT}/oauth2/v2.0/token`).query(true).reply(200, {});
    const err = await (await provider()).getToken().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('GitHub refused to issue an OIDC ID token (HTTP 403)');
    expect((err as UserError).detail).toContain('id-token: write');
    expect(entra.isDone()).toBe(false);
  });
});
