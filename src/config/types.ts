// Typed view of the v1 policy format. The JSON Schemas in schemas/ are the source of truth for
// shapes and ranges; these types mirror them for the code that consumes validated documents.

export type Cloud = 'global' | 'usgov' | 'usgovdod' | 'china';

export interface SourceRef {
  file: string;
  line: number;
  column: number;
}

export type PathSegment = string | number;

export interface GroupTarget {
  group: string;
}
export interface UserOrGroupTarget {
  group?: string;
  user?: string;
}

export interface TenantSpec {
  tenantId: string;
  cloud?: Cloud;
  emergencyAccess?: EmergencyAccessSpec;
}

/**
 * The break-glass accounts every enabled or report-only CA policy must exclude. `none: true` (with a
 * `reason`) is the one reviewable opt-out for a tenant that truly has no such account; it cannot be
 * combined with `users` or `groups`, and every plan shows it.
 */
export interface EmergencyAccessSpec {
  users?: string[];
  groups?: string[];
  none?: true;
  reason?: string;
}

export interface FeatureSetting {
  state: 'default' | 'enabled' | 'disabled';
  includeTarget?: GroupTarget;
  excludeTarget?: GroupTarget;
}

export interface MicrosoftAuthenticatorSpec {
  state: 'enabled' | 'disabled';
  includeTargets?: Array<GroupTarget & { authenticationMode?: 'any' | 'push' | 'deviceBasedPush'; isRegistrationRequired?: boolean }>;
  excludeTargets?: GroupTarget[];
  isSoftwareOathEnabled?: boolean;
  featureSettings?: {
    displayAppInformationRequiredState?: FeatureSetting;
    displayLocationInformationRequiredState?: FeatureSetting;
  };
}

export interface TemporaryAccessPassSpec {
  state: 'enabled' | 'disabled';
  includeTargets?: Array<GroupTarget & { isRegistrationRequired?: boolean }>;
  excludeTargets?: GroupTarget[];
  defaultLength?: number;
  minimumLifetimeInMinutes?: number;
  maximumLifetimeInMinutes?: number;
  defaultLifetimeInMinutes?: number;
  isUsableOnce?: boolean;
}

export interface RegistrationCampaignSpec {
  state: 'default' | 'enabled' | 'disabled';
  snoozeDurationInDays?: number;
  includeTargets?: Array<UserOrGroupTarget & { targetedAuthenticationMethod?: 'microsoftAuthenticator' }>;
  excludeTargets?: UserOrGroupTarget[];
}

export interface AuthenticationMethodsSpec extends GenericMethodSpecs {
  microsoftAuthenticator?: MicrosoftAuthenticatorSpec;
  temporaryAccessPass?: TemporaryAccessPassSpec;
  registrationCampaign?: RegistrationCampaignSpec;
  /** Policy-level: preMigration | migrationInProgress | migrationComplete (Graph v1.0 authenticationMethodsPolicy). */
  policyMigrationState?: 'preMigration' | 'migrationInProgress' | 'migrationComplete';
}

// ---- the other method configurations of Graph v1.0's policy (src/plan/methodConfigs.ts has the table)

export const GENERIC_METHOD_KEYS = ['sms', 'voice', 'fido2', 'softwareOath', 'email', 'x509Certificate'] as const;
export type GenericMethodKey = (typeof GENERIC_METHOD_KEYS)[number];

export interface GenericMethodSpec {
  state: 'enabled' | 'disabled';
  includeTargets?: Array<GroupTarget & { isRegistrationRequired?: boolean; isUsableForSignIn?: boolean; allowedPasskeyProfiles?: string[] }>;
  excludeTargets?: GroupTarget[];
}

export interface Fido2KeyRestrictions {
  isEnforced?: boolean;
  enforcementType?: 'allow' | 'block';
  aaGuids?: string[];
}

export interface GenericMethodSpecs {
  sms?: GenericMethodSpec;
  voice?: GenericMethodSpec & { isOfficePhoneAllowed?: boolean };
  fido2?: GenericMethodSpec & {
    isSelfServiceRegistrationAllowed?: boolean;
    isAttestationEnforced?: boolean;
    keyRestrictions?: Fido2KeyRestrictions;
    passkeyProfiles?: Array<{ id: string; name: string; passkeyTypes: string; attestationEnforcement: 'disabled' | 'registrationOnly'; keyRestrictions: Fido2KeyRestrictions }>;
  };
  softwareOath?: GenericMethodSpec;
  email?: GenericMethodSpec & { allowExternalIdToUseEmailOtp?: 'default' | 'enabled' | 'disabled' };
  x509Certificate?: GenericMethodSpec & {
    certificateUserBindings?: Array<Record<string, unknown>>;
    authenticationModeConfiguration?: Record<string, unknown>;
    crlValidationConfiguration?: Record<string, unknown>;
  };
}

// Conditional Access, mirroring Graph v1.0's conditionalAccessPolicy and its complex types
// (learn.microsoft.com/graph/api/resources/conditionalaccessconditionset and the pages it links).
export interface ConditionalAccessGuestsOrExternalUsers {
  /** Comma-separated flags, as Graph writes them: "internalGuest,b2bCollaborationGuest". */
  guestOrExternalUserTypes: string;
  externalTenants?: { membershipKind: 'all' | 'enumerated'; members?: string[] };
}

export interface ConditionalAccessUsers {
  includeUsers?: string[];
  excludeUsers?: string[];
  includeGroups?: string[];
  excludeGroups?: string[];
  includeRoles?: string[];
  excludeRoles?: string[];
  includeGuestsOrExternalUsers?: ConditionalAccessGuestsOrExternalUsers;
  excludeGuestsOrExternalUsers?: ConditionalAccessGuestsOrExternalUsers;
}

export interface ConditionalAccessFilter {
  mode: 'include' | 'exclude';
  rule: string;
}

export interface ConditionalAccessConditions {
  users: ConditionalAccessUsers;
  applications: {
    includeApplications?: string[];
    excludeApplications?: string[];
    includeUserActions?: string[];
    includeAuthenticationContextClassReferences?: string[];
    applicationFilter?: ConditionalAccessFilter;
  };
  clientAppTypes?: string[];
  platforms?: { includePlatforms?: string[]; excludePlatforms?: string[] };
  locations?: { includeLocations?: string[]; excludeLocations?: string[] };
  signInRiskLevels?: string[];
  userRiskLevels?: string[];
  servicePrincipalRiskLevels?: string[];
  devices?: { deviceFilter?: ConditionalAccessFilter };
  clientApplications?: { includeServicePrincipals?: string[]; excludeServicePrincipals?: string[]; servicePrincipalFilter?: ConditionalAccessFilter };
  /** Comma-separated flags: "minor,moderate,elevated". */
  insiderRiskLevels?: string;
  authenticationFlows?: { transferMethods: string };
}

export interface ConditionalAccessSessionControls {
  signInFrequency?: {
    isEnabled?: boolean;
    type?: 'days' | 'hours';
    value?: number;
    frequencyInterval?: 'timeBased' | 'everyTime';
    authenticationType?: 'primaryAndSecondaryAuthentication' | 'secondaryAuthentication';
  };
  persistentBrowser?: { isEnabled?: boolean; mode?: 'always' | 'never' };
  applicationEnforcedRestrictions?: { isEnabled?: boolean };
  cloudAppSecurity?: { isEnabled?: boolean; cloudAppSecurityType?: 'mcasConfigured' | 'monitorOnly' | 'blockDownloads' };
  disableResilienceDefaults?: boolean;
  secureSignInSession?: { isEnabled?: boolean };
}

export interface ConditionalAccessPolicySpec {
  displayName: string;
  state: 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced';
  conditions: ConditionalAccessConditions;
  grantControls?: {
    operator: 'AND' | 'OR';
    builtInControls?: string[];
    /**
     * By id (a built-in strength such as 00000000-0000-0000-0000-000000000002, or a custom one) or by
     * displayName (a built-in strength's, or an AuthenticationStrength document's spec.displayName).
     */
    authenticationStrength?: { id: string; displayName?: never } | { displayName: string; id?: never };
    termsOfUse?: string[];
    customAuthenticationFactors?: string[];
  };
  sessionControls?: ConditionalAccessSessionControls;
}

/**
 * A custom authentication strength policy (Graph's authenticationStrengthPolicy, policyType custom).
 * `ensure: absent` deletes the live one of that displayName: only a policy declared here is ever deleted.
 */
export interface AuthenticationStrengthSpec {
  displayName: string;
  description?: string;
  /** Graph's authenticationMethodModes combinations, e.g. `fido2` or `password,microsoftAuthenticatorPush`. */
  allowedCombinations: string[];
  ensure?: 'present' | 'absent';
}

/** An ipNamedLocation (ipRanges) or a countryNamedLocation (countriesAndRegions). */
export interface NamedLocationSpec {
  displayName: string;
  ipRanges?: Array<{ cidrAddress: string }>;
  isTrusted?: boolean;
  countriesAndRegions?: string[];
  includeUnknownCountriesAndRegions?: boolean;
  countryLookupMethod?: 'clientIpAddress' | 'authenticatorAppGps';
  ensure?: 'present' | 'absent';
}

export interface GateSettings {
  mfaCapable?: { minPercent: number };
  soak?: { minHours: number };
  signInHealth?: { maxPercent: number; windowHours?: number };
  freshness?: { maxAgeHours: number };
  /** Off unless declared: the report-only twin of the rollout's policy on the next wave (src/waves/preflight.ts). */
  preflight?: { maxPercent: number; windowHours?: number; minSignedInUsers?: number };
}

export type RolloutStrategy = 'nestedGroups' | 'policyIncludeGroups' | 'members';
/** The strategy of a Rollout that names none: applied once, when the configuration is loaded. */
export const DEFAULT_ROLLOUT_STRATEGY: RolloutStrategy = 'nestedGroups';

export interface WaveSpec {
  name: string;
  group: string;
  gates?: GateSettings;
  paused?: boolean;
  widenedAt?: string;
  /** Acknowledges a rollback at or before this time, so the wave may be widened again. */
  resumeAfter?: string;
}

export interface RolloutSpec {
  policy: string;
  targetGroup?: string;
  strategy?: RolloutStrategy;
  gates?: GateSettings;
  maxNewUsersPerApply?: number;
  /** Waves may be promoted by the merge-triggered apply (default: only by the scheduled waves job). */
  promoteOnMerge?: boolean;
  waves: WaveSpec[];
}

export interface SpecByKind {
  Tenant: TenantSpec;
  AuthenticationMethods: AuthenticationMethodsSpec;
  ConditionalAccessPolicy: ConditionalAccessPolicySpec;
  Rollout: RolloutSpec;
  AuthenticationStrength: AuthenticationStrengthSpec;
  NamedLocation: NamedLocationSpec;
}
export type Kind = keyof SpecByKind;
export const KINDS: readonly Kind[] = ['Tenant', 'AuthenticationMethods', 'ConditionalAccessPolicy', 'Rollout', 'AuthenticationStrength', 'NamedLocation'];

/** A validated document with the means to point back into its YAML source. */
export interface PolicyDocument<K extends Kind = Kind> {
  kind: K;
  name: string;
  spec: SpecByKind[K];
  source: SourceRef;
  /** Position of the node at `path` (relative to the document root), or of its nearest ancestor. */
  locate(path: readonly PathSegment[]): SourceRef;
}

/** Everything the policy folder declares, after schema and rule checks passed. */
export interface DesiredState {
  tenant: PolicyDocument<'Tenant'>;
  authenticationMethods?: PolicyDocument<'AuthenticationMethods'>;
  conditionalAccessPolicies: PolicyDocument<'ConditionalAccessPolicy'>[];
  rollouts: PolicyDocument<'Rollout'>[];
  /** Absent in states built before these kinds existed (tests): read as none. */
  authenticationStrengths?: PolicyDocument<'AuthenticationStrength'>[];
  namedLocations?: PolicyDocument<'NamedLocation'>[];
  /** sha256 of the canonical JSON of every document: a saved plan records it. */
  configHash: string;
}
