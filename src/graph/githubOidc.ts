/**
 * Keyless sign-in from GitHub Actions: the job's OIDC ID token (requested from the Actions
 * ID-token endpoint) is the client assertion of a federated credential on the app registration.
 * No client secret exists anywhere. Tokens are never logged or put in an error message; only the
 * ID token's `sub` claim (which names the repo/branch/environment, not a secret) is quoted.
 */
import type { TokenCredential } from '@azure/identity';
import { UserError } from '../errors.js';
import { decodeJwtClaims } from './tokenClaims.js';

/** The audience Entra ID expects in a federated assertion (Microsoft Entra workload identity federation). */
export const AZURE_AD_TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

export interface GitHubOidcSettings {
  requestUrl: string;
  requestToken: string;
  clientId: string;
  tenantId: string;
}

type Env = Record<string, string | undefined>;

const nonEmpty = (v: string | undefined): string | undefined => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);

/**
 * The GitHub OIDC path applies when the job may request an ID token (`permissions: id-token: write`
 * sets ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN) and AZURE_CLIENT_ID names the app registration. The tenant
 * is the one the policies manage, else AZURE_TENANT_ID. After `azure/login` (which exports no AZURE_*
 * variables) this returns undefined and DefaultAzureCredential's Azure CLI credential takes over.
 */
export function gitHubOidcSettings(env: Env, tenantId?: string): GitHubOidcSettings | undefined {
  const requestUrl = nonEmpty(env.ACTIONS_ID_TOKEN_REQUEST_URL);
  const requestToken = nonEmpty(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
  const clientId = nonEmpty(env.AZURE_CLIENT_ID);
  const tenant = nonEmpty(tenantId) ?? nonEmpty(env.AZURE_TENANT_ID);
  if (!requestUrl || !requestToken || !clientId || !tenant) return undefined;
  return { requestUrl, requestToken, clientId, tenantId: tenant };
}

/** The Actions ID-token URL already carries `?api-version=…`: the audience is one more query parameter. */
export function idTokenRequestUrl(requestUrl: string, audience = AZURE_AD_TOKEN_EXCHANGE_AUDIENCE): string {
  const url = new URL(requestUrl);
  url.searchParams.set('audience', audience);
  return url.href;
}

/** Asks GitHub for the job's OIDC ID token. */
export async function requestGitHubIdToken(settings: Pick<GitHubOidcSettings, 'requestUrl' | 'requestToken'>, fetchImpl: typeof fetch = fetch): Promise<string> {
  let res: Response;
  try {
    res = await fetchImpl(idTokenRequestUrl(settings.requestUrl), {
      headers: { authorization: `Bearer ${settings.requestToken}`, accept: 'application/json; api-version=2.0' },
    });
  } catch (err) {
    throw new UserError(`Could not reach the GitHub Actions ID-token endpoint: ${String((err as Error)?.message ?? err).split('\n')[0]}`, { cause: err });
  }
  const text = await res.text();
  if (!res.ok) {
    throw new UserError(`GitHub refused to issue an OIDC ID token (HTTP ${res.status})`, {
      detail: 'The job needs `permissions: id-token: write` (see docs/github-actions.md).',
    });
  }
  let value: unknown;
  try {
    value = (JSON.parse(text) as { value?: unknown }).value;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string' || value === '') throw new UserError('The GitHub Actions ID-token endpoint answered without a token ("value" missing)');
  return value;
}

/** The subject of an ID token, for error messages (`repo:org/repo:environment:production`). */
function subjectOf(idToken: string | undefined): string | undefined {
  const sub = idToken ? decodeJwtClaims(idToken)?.sub : undefined;
  return typeof sub === 'string' ? sub : undefined;
}

const NO_FEDERATED_RECORD = /AADSTS(70021|700213)\b/;
const ASSERTION_MISMATCH = /AADSTS(700211|700212)\b/;

/**
 * Maps Entra's answers about federated credentials to one clear line. AADSTS70021 / 700213: no
 * federated credential on the app matches the token's issuer/subject/audience; 700211 / 700212:
 * issuer or audience mismatch.
 */
export function explainFederationError(err: unknown, clientId: string, subject: string | undefined): UserError | undefined {
  const text = String((err as Error)?.message ?? err);
  const where = subject ? ` (subject "${subject}")` : '';
  if (NO_FEDERATED_RECORD.test(text)) {
    return new UserError(
      `Entra ID found no federated credential on app ${clientId} matching this workflow's OIDC token${where}: add a federated credential for the repo/branch/environment subject`,
      {
        detail:
          'App registrations → your app → Certificates & secrets → Federated credentials → GitHub Actions; the entity type ' +
          '(branch, environment, pull request) must match how the job runs. See docs/github-actions.md.',
        cause: err,
      },
    );
  }
  if (ASSERTION_MISMATCH.test(text)) {
    return new UserError(
      `Entra ID rejected this workflow's OIDC token for app ${clientId}${where}: the federated credential's issuer must be https://token.actions.githubusercontent.com and its audience ${AZURE_AD_TOKEN_EXCHANGE_AUDIENCE}`,
      { detail: 'See docs/github-actions.md.', cause: err },
    );
  }
  return undefined;
}

export interface GitHubAssertionCredential {
  credential: TokenCredential;
  explain: (err: unknown) => UserError | undefined;
}

/** Reuse an ID token until this close to its `exp`; GitHub's live minutes, and MSAL asks for the assertion more than once per sign-in. */
const ID_TOKEN_REUSE_MARGIN_MS = 60_000;

function stillFresh(idToken: string | undefined, now: number): idToken is string {
  const exp = idToken ? decodeJwtClaims(idToken)?.exp : undefined;
  return typeof exp === 'number' && exp * 1000 - now > ID_TOKEN_REUSE_MARGIN_MS;
}

/** A `ClientAssertionCredential` whose assertion is the job's GitHub ID token. */
export async function gitHubAssertionCredential(
  settings: GitHubOidcSettings,
  options: { authorityHost: string; fetchImpl?: typeof fetch },
): Promise<GitHubAssertionCredential> {
  const identity = await import('@azure/identity');
  let lastIdToken: string | undefined;
  let assertionError: UserError | undefined;
  const credential = new identity.ClientAssertionCredential(
    settings.tenantId,
    settings.clientId,
    async () => {
      if (stillFresh(lastIdToken, Date.now())) return lastIdToken;
      try {
        lastIdToken = await requestGitHubIdToken(settings, options.fetchImpl);
        assertionError = undefined;
        return lastIdToken;
      } catch (err) {
        assertionError = err instanceof UserError ? err : undefined;
        throw err;
      }
    },
    { authorityHost: options.authorityHost },
  );
  return {
    credential,
    // The credential wraps whatever the callback threw: give back our own message when it was ours.
    explain: (err) => assertionError ?? explainFederationError(err, settings.clientId, subjectOf(lastIdToken)),
  };
}
