import type { TokenCredential } from '@azure/identity';
import { UserError } from '../errors.js';

/** Supplies the bearer token. Implementations never log the token or put it in an error. */
export interface TokenProvider {
  getToken(options?: { forceRefresh?: boolean }): Promise<string>;
  /** False for a static token: refreshing after a 401 would give the same token back. */
  readonly refreshable: boolean;
}

/** Longer than any Entra access token (a few KB even with many roles), short enough to be sane. */
export const MAX_TOKEN_LENGTH = 16_384;

/**
 * Checks a bearer token from the environment or a file and returns it trimmed. Messages name the
 * source and never quote the value: it is a secret even when malformed (a token with a newline was
 * echoed whole by the HTTP layer's "invalid header value" error).
 */
export function checkBearerToken(raw: string, source: string): string {
  const token = raw.trim();
  if (token === '') throw new UserError(`The Graph token from ${source} is empty`);
  // Checked first so that no later step (a header, a message) ever sees such a value.
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(token)) throw new UserError(`The Graph token from ${source} must hold one bearer token and nothing else`);
  if (token.length > MAX_TOKEN_LENGTH) throw new UserError(`The Graph token from ${source} is ${token.length} characters long, more than ${MAX_TOKEN_LENGTH}: not a bearer token`);
  // RFC 6750 b64token: what an Authorization header may carry after "Bearer ".
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) throw new UserError(`The Graph token from ${source} has characters a bearer token cannot have (RFC 6750)`);
  return token;
}

/** `ENTRA_ROLLOUT_TOKEN`: used as is, never refreshed. */
export function staticTokenProvider(token: string, source = 'ENTRA_ROLLOUT_TOKEN'): TokenProvider {
  const value = checkBearerToken(token, source);
  return { refreshable: false, getToken: async () => value };
}

/** Refresh this long before expiry so a token never expires mid-request. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

/** Wraps an `@azure/identity` credential: caches the token until near expiry, one fetch at a time. */
export class CredentialTokenProvider implements TokenProvider {
  readonly refreshable = true;
  private cached: { token: string; refreshAt: number } | undefined;
  private inflight: Promise<string> | undefined;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
    private readonly now: () => number = Date.now,
    private readonly label = 'the Azure credential',
    /** Turns a known sign-in failure into a precise UserError; undefined keeps the generic message. */
    private readonly explain: (err: unknown) => UserError | undefined = () => undefined,
  ) {}

  async getToken(options: { forceRefresh?: boolean } = {}): Promise<string> {
    if (options.forceRefresh) this.cached = undefined;
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.token;
    if (!this.inflight) {
      this.inflight = this.fetchToken().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async fetchToken(): Promise<string> {
    let result: Awaited<ReturnType<TokenCredential['getToken']>>;
    try {
      result = await this.credential.getToken(this.scope);
    } catch (err) {
      if (err instanceof UserError) throw err;
      const explained = this.explain(err);
      if (explained) throw explained;
      const first = String((err as Error)?.message ?? err).split('\n')[0];
      throw new UserError(`Could not get a Microsoft Graph token from ${this.label} for ${this.scope}: ${first}`, {
        detail:
          'Sign in with `az login`, set AZURE_TENANT_ID/AZURE_CLIENT_ID with a secret, certificate or federated token, ' +
          'or point --graph-url/ENTRA_ROLLOUT_GRAPH_URL at an endpoint and set ENTRA_ROLLOUT_TOKEN.',
        cause: err,
      });
    }
    if (!result) throw new UserError(`${this.label} returned no token for ${this.scope}`);
    const expires = result.expiresOnTimestamp;
    const refreshAt = Math.min(result.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY, expires - EXPIRY_MARGIN_MS);
    // A token that is already inside the margin is still used once; the next call fetches again.
    this.cached = { token: result.token, refreshAt };
    return result.token;
  }
}

/**
 * `DefaultAzureCredential` (environment, workload identity, managed identity, Azure CLI, …),
 * imported lazily so offline commands never load @azure/identity.
 */
export async function defaultCredentialTokenProvider(options: {
  scope: string;
  authorityHost: string;
  tenantId?: string | undefined;
}): Promise<TokenProvider> {
  const identity = await import('@azure/identity');
  const credential = new identity.DefaultAzureCredential({
    authorityHost: options.authorityHost,
    ...(options.tenantId ? { tenantId: options.tenantId } : {}),
  });
  return new CredentialTokenProvider(credential, options.scope, Date.now, 'DefaultAzureCredential');
}

/**
 * How the CLI signs in when no static token is given: in a GitHub Actions job that may request an
 * OIDC token and names AZURE_CLIENT_ID, the job's ID token is exchanged through the app's federated
 * credential (no secret); everywhere else (`az login`, `azure/login`, AZURE_* variables, workload or
 * managed identity) DefaultAzureCredential.
 */
export async function azureTokenProvider(options: {
  scope: string;
  authorityHost: string;
  tenantId?: string | undefined;
  env?: Record<string, string | undefined> | undefined;
  fetchImpl?: typeof fetch;
}): Promise<TokenProvider> {
  const { gitHubOidcSettings, gitHubAssertionCredential } = await import('./githubOidc.js');
  const oidc = gitHubOidcSettings(options.env ?? process.env, options.tenantId);
  if (!oidc) return defaultCredentialTokenProvider(options);
  const { credential, explain } = await gitHubAssertionCredential(oidc, {
    authorityHost: options.authorityHost,
    ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
  });
  return new CredentialTokenProvider(credential, options.scope, Date.now, 'the GitHub Actions OIDC federated credential', explain);
}
