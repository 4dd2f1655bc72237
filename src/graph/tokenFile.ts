// ENTRA_ROLLOUT_TOKEN_FILE: a bearer token kept fresh in a file by something else (a sidecar, a CI
// step looping `az account get-access-token`), the way AZURE_FEDERATED_TOKEN_FILE works. The file is
// read again whenever Graph says the token is no longer valid, so a long apply survives a rotation.
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { TokenProvider } from './credentials.js';
import { checkBearerToken } from './credentials.js';

export const TOKEN_FILE_ENV = 'ENTRA_ROLLOUT_TOKEN_FILE';

/** Reads the token once, and again on a forced refresh (after a 401 InvalidAuthenticationToken). */
export function tokenFileProvider(file: string, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): TokenProvider {
  let cached: string | undefined;
  const load = (): string => {
    let text: string;
    try {
      text = read(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException)?.code;
      throw new UserError(`Cannot read the token file ${file} (${TOKEN_FILE_ENV})${code ? `: ${code}` : ''}`);
    }
    // Never quote the content: it is a secret even when it is malformed.
    return checkBearerToken(text, `the token file ${file} (${TOKEN_FILE_ENV})`);
  };
  return {
    refreshable: true,
    getToken: async (options = {}) => {
      if (cached === undefined || options.forceRefresh) cached = load();
      return cached;
    },
  };
}

/** The provider ENTRA_ROLLOUT_TOKEN_FILE asks for, if any; both it and ENTRA_ROLLOUT_TOKEN set is an error. */
export function tokenFileProviderFromEnv(env: Record<string, string | undefined>): TokenProvider | undefined {
  const file = env[TOKEN_FILE_ENV]?.trim();
  if (!file) return undefined;
  if (env.ENTRA_ROLLOUT_TOKEN?.trim()) throw new UserError(`Set ENTRA_ROLLOUT_TOKEN or ${TOKEN_FILE_ENV}, not both`);
  return tokenFileProvider(file);
}
