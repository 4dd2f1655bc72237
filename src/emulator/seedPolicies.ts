/**
 * The policies every scenario starts from: the live authentication methods policy (every method
 * configuration Graph's v1.0 policy has) and the Conditional Access policies the sample policies/
 * differ from. Split out of scenarios.ts, which builds the users, groups and logs around them.
 */
import { isoSeconds } from './clock.js';
import { uuidFor } from './prng.js';
import type { Json, Tenant } from './tenant.js';

const DAY = 86_400_000;

const ALL_USERS_TARGET = { targetType: 'group', id: 'all_users' };
const EMPTY_TARGET = { targetType: 'group', id: '00000000-0000-0000-0000-000000000000' };

function methodConfig(id: string, type: string, state: string, extra: Json): Json {
  return { '@odata.type': `#microsoft.graph.${type}AuthenticationMethodConfiguration`, id, state, excludeTargets: [], ...extra };
}

/** The live methods policy the sample policies/ differ from (an update each for Authenticator, TAP, campaign). */
export function installMethodsPolicy(t: Tenant, clockStartMs: number): void {
  t.methodsPolicy = {
    id: 'authenticationMethodsPolicy',
    displayName: 'Authentication Methods Policy',
    description: 'The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings',
    lastModifiedDateTime: isoSeconds(clockStartMs - 40 * DAY),
    policyVersion: '1.5',
    policyMigrationState: 'migrationComplete',
    reconfirmationInDays: 0,
    registrationEnforcement: {
      authenticationMethodsRegistrationCampaign: {
        snoozeDurationInDays: 1,
        enforceRegisteredDaysSince: null,
        state: 'default',
        excludeTargets: [],
        includeTargets: [{ id: 'all_users', targetType: 'group', targetedAuthenticationMethod: 'microsoftAuthenticator' }],
      },
    },
  };
  const configs: Json[] = [
    methodConfig('MicrosoftAuthenticator', 'microsoftAuthenticator', 'enabled', {
      isSoftwareOathEnabled: false,
      includeTargets: [{ ...ALL_USERS_TARGET, isRegistrationRequired: false, authenticationMode: 'any' }],
      featureSettings: {
        displayAppInformationRequiredState: { state: 'enabled', includeTarget: ALL_USERS_TARGET, excludeTarget: EMPTY_TARGET },
        displayLocationInformationRequiredState: { state: 'default', includeTarget: ALL_USERS_TARGET, excludeTarget: EMPTY_TARGET },
      },
    }),
    methodConfig('TemporaryAccessPass', 'temporaryAccessPass', 'enabled', {
      defaultLifetimeInMinutes: 60,
      defaultLength: 8,
      minimumLifetimeInMinutes: 60,
      maximumLifetimeInMinutes: 480,
      isUsableOnce: false,
      includeTargets: [{ ...ALL_USERS_TARGET, isRegistrationRequired: false }],
    }),
    methodConfig('Sms', 'sms', 'enabled', { includeTargets: [{ ...ALL_USERS_TARGET, isRegistrationRequired: false, isUsableForSignIn: false }] }),
    methodConfig('Voice', 'voice', 'disabled', { isOfficePhoneAllowed: false, includeTargets: [{ ...ALL_USERS_TARGET, isRegistrationRequired: false }] }),
    methodConfig('Fido2', 'fido2', 'enabled', {
      isSelfServiceRegistrationAllowed: true,
      isAttestationEnforced: false,
      keyRestrictions: { isEnforced: false, enforcementType: 'block', aaGuids: [] },
      includeTargets: [{ ...ALL_USERS_TARGET, isRegistrationRequired: false }],
    }),
    methodConfig('SoftwareOath', 'softwareOath', 'enabled', { includeTargets: [{ ...ALL_USERS_TARGET, isRegistrationRequired: false }] }),
    methodConfig('Email', 'email', 'enabled', { allowExternalIdToUseEmailOtp: 'default', includeTargets: [{ ...ALL_USERS_TARGET, isRegistrationRequired: false }] }),
    methodConfig('X509Certificate', 'x509Certificate', 'disabled', { includeTargets: [], certificateUserBindings: [], authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor', rules: [] } }),
  ];
  for (const c of configs) t.methodConfigs.set(String(c.id).toLowerCase(), c);
}

interface CaSpec {
  displayName: string;
  state: string;
  users: Partial<Record<'includeUsers' | 'excludeUsers' | 'includeGroups' | 'excludeGroups' | 'includeRoles' | 'excludeRoles', string[]>>;
  includeApplications: string[];
  clientAppTypes: string[];
  builtInControls: string[];
}

export function caPolicyJson(id: string, createdMs: number, s: CaSpec): Json {
  return {
    id,
    templateId: null,
    displayName: s.displayName,
    createdDateTime: isoSeconds(createdMs),
    modifiedDateTime: isoSeconds(createdMs + 3 * DAY),
    state: s.state,
    sessionControls: null,
    conditions: {
      userRiskLevels: [],
      signInRiskLevels: [],
      clientAppTypes: s.clientAppTypes,
      servicePrincipalRiskLevels: [],
      platforms: null,
      locations: null,
      devices: null,
      clientApplications: null,
      applications: { includeApplications: s.includeApplications, excludeApplications: [], includeUserActions: [], includeAuthenticationContextClassReferences: [], applicationFilter: null },
      users: {
        includeUsers: s.users.includeUsers ?? [],
        excludeUsers: s.users.excludeUsers ?? [],
        includeGroups: s.users.includeGroups ?? [],
        excludeGroups: s.users.excludeGroups ?? [],
        includeRoles: s.users.includeRoles ?? [],
        excludeRoles: s.users.excludeRoles ?? [],
        includeGuestsOrExternalUsers: null,
        excludeGuestsOrExternalUsers: null,
      },
    },
    grantControls: { operator: 'OR', builtInControls: s.builtInControls, customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null },
  };
}

const ADMIN_ROLES = ['62e90394-69f5-4237-9190-012177145e10', '194ae4cb-b126-40b2-bd5b-6091b380977d', 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c', '29232cdf-9323-42fd-ade2-1d097af3e4de', 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9'];

/** CA001 matching policies/, CA010 in report-only (an update), CA099 unmanaged; CA020 absent (a create). */
export function installCaPolicies(t: Tenant, clockStartMs: number, groupIds: { emergency: string; enforced: string }): void {
  const breakglass = [t.userId(0), t.userId(1)];
  const add = (n: number, daysAgo: number, s: CaSpec): void => {
    const id = uuidFor(t.seed, 300, n);
    t.caPolicies.set(id, caPolicyJson(id, clockStartMs - daysAgo * DAY, s));
  };
  add(1, 300, {
    displayName: 'CA001 - Require MFA for administrators',
    state: 'enabled',
    users: { includeRoles: ADMIN_ROLES, excludeUsers: breakglass, excludeGroups: [groupIds.emergency] },
    includeApplications: ['All'],
    clientAppTypes: ['all'],
    builtInControls: ['mfa'],
  });
  add(2, 60, {
    displayName: 'CA010 - Require MFA for rollout waves',
    state: 'enabledForReportingButNotEnforced',
    users: { includeGroups: [groupIds.enforced], excludeUsers: breakglass, excludeGroups: [groupIds.emergency] },
    includeApplications: ['All'],
    clientAppTypes: ['all'],
    builtInControls: ['mfa'],
  });
  add(3, 700, {
    displayName: 'CA099 - Legacy VPN exception',
    state: 'enabled',
    users: { includeUsers: ['All'] },
    includeApplications: ['0c1b7d4e-2f6a-4b9e-8d3c-5a7e9f1b2c4d'],
    clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'],
    builtInControls: ['compliantDevice'],
  });
}

