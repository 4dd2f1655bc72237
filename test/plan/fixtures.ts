// In-memory tenant state for planner tests, shaped like Graph v1.0 responses.
import { loadConfig } from '../../src/config/index.js';
import type { DesiredState } from '../../src/config/types.js';
import { emptyDirectory, refKey, type DirectoryIndex, type RefKind } from '../../src/plan/directory.js';
import type { LiveState } from '../../src/tenant/types.js';

export const IDS = {
  emergencyGroup: '1b6a3e7e-0000-4000-8000-000000000001',
  target: '1b6a3e7e-0000-4000-8000-000000000002',
  wave0: '1b6a3e7e-0000-4000-8000-000000000003',
  wave1: '1b6a3e7e-0000-4000-8000-000000000004',
  allStaff: '1b6a3e7e-0000-4000-8000-000000000005',
  allWaves: '1b6a3e7e-0000-4000-8000-000000000006',
  bg1: '2c7b4f8f-0000-4000-8000-000000000001',
  bg2: '2c7b4f8f-0000-4000-8000-000000000002',
  caRequireMfa: '3d8c5a9a-0000-4000-8000-000000000001',
  caAdmins: '3d8c5a9a-0000-4000-8000-000000000002',
  caLegacy: '3d8c5a9a-0000-4000-8000-000000000003',
  caUnmanaged: '3d8c5a9a-0000-4000-8000-000000000009',
};

const ENTRIES: Array<[RefKind, string, string]> = [
  ['group', 'Emergency Access', IDS.emergencyGroup],
  ['group', 'CA010 - MFA enforced', IDS.target],
  ['group', 'MFA Wave 0 - IT', IDS.wave0],
  ['group', 'MFA Wave 1 - Early adopters', IDS.wave1],
  ['group', 'All Staff', IDS.allStaff],
  ['group', 'MFA Rollout - All Waves', IDS.allWaves],
  ['user', 'breakglass1@contoso.onmicrosoft.com', IDS.bg1],
  ['user', 'breakglass2@contoso.onmicrosoft.com', IDS.bg2],
];

export function sampleDirectory(): DirectoryIndex {
  const dir = emptyDirectory();
  for (const [kind, name, id] of ENTRIES) {
    dir.byId.set(id, { id, kind, name });
    dir.refs.set(refKey(kind, name), id);
  }
  return dir;
}

export function sampleDesired(): DesiredState {
  const result = loadConfig('policies');
  if (!result.state) throw new Error(`sample policies invalid: ${JSON.stringify(result.diagnostics)}`);
  return result.state;
}

const emptyTarget = { targetType: 'group', id: '00000000-0000-0000-0000-000000000000' };
const allUsers = { targetType: 'group', id: 'all_users' };

/** A live tenant that already matches policies/ exactly, as Graph would return it. */
export function matchingLive(): LiveState {
  const authenticator: Record<string, unknown> = {
    '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration',
    id: 'MicrosoftAuthenticator',
    state: 'enabled',
    isSoftwareOathEnabled: false,
    excludeTargets: [],
    includeTargets: [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false, authenticationMode: 'any' }],
    featureSettings: {
      companionAppAllowedState: { state: 'default', includeTarget: allUsers, excludeTarget: emptyTarget },
      numberMatchingRequiredState: { state: 'enabled', includeTarget: allUsers, excludeTarget: emptyTarget },
      displayAppInformationRequiredState: { state: 'enabled', includeTarget: allUsers, excludeTarget: emptyTarget },
      displayLocationInformationRequiredState: { state: 'enabled', includeTarget: allUsers, excludeTarget: emptyTarget },
    },
  };
  const tap: Record<string, unknown> = {
    '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
    id: 'TemporaryAccessPass',
    state: 'enabled',
    defaultLifetimeInMinutes: 60,
    defaultLength: 8,
    minimumLifetimeInMinutes: 60,
    maximumLifetimeInMinutes: 480,
    isUsableOnce: true,
    excludeTargets: [],
    includeTargets: [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }],
  };
  const policy: Record<string, unknown> = {
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#authenticationMethodsPolicy',
    id: 'authenticationMethodsPolicy',
    displayName: 'Authentication Methods Policy',
    description: 'The tenant-wide policy that controls which authentication methods are allowed in the tenant',
    lastModifiedDateTime: '2026-10-01T08:00:00Z',
    policyVersion: '1.5',
    policyMigrationState: 'migrationComplete',
    reconfirmationInDays: null,
    registrationEnforcement: {
      authenticationMethodsRegistrationCampaign: {
        snoozeDurationInDays: 1,
        enforceRegistrationAfterAllowedSnoozes: true,
        state: 'enabled',
        excludeTargets: [],
        includeTargets: [{ id: IDS.allWaves, targetType: 'group', targetedAuthenticationMethod: 'microsoftAuthenticator' }],
      },
    },
    authenticationMethodConfigurations: [authenticator, tap],
  };
  const ca = (id: string, displayName: string, state: string, users: Record<string, string[]>, clientAppTypes: string[], builtInControls: string[]): Record<string, unknown> => ({
    id,
    templateId: null,
    displayName,
    createdDateTime: '2026-09-01T10:00:00Z',
    modifiedDateTime: '2026-10-02T10:00:00Z',
    state,
    sessionControls: null,
    conditions: {
      userRiskLevels: [],
      signInRiskLevels: [],
      clientAppTypes,
      servicePrincipalRiskLevels: [],
      insiderRiskLevels: null,
      platforms: null,
      locations: null,
      devices: null,
      clientApplications: null,
      authenticationFlows: null,
      applications: { includeApplications: ['All'], excludeApplications: [], includeUserActions: [], includeAuthenticationContextClassReferences: [], applicationFilter: null },
      users: {
        includeUsers: [],
        excludeUsers: [],
        includeGroups: [],
        excludeGroups: [],
        includeRoles: [],
        excludeRoles: [],
        includeGuestsOrExternalUsers: null,
        excludeGuestsOrExternalUsers: null,
        ...users,
      },
    },
    grantControls: { operator: 'OR', builtInControls, customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null },
  });
  const exclusions = { excludeUsers: [IDS.bg2, IDS.bg1], excludeGroups: [IDS.emergencyGroup] };
  return {
    tenantId: '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61',
    authenticationMethodsPolicy: policy,
    methodConfigurations: { microsoftauthenticator: authenticator, temporaryaccesspass: tap },
    conditionalAccessPolicies: [
      ca(IDS.caRequireMfa, 'CA010 - Require MFA for rollout waves', 'enabled', { includeGroups: [IDS.target], ...exclusions }, ['all'], ['mfa']),
      ca(
        IDS.caAdmins,
        'CA001 - Require MFA for administrators',
        'enabled',
        {
          includeRoles: [
            'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
            '62e90394-69f5-4237-9190-012177145e10',
            '194ae4cb-b126-40b2-bd5b-6091b380977d',
            'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
            '29232cdf-9323-42fd-ade2-1d097af3e4de',
          ],
          ...exclusions,
        },
        ['all'],
        ['mfa'],
      ),
      ca(IDS.caLegacy, 'CA020 - Block legacy authentication', 'enabledForReportingButNotEnforced', { includeGroups: [IDS.allStaff], ...exclusions }, ['other', 'exchangeActiveSync'], ['block']),
    ],
    directory: sampleDirectory(),
  };
}
