import type { DirectoryIndex } from '../plan/directory.js';
import type { Json } from '../util/json.js';

/** What a plan reads from the tenant: raw Graph objects, normalised later by the planner. */
export interface LiveState {
  tenantId: string;
  /** GET /policies/authenticationMethodsPolicy (registrationEnforcement, authenticationMethodConfigurations, …). */
  authenticationMethodsPolicy: Json;
  /** Method configurations by lower-cased id (`microsoftauthenticator`, `temporaryaccesspass`, …). */
  methodConfigurations: Record<string, Json>;
  /** Every CA policy in the tenant (managed or not). */
  conditionalAccessPolicies: Json[];
  directory: DirectoryIndex;
  /** GET /policies/authenticationStrengthPolicies (built-in and custom); absent in older tests: none. */
  authenticationStrengths?: Json[];
  /** GET /identity/conditionalAccess/namedLocations; absent: none. */
  namedLocations?: Json[];
}
