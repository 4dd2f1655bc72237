import type { AuthenticationStrengthPolicy, NamedLocation } from '@microsoft/microsoft-graph-types';
import type { GraphJson, LiveCaPolicy, LiveMethodConfiguration, LiveMethodsPolicy } from '../graph/payloads.js';
import type { DirectoryIndex } from '../plan/directory.js';

/**
 * What a plan reads from the tenant: Graph objects checked where they were read (graph/payloads.ts) and
 * typed as Graph documents them, still JSON objects for the planner's generic normalise and diff.
 */
export interface LiveState {
  tenantId: string;
  /** GET /policies/authenticationMethodsPolicy (registrationEnforcement, authenticationMethodConfigurations, …). */
  authenticationMethodsPolicy: LiveMethodsPolicy;
  /** Method configurations by lower-cased id (`microsoftauthenticator`, `temporaryaccesspass`, …). */
  methodConfigurations: Record<string, LiveMethodConfiguration>;
  /** Every CA policy in the tenant (managed or not). */
  conditionalAccessPolicies: LiveCaPolicy[];
  directory: DirectoryIndex;
  /** GET /policies/authenticationStrengthPolicies (built-in and custom); absent in older tests: none. */
  authenticationStrengths?: GraphJson<AuthenticationStrengthPolicy>[];
  /** GET /identity/conditionalAccess/namedLocations; absent: none. */
  namedLocations?: GraphJson<NamedLocation>[];
}
