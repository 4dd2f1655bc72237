import type { AuthenticationMethodConfiguration, AuthenticationMethodsPolicy } from '@microsoft/microsoft-graph-types';
import type { GraphGateway } from './gateway.js';
import { seg } from './odata.js';
import { parseAuthenticationMethodsPolicy, parseMethodConfiguration, type LiveMethodConfiguration, type LiveMethodsPolicy } from './payloads.js';

const POLICY_PATH = '/policies/authenticationMethodsPolicy';

/** The policy with its expanded configurations, checked (payloads.ts). */
export async function getAuthenticationMethodsPolicy(gw: GraphGateway): Promise<LiveMethodsPolicy> {
  return parseAuthenticationMethodsPolicy(await gw.get<unknown>(POLICY_PATH), { path: POLICY_PATH });
}

/**
 * `id` as Graph names it: `MicrosoftAuthenticator`, `TemporaryAccessPass`, `Fido2`, `Sms`, … The
 * subtype (`T`) is the caller's word for which configuration it asked for; the fields all subtypes
 * share are checked.
 */
export async function getMethodConfiguration<T extends AuthenticationMethodConfiguration = AuthenticationMethodConfiguration>(
  gw: GraphGateway,
  id: string,
): Promise<T & LiveMethodConfiguration> {
  const path = `${POLICY_PATH}/authenticationMethodConfigurations/${seg(id)}`;
  return parseMethodConfiguration(await gw.get<unknown>(path), { path }) as T & LiveMethodConfiguration;
}

/** `microsoftAuthenticator` or `#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration` → the full form. */
export function methodConfigurationODataType(odataType: string): string {
  const t = odataType.trim();
  if (t.startsWith('#')) return t;
  if (t.startsWith('microsoft.graph.')) return `#${t}`;
  const name = t.endsWith('AuthenticationMethodConfiguration') ? t : `${t}AuthenticationMethodConfiguration`;
  return `#microsoft.graph.${name.charAt(0).toLowerCase()}${name.slice(1)}`;
}

/** PATCH a method configuration (Graph answers 204). Graph requires the `@odata.type`. */
export async function patchMethodConfiguration(
  gw: GraphGateway,
  id: string,
  odataType: string,
  body: Record<string, unknown>,
): Promise<void> {
  const { '@odata.type': _ignored, ...rest } = body;
  await gw.patch(`${POLICY_PATH}/authenticationMethodConfigurations/${seg(id)}`, {
    '@odata.type': methodConfigurationODataType(odataType),
    ...rest,
  });
}

/** PATCH the policy itself (registration campaign, migration state); Graph answers 200 with the object. */
export async function patchAuthenticationMethodsPolicy(
  gw: GraphGateway,
  body: Partial<AuthenticationMethodsPolicy> & Record<string, unknown>,
): Promise<AuthenticationMethodsPolicy | undefined> {
  return gw.patch<AuthenticationMethodsPolicy>(POLICY_PATH, body);
}
